"""What the console's handlers share: the running bot's services, and the signed-in visitor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot.console.access import ConsoleAccess, ConsoleSession
from bot.ports import Clock
from bot.rollouts.service import Rollouts
from bot.storage.polls import PollStore
from bot.storage.teams import TeamRecord
from content.loader import LoadedPack


class ConsoleServices(Protocol):
    """What the console reads from, and changes through, the running bot."""

    @property
    def clock(self) -> Clock: ...

    @property
    def console(self) -> ConsoleAccess: ...

    @property
    def rollouts(self) -> Rollouts: ...

    @property
    def polls(self) -> PollStore: ...

    async def team(self, tenant: str) -> TeamRecord: ...

    def pack_of(self, team: TeamRecord) -> LoadedPack: ...

    async def roles_of(self, tenant: str, user_id: str) -> frozenset[str]: ...


@dataclass(frozen=True)
class Visitor:
    """A signed-in person on this request: their session, roles and forms' token."""

    session: ConsoleSession
    roles: frozenset[str]
    csrf: str

    @property
    def may_change(self) -> bool:
        """Facilitators change the programme; leaders read it."""
        return "facilitator" in self.roles


Page = Callable[[web.Request, Visitor], Awaitable[web.StreamResponse]]
