"""Every team has someone in each role, and support to point its staff to."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.checks import Check, fail
from bot.settings import ConfigError, Settings
from crbot import roster


async def roles(engine: AsyncEngine, settings: Settings) -> list[Check]:
    """Every team has a facilitator (to read its questions) and a leader (to answer them)."""
    try:
        findings = await roster.findings(engine, settings.role_bootstrap())
    except ConfigError as error:
        return [fail("roles", str(error), "qualify each entry as <tenant>:<user>")]
    return [Check(status, "roles", detail, fix) for status, detail, fix in findings]


async def support(engine: AsyncEngine, settings: Settings) -> list[Check]:
    """Every team's staff are pointed to real support after a low answer, not a generic line."""
    default = Settings.model_fields["support_resources"].default
    findings = await roster.without_support(engine, settings.support_resources == default)
    return [Check(status, "support", detail, fix) for status, detail, fix in findings]
