"""The shell's ChatPort: everything the core sends is printed, marked with who sees it."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from adapters.shell.render import render
from bot.messages import MessageRef, Person, Poll, Reply, Target


class ShellPort:
    """Prints posts, updates, removals and private messages to one output."""

    def __init__(self, write: Callable[[str], None], people: Sequence[Person] = ()) -> None:
        self._write = write
        self._ids = itertools.count(1)
        self._people = tuple(people)  # whoever sits at this terminal

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        """Print a post to the team's channel."""
        message_id = str(next(self._ids))
        how = "posted and pinned" if reply.pin else "posted"
        self._write(f"── {how} in {target.address} ──\n{render(reply)}\n")
        return MessageRef(tenant=target.tenant, address=target.address, message_id=message_id)

    async def members(self, target: Target) -> list[Person]:
        """The people at this terminal: the shell's whole team."""
        return [person for person in self._people if person.tenant == target.tenant]

    async def person(self, tenant: str, user_id: str) -> Person:
        """Someone in the shell: known by the name typed after --user."""
        return Person(tenant=tenant, user_id=user_id, display_name=user_id)

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        """Print the new count line of an updated poll (the rest is unchanged)."""
        polls = [block for block in reply.blocks if isinstance(block, Poll)]
        summary = polls[0].count_line if polls else reply.summary
        self._write(f"── updated in {ref.address}: {summary} ──\n")

    async def delete(self, ref: MessageRef) -> None:
        """Print that a message was taken down."""
        self._write(f"── removed a message from {ref.address} ──\n")

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        """Print a message only `person` would see."""
        message_id = str(next(self._ids))
        self._write(f"── privately to {person.user_id} ──\n{render(reply)}\n")
        return MessageRef(tenant=person.tenant, address=person.user_id, message_id=message_id)
