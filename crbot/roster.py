"""Which teams lack a facilitator or a leader (counting stored roles and configured ones), or
support resources of their own, for `crbot doctor`. It reads the database and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.roles import RoleBootstrap
from bot.storage.engine import sessions
from bot.storage.tables import AskRow, RoleRow, TeamSettingsRow

ROLES = ("facilitator", "leader")
# Enough lines to act on at once; the rest show once those roles are granted.
MAX_GAPS = 20
WITHOUT = {
    "facilitator": ("CRBOT_FACILITATORS", "its questions wait unread"),
    "leader": ("CRBOT_LEADERS", "questions forwarded to leaders go unanswered"),
}
# A doctor's line: its status, what was found, and the fix.
Finding = tuple[Literal["ok", "warn", "skip"], str, str]


@dataclass(frozen=True)
class Gap:
    """A team with nobody in `role`; `waiting`: its questions no facilitator has been sent."""

    tenant: str
    role: str
    waiting: int


async def gaps(engine: AsyncEngine, bootstrap: RoleBootstrap) -> tuple[int, list[Gap]]:
    """How many teams there are, and each team's missing roles, oldest team first.

    Raises ConfigError when plain configured ids meet a database of several tenants, as start-up
    does.
    """
    database = sessions(engine)
    await bootstrap.check(database)
    async with database() as session:
        tenants = (
            await session.scalars(
                select(TeamSettingsRow.tenant_id).order_by(
                    TeamSettingsRow.created_at, TeamSettingsRow.tenant_id
                )
            )
        ).all()
        stored = await session.execute(select(RoleRow.tenant_id, RoleRow.role))
        held = {(tenant, role) for tenant, role in stored.all()}
        waiting = dict(
            (
                await session.execute(
                    select(AskRow.tenant_id, func.count())
                    .where(AskRow.delivered_at.is_(None))
                    .group_by(AskRow.tenant_id)
                )
            ).all()
        )
    found = [
        Gap(tenant, role, waiting.get(tenant, 0))
        for tenant in tenants
        for role in ROLES
        if (tenant, role) not in held and not await bootstrap.holders(tenant, role)
    ]
    return len(tenants), found


async def findings(engine: AsyncEngine, bootstrap: RoleBootstrap) -> list[Finding]:
    """One line per missing role, each naming its team and the command that fixes it."""
    teams, found = await gaps(engine, bootstrap)
    if not teams:
        return [("skip", "no teams yet: each is made when someone first uses the bot", "")]
    if not found:
        return [("ok", f"every team ({teams}) has a facilitator and a leader", "")]
    lines: list[Finding] = []
    for gap in found[:MAX_GAPS]:
        variable, consequence = WITHOUT[gap.role]
        if gap.role == "facilitator" and gap.waiting:
            many = "questions wait" if gap.waiting > 1 else "question waits"
            consequence = f"{gap.waiting} {many} unread"
        fix = (
            f"crbot roles grant --team {gap.tenant} <user id> {gap.role} "
            f"(or list them in {variable} as {gap.tenant}:<user id>)"
        )
        lines.append(("warn", f"{gap.tenant} has no {gap.role}, so {consequence}", fix))
    if len(found) > MAX_GAPS:
        more = f"{len(found) - MAX_GAPS} more missing roles"
        lines.append(("warn", more, "grant the roles above, then run `crbot doctor` again"))
    return lines


async def without_support(engine: AsyncEngine, installation_default: bool) -> list[Finding]:
    """Teams whose staff would see only the generic support line after a low answer.

    When the installation sets its own `CRBOT_SUPPORT_RESOURCES`, every team has it.
    """
    if not installation_default:
        return [("ok", "support resources: set for the installation", "")]
    async with sessions(engine)() as session:
        tenants = (
            await session.scalars(
                select(TeamSettingsRow.tenant_id)
                .where(TeamSettingsRow.support_resources.is_(None))
                .order_by(TeamSettingsRow.created_at, TeamSettingsRow.tenant_id)
            )
        ).all()
    if not tenants:
        return [("ok", "support resources: every team has its own", "")]
    shown = ", ".join(tenants[:MAX_GAPS]) + (" and more" if len(tenants) > MAX_GAPS else "")
    return [
        (
            "warn",
            f"{len(tenants)} team(s) name no support resources, so a low check-in answer points "
            f"only to a generic EAP line: {shown}",
            "set each team's EAP and local crisis line (`crbot support set TEAM TEXT`, or "
            "`support set ...` in chat), or CRBOT_SUPPORT_RESOURCES for the whole installation",
        )
    ]
