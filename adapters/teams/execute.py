"""How the card pressed answers a Universal Action that changed a card (a poll's answer).

The turn updates the poll message in place for everyone (`ChatPort.update`, Teams'
update_activity): counts and released figures only. The invoke is answered with a card that
Teams shows the person who pressed alone, in place of the card pressed: the poll as it now is,
which answer they chose, and their private reply. So a click on the poll, or on a private copy
of it, confirms itself where it was made, and no shared card ever shows one person's answer.
The poll's next update for everyone would replace that confirmation; the poll card's refresh
brings the presser's own view back (`views.py`).
"""

from __future__ import annotations

from adapters.teams.views import ONLY_YOU, chosen_label
from bot.messages import Context, Divider, MessageRef, Person, Reply, Target, Text
from bot.ports import ChatPort


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

    async def delete(self, ref: MessageRef) -> None:
        """Remove a message, as the port does."""
        await self._port.delete(ref)

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        """Send privately, as the port does."""
        return await self._port.send_private(person, reply)

    async def members(self, target: Target) -> list[Person]:
        """A conversation's members, as the port finds them."""
        return await self._port.members(target)

    async def person(self, tenant: str, user_id: str) -> Person:
        """A person by name, as the port finds them."""
        return await self._port.person(tenant, user_id)


def in_place(shown: Reply, reply: Reply, command: str) -> Reply:
    """The card pressed as everyone now sees it, with what only the presser sees under it."""
    label = chosen_label(shown, command)
    # Said once: the private reply may name the answer itself.
    said = label is None or label in reply.plain_text()
    choice = () if said else (Text(text=f"You chose *{label}*."),)
    return Reply(
        summary=reply.summary,
        blocks=(*shown.blocks, Divider(), *choice, *reply.blocks, Context(text=ONLY_YOU)),
    )
