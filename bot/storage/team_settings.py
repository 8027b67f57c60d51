"""A tenant's settings and the roles of its people.

Every request needs its team's settings and the person's roles, and both change rarely, so they
are kept in memory for a few seconds: a write through this store clears its tenant at once, and a
write from elsewhere (the `crbot roles` command, another replica) is seen within `cache_seconds`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar
from zoneinfo import available_timezones

from cachetools import TTLCache
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.rollouts.public_holidays import HolidayRegion, region
from bot.settings import MIN_GROUP_FLOOR
from bot.storage.tables import RoleRow, TeamSettingsRow
from bot.storage.upsert import upsert

ROLES = ("staff", "facilitator", "leader")
STAFF = frozenset({"staff"})  # everyone's role; never stored
# How long a team's settings and a person's roles are trusted without asking the database.
CACHE_SECONDS = 5.0
# Enough for every person active in the last few seconds on a large installation.
CACHE_ENTRIES = 50_000

# Support resources are shown under a low check-in answer and free-text replies: a name and a
# number or two (the EAP, a local crisis line), short enough to read at a glance on a phone.
MAX_SUPPORT_CHARS = 500
MAX_SUPPORT_LINES = 5
# Bidirectional embeddings, overrides and isolates: they can make a number read as another.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Control characters, surrogates, private-use and unassigned code points show as nothing or as
# boxes; renderers escape markup, so plain text is all that needs checking.
_UNPRINTABLE = ("Cc", "Cs", "Co", "Cn")

Key = TypeVar("Key")
Value = TypeVar("Value")


@dataclass(frozen=True)
class TeamSettings:
    """A tenant's settings."""

    tenant_id: str
    pack: str
    min_group_size: int
    current_section: int
    support_resources: str | None
    # Where the team's public holidays come from (`bot.rollouts.public_holidays`); None: nowhere.
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    # The IANA zone a facilitator chose for the team; None: its programmes' own.
    timezone: str | None = None

    @property
    def holiday_region(self) -> HolidayRegion | None:
        """Where the team's public holidays come from, if anywhere."""
        if self.holiday_country is None:
            return None
        return HolidayRegion(self.holiday_country, self.holiday_subdivision)


