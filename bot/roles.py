"""Who holds a role: granted with `crbot roles`, or given by CRBOT_FACILITATORS and CRBOT_LEADERS.

An entry in those variables is `<tenant>:<user>` (`slack:T123:U456`, `teams:<tenant guid>:29:1abc`,
`shell:ward-7:fran`) and holds in that tenant only, or a plain user id. A user id means nothing
outside its own workspace, so a plain one holds only in the installation's one tenant: the only
tenant in the database at start-up or, in a new database, the first one the bot meets (the
earliest `created_at` in `team_settings`). A database with several tenants refuses plain ids at
start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.errors import ConfigError
from bot.storage.tables import TeamSettingsRow

log = logging.getLogger(__name__)

VARIABLES = {"facilitator": "CRBOT_FACILITATORS", "leader": "CRBOT_LEADERS"}
QUALIFIED = "<tenant>:<user>, e.g. slack:T123:U456 or teams:<tenant guid>:29:1abc"
NOTHING: frozenset[str] = frozenset()

# (tenant, or None for a plain id; user; role)
Entry = tuple[str | None, str, str]


def entry_of(text: str, role: str) -> Entry:
    """One configured entry; raises ConfigError naming the variable when it is half a tenant."""
    # Tenant ids are `<platform>:<id>`, and Teams user ids (`29:1abc`) hold colons of their own,
    # so the tenant is the first two parts; a platform name is letters, a Teams user id's
    # prefix digits.
    parts = text.split(":", 2)
    if len(parts) == 1 or not parts[0].isalpha():
        return None, text, role
    if len(parts) == 3 and parts[1] and parts[2]:
        return f"{parts[0]}:{parts[1]}", parts[2], role
    raise ConfigError(f"{VARIABLES[role]}: {text!r} names no user; write {QUALIFIED}")


async def first_tenants(sessions: async_sessionmaker[Any], limit: int) -> list[str]:
    """The tenants the bot met first, oldest first, at most `limit` of them."""
    async with sessions() as session:
        found = await session.scalars(
            select(TeamSettingsRow.tenant_id)
            .order_by(TeamSettingsRow.created_at, TeamSettingsRow.tenant_id)
            .limit(limit)
        )
        return list(found.all())


class RoleBootstrap:
    """The roles configuration gives, each in one tenant.

    Looked up on every request, so each lookup is one dictionary read; only while plain ids wait
    for the installation's first tenant does a lookup ask the database which one it is.
    """

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._roles: dict[tuple[str, str], frozenset[str]] = {}
        self._holders: dict[tuple[str, str], tuple[str, ...]] = {}
        self._plain: list[tuple[str, str]] = []
        for tenant, user, role in entries:
            if tenant is None:
                self._plain.append((user, role))
            else:
                self._give(tenant, user, role)
        self._sessions: async_sessionmaker[Any] | None = None
        self._home: str | None = None
        # Plain ids waiting for their tenant; then, until warned, watching for a second tenant.
        self._waiting = bool(self._plain)
        self._watching = False

    @classmethod
    def parse(cls, facilitators: str, leaders: str) -> RoleBootstrap:
        """From the two variables' comma-separated entries."""
        return cls(
            entry_of(part, role)
            for role, listed in (("facilitator", facilitators), ("leader", leaders))
            for part in filter(None, (piece.strip() for piece in listed.split(",")))
        )

    @classmethod
    def of(cls, given: RoleBootstrap | Mapping[str, str]) -> RoleBootstrap:
        """As given, or from `{entry: role}` (as the variables would list them)."""
        if isinstance(given, RoleBootstrap):
            return given
        return cls(entry_of(text, role) for text, role in given.items())

    def use(self, sessions: async_sessionmaker[Any]) -> RoleBootstrap:
        """Where to look for the first tenant, while plain ids wait for it."""
        self._sessions = sessions
        return self

    async def check(self, sessions: async_sessionmaker[Any]) -> None:
        """At start-up: plain ids are refused when the database already holds several tenants."""
        self.use(sessions)
        if not self._waiting:
            return
        found = await first_tenants(sessions, 2)
        if len(found) > 1:
            plain = sorted({VARIABLES[role] for _, role in self._plain})
            raise ConfigError(
                f"{' and '.join(plain)}: plain user ids cannot say which of this database's "
                f"tenants ({found[0]}, {found[1]}...) they hold in; write each as {QUALIFIED}"
            )
        if found:
            self._settle(found[0])

    async def roles(self, tenant: str, user: str) -> frozenset[str]:
        """The roles configuration gives `user` in `tenant` (often none)."""
        if self._waiting:
            await self._find_home()
        if self._watching and tenant != self._home:
            self._warn(tenant)
        return self._roles.get((tenant, user), NOTHING)

    async def holders(self, tenant: str, role: str) -> tuple[str, ...]:
        """Who configuration gives `role` in `tenant`."""
        if self._waiting:
            await self._find_home()
        if self._watching and tenant != self._home:
            self._warn(tenant)
        return self._holders.get((tenant, role), ())

    def _give(self, tenant: str, user: str, role: str) -> None:
        key = (tenant, user)
        self._roles[key] = self._roles.get(key, NOTHING) | {role}
        users = self._holders.get((tenant, role), ())
        if user not in users:
            self._holders[(tenant, role)] = (*users, user)

    async def _find_home(self) -> None:
        # Until a tenant exists (a request creates its team first), plain ids hold nowhere.
        if self._sessions is not None:
            found = await first_tenants(self._sessions, 1)
            if found:
                self._settle(found[0])

    def _settle(self, home: str) -> None:
        if self._home is not None:
            return  # two lookups raced to the same answer; the first one counts
        self._home = home
        for user, role in self._plain:
            self._give(home, user, role)
        self._waiting, self._watching = False, True
        log.info("plain role ids hold in the first tenant", extra={"tenant": home})

    def _warn(self, tenant: str) -> None:
        self._watching = False
        log.warning(
            "a second tenant does not get the roles of plain ids in CRBOT_FACILITATORS or "
            "CRBOT_LEADERS (they hold only in the first tenant); qualify them as <tenant>:<user>",
            extra={"tenant": tenant},
        )
