"""What the console's handlers share: the running bot's services, and the signed-in visitor."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot.console.access import ConsoleSession, ConsoleSessionStore
from bot.ports import Clock
from bot.roles import RoleBootstrap
from bot.rollouts.service import Rollouts
from bot.rollouts.team_calendar import TeamCalendar
from bot.storage.polls import PollStore
from bot.storage.team_settings import TeamSettings, TeamSettingsStore
from content.loader import LoadedPack

log = logging.getLogger(__name__)


async def read_form(request: web.Request) -> Mapping[str, object] | None:
    """A posted form, or None when the body is not one (bytes that are not UTF-8, say)."""
    try:
        return await request.post()
    except (UnicodeDecodeError, ValueError):
        log.info("console request refused: a body that is not a form")
        return None


class ConsoleServices(Protocol):
    """What the console reads from, and changes through, the running bot."""

    @property
    def clock(self) -> Clock: ...

    @property
    def console(self) -> ConsoleSessionStore: ...

    @property
    def rollouts(self) -> Rollouts: ...

    @property
    def polls(self) -> PollStore: ...

    @property
    def team_settings(self) -> TeamSettingsStore: ...

    @property
    def calendar(self) -> TeamCalendar: ...

    @property
    def packs(self) -> Mapping[str, LoadedPack]: ...

    @property
    def role_bootstrap(self) -> RoleBootstrap: ...

    async def holders(self, tenant: str, role: str) -> list[str]: ...

    async def team(self, tenant: str) -> TeamSettings: ...

    def pack_of(self, team: TeamSettings) -> LoadedPack: ...

    def support(self, team: TeamSettings) -> str: ...

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