class TeamSettingsStore:
    """Team settings and roles, always within one tenant."""

    def __init__(
        self, sessions: async_sessionmaker[Any], cache_seconds: float = CACHE_SECONDS
    ) -> None:
        self._sessions = sessions
        self._settings: TTLCache[str, TeamSettings] = TTLCache(CACHE_ENTRIES, cache_seconds)
        # Each tenant's stored roles, all of them: only facilitators and leaders are stored, a
        # few people, so someone the bot has not met yet costs no query of their own.
        self._roles: TTLCache[str, dict[str, frozenset[str]]] = TTLCache(
            CACHE_ENTRIES, cache_seconds
        )

    def forget(self, tenant: str) -> None:
        """Drop what is remembered about a tenant, after it changed."""
        self._settings.pop(tenant, None)
        self._roles.pop(tenant, None)

    def remembered(self, tenant: str) -> TeamSettings | None:
        """The tenant's settings if they were read in the last `cache_seconds`, else None."""
        return _recent(self._settings, tenant)

    async def ensure(
        self, tenant: str, pack: str, min_group_size: int, now: datetime
    ) -> TeamSettings:
        """The tenant's settings, created from the defaults on first contact."""
        known = _recent(self._settings, tenant)
        if known is not None:
            return known
        defaults = {
            "tenant_id": tenant,
            "pack": pack,
            "min_group_size": min_group_size,
            "current_section": 1,
            "created_at": now,
        }
        async with self._sessions.begin() as session:
            # Two first requests at once both insert; the second one's insert does nothing.
            await upsert(session, TeamSettingsRow, defaults, keys=["tenant_id"], update=[])
            row = await session.get(TeamSettingsRow, tenant)
        assert row is not None  # just inserted or already there, in this transaction
        record = _record(row)
        self._settings[tenant] = record
        return record

    async def set_current_section(self, tenant: str, section: int) -> None:
        """Move the team to another section."""
        await self._change(tenant, current_section=section)

    async def set_min_group_size(self, tenant: str, size: int) -> None:
        """Change the smallest group whose answers may be shown; never below the floor."""
        if size < MIN_GROUP_FLOOR:
            raise ValueError(f"the group size is never below {MIN_GROUP_FLOOR}")
        await self._change(tenant, min_group_size=size)

    async def get(self, tenant: str) -> TeamSettings | None:
        """The tenant's settings as stored, or None before its first contact (never created)."""
        async with self._sessions() as session:
            row = await session.get(TeamSettingsRow, tenant)
        return _record(row) if row is not None else None

    async def set_support_resources(self, tenant: str, text: str | None) -> bool:
        """Set where the team's people can turn for help (checked by `support_text`); None goes
        back to the installation's default. False when the tenant has no settings yet."""
        resources = None if text is None else support_text(text)
        return await self._change(tenant, support_resources=resources)

    async def set_holiday_region(
        self, tenant: str, country: str | None, subdivision: str | None = None
    ) -> bool:
        """Where the team's public holidays come from, as `public_holidays.region` spells it;
        None keeps no public holidays. False when the tenant has no settings yet."""
        where = None if country is None else region(country, subdivision)
        return await self._change(
            tenant,
            holiday_country=where.country if where else None,
            holiday_subdivision=where.subdivision if where else None,
        )

    async def set_pack(self, tenant: str, pack: str) -> bool:
        """Give the team another installed content pack (the caller checks it is installed)."""
        return await self._change(tenant, pack=pack)

    async def set_timezone(self, tenant: str, timezone: str) -> bool:
        """Keep the team's IANA time zone; ValueError when it is not one."""
        await self._change(tenant, timezone=zone_name(timezone))
        return True

    async def revoke_unless_last(self, tenant: str, user_id: str, role: str, others: int) -> bool:
        """Take a role away unless nobody would hold it after (`others`: holders configuration
        gives, who cannot be removed here); False, and nothing changed, when it is the last."""
        async with self._sessions.begin() as session:
            # Writing the team's row first holds it until commit (a row lock on PostgreSQL, the
            # write lock on SQLite): two facilitators removing each other wait in turn.
            await session.execute(
                update(TeamSettingsRow)
                .where(TeamSettingsRow.tenant_id == tenant)
                .values(tenant_id=TeamSettingsRow.tenant_id)
            )
            stored = set(
                (
                    await session.scalars(
                        select(RoleRow.user_id).where(
                            RoleRow.tenant_id == tenant, RoleRow.role == role
                        )
                    )
                ).all()
            )
            if user_id in stored and len(stored) - 1 + others < 1:
                return False
            await session.execute(
                delete(RoleRow).where(
                    RoleRow.tenant_id == tenant, RoleRow.user_id == user_id, RoleRow.role == role
                )
            )
        self.forget(tenant)
        return True

    async def _change(self, tenant: str, **values: object) -> bool:
        """Write some of the tenant's settings and forget its cached copy; False if it has none."""
        async with self._sessions.begin() as session:
            changed = await session.execute(
                update(TeamSettingsRow).where(TeamSettingsRow.tenant_id == tenant).values(**values)
            )
        self.forget(tenant)
        return bool(getattr(changed, "rowcount", 0))

    async def roles_of(self, tenant: str, user_id: str) -> frozenset[str]:
        """The person's roles; everyone is staff."""
        known = _recent(self._roles, tenant)
        if known is None:
            known = await self._stored_roles(tenant)
        return known.get(user_id, STAFF)

    async def _stored_roles(self, tenant: str) -> dict[str, frozenset[str]]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(RoleRow.user_id, RoleRow.role).where(RoleRow.tenant_id == tenant)
            )
            stored: dict[str, set[str]] = {}
            for user, role in rows.all():
                stored.setdefault(user, {"staff"}).add(role)
        roles = {user: frozenset(held) for user, held in stored.items()}
        self._roles[tenant] = roles
        return roles

    async def grant(self, tenant: str, user_id: str, role: str) -> None:
        """Give a person a role (idempotent)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        if role == "staff":
            return
        async with self._sessions.begin() as session:
            exists = await session.get(RoleRow, (tenant, user_id, role))
            if exists is None:
                session.add(RoleRow(tenant_id=tenant, user_id=user_id, role=role))
        self.forget(tenant)

    async def revoke(self, tenant: str, user_id: str, role: str) -> None:
        """Take a role away."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(RoleRow).where(
                    RoleRow.tenant_id == tenant, RoleRow.user_id == user_id, RoleRow.role == role
                )
            )
        self.forget(tenant)

    async def holders(self, tenant: str, role: str) -> list[str]:
        """Everyone in the tenant with this role."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(RoleRow.user_id).where(RoleRow.tenant_id == tenant, RoleRow.role == role)
            )
            return sorted(rows.all())


def zone_name(text: str) -> str:
    """An IANA time zone name as given (`Europe/London`); ValueError saying so otherwise."""
    name = text.strip()
    if name not in _zone_names():
        raise ValueError(f"{name[:64]!r} is not a time zone name like Europe/London")
    return name


@cache
def _zone_names() -> frozenset[str]:
    # The system's IANA database, read once; a system's own aliases name no place.
    return frozenset(available_timezones()) - {"localtime", "Factory", "posixrules"}


def support_text(text: str) -> str:
    """Support resources as stored: plain text, a few short lines, spaces tidied; ValueError
    saying what to change otherwise."""
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    kept = "\n".join(line for line in lines if line)
    printed = kept.replace("\n", "")
    if not kept:
        raise ValueError("there are no words in it")
    if len(kept) > MAX_SUPPORT_CHARS:
        raise ValueError(f"it is {len(kept)} characters long; at most {MAX_SUPPORT_CHARS} fit")
    if kept.count("\n") >= MAX_SUPPORT_LINES:
        raise ValueError(f"it has more than {MAX_SUPPORT_LINES} lines")
    if any(c in _BIDI_CONTROLS or unicodedata.category(c) in _UNPRINTABLE for c in printed):
        raise ValueError("it holds characters that do not print; type it as plain text")
    return kept


def _record(row: TeamSettingsRow) -> TeamSettings:
    return TeamSettings(
        row.tenant_id,
        row.pack,
        row.min_group_size,
        row.current_section,
        row.support_resources,
        row.holiday_country,
        row.holiday_subdivision,
        row.timezone,
    )


def _recent(cache: TTLCache[Key, Value], key: Key) -> Value | None:
    """A cached value that has not expired, else None.

    Indexing rather than `get`: it runs twice on every request, and `get` checks the expiry
    twice over (a membership test, then the lookup).
    """
    try:
        return cache[key]
    except KeyError:
        return None
