"""How the card pressed answers a Universal Action that changed a card (a poll's answer).

The turn updates the poll message in place for everyone (`ChatPort.update`, Teams'
update_activity): counts and released figures only. The invoke is answered with a card that
Teams shows the person who pressed alone, in place of the card pressed: the poll as it now is,
which answer they chose, and their private reply. So a click on the poll, or on a private copy
of it, confirms itself where it was made, and no shared card ever shows one person's answer.
"""

from __future__ import annotations

from bot.messages import Context, Divider, MessageRef, Person, Poll, Reply, Target, Text
from bot.ports import ChatPort

ONLY_YOU = "Only you can see this."


class UpdatesSeen:
    """A ChatPort that passes every call on, keeping the replies messages were updated with."""

    def __init__(self, port: ChatPort) -> None:
        self._port = port
        self.updated: list[Reply] = []

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        """Post, as the port does."""
        return await self._port.send(target, reply)

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        """Update a message, and remember what it now shows."""
        await self._port.update(ref, reply)
        self.updated.append(reply)

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        """Send privately, as the port does."""
        return await self._port.send_private(person, reply)

    async def members(self, target: Target) -> list[Person]:
        """A conversation's members, as the port finds them."""
        return await self._port.members(target)


def chosen(shown: Reply, command: str) -> str | None:
    """The label of the answer pressed, read from the poll as it is now shown."""
    for block in shown.blocks:
        if isinstance(block, Poll):
            for option in block.options:
                if option.command == command:
                    return option.label
    return None


def in_place(shown: Reply, reply: Reply, command: str) -> Reply:
    """The card pressed as everyone now sees it, with what only the presser sees under it."""
    label = chosen(shown, command)
    # Said once: the private reply may name the answer itself.
    said = label is None or label in reply.plain_text()
    choice = () if said else (Text(text=f"You chose *{label}*."),)
    return Reply(
        summary=reply.summary,
        blocks=(*shown.blocks, Divider(), *choice, *reply.blocks, Context(text=ONLY_YOU)),
    )
