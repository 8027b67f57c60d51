"""What the core needs from a chat platform and from time; adapters and tests implement these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from bot.messages import MessageRef, Person, Reply, Target


class ChatPort(Protocol):
    """Sending on one platform: the only way the core reaches people."""

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        """Post a message where everyone at `target` sees it."""
        ...

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        """Replace a message the bot posted earlier."""
        ...

    async def delete(self, ref: MessageRef) -> None:
        """Remove a message the bot posted earlier; one already gone counts as removed."""
        ...

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        """Send a message only `person` can see (a direct message)."""
        ...

    async def members(self, target: Target) -> list[Person]:
        """The people in the channel at `target` (not bots); NotImplementedError if unknown."""
        ...

    async def person(self, tenant: str, user_id: str) -> Person:
        """The person as the platform names them (their display name); NotImplementedError
        where the platform cannot say."""
        ...


class Clock(Protocol):
    """The current time, so tests can freeze it."""

    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """An aware datetime in UTC."""
        return datetime.now(UTC)
