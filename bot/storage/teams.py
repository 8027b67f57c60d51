"""A tenant's settings and the roles of its people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.tables import RoleRow, TeamRow

ROLES = ("staff", "facilitator", "leader")


@dataclass(frozen=True)
class TeamRecord:
    """A tenant's settings."""

    tenant_id: str
    pack: str
    min_group_size: int
    current_section: int
    support_resources: str | None


class TeamStore:
    """Team settings and roles, always within one tenant."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def ensure(
        self, tenant: str, pack: str, min_group_size: int, now: datetime
    ) -> TeamRecord:
        """The tenant's settings, created from the defaults on first contact."""
        async with self._sessions.begin() as session:
            row = await session.get(TeamRow, tenant)
            if row is None:
                row = TeamRow(
                    tenant_id=tenant,
                    pack=pack,
                    min_group_size=min_group_size,
                    current_section=1,
                    created_at=now,
                )
                session.add(row)
        return TeamRecord(
            row.tenant_id, row.pack, row.min_group_size, row.current_section, row.support_resources
        )

    async def set_current_section(self, tenant: str, section: int) -> None:
        """Move the team to another section."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(TeamRow).where(TeamRow.tenant_id == tenant).values(current_section=section)
            )

    async def set_min_group_size(self, tenant: str, size: int) -> None:
        """Change the smallest group whose answers may be shown."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(TeamRow).where(TeamRow.tenant_id == tenant).values(min_group_size=size)
            )

    async def roles_of(self, tenant: str, user_id: str) -> frozenset[str]:
        """The person's roles; everyone is staff."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(RoleRow.role).where(RoleRow.tenant_id == tenant, RoleRow.user_id == user_id)
            )
            return frozenset({"staff", *rows.all()})

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

    async def revoke(self, tenant: str, user_id: str, role: str) -> None:
        """Take a role away."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(RoleRow).where(
                    RoleRow.tenant_id == tenant, RoleRow.user_id == user_id, RoleRow.role == role
                )
            )

    async def holders(self, tenant: str, role: str) -> list[str]:
        """Everyone in the tenant with this role."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(RoleRow.user_id).where(RoleRow.tenant_id == tenant, RoleRow.role == role)
            )
            return sorted(rows.all())
