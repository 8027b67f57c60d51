"""`crbot doctor`: what an operator checks first, one line each, with the fix for each failure.

It reads the same environment as `crbot run` and changes nothing: it does not migrate the
database, create the SQLite file, or post anything to a chat platform. The checks themselves live
in `crbot.checks`, one module per concern; this module runs them in order and prints the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.checks import Check, fail, ok, skip
from bot.platform import PlatformSpec
from bot.settings import ConfigError, Settings, load_settings
from bot.storage.engine import create_engine
from crbot import platform_registry
from crbot.checks.configuration import ROTATION, configuration, packs
from crbot.checks.database import database, sqlite_file
from crbot.checks.roles import roles, support
from crbot.checks.scheduling import scheduling
from crbot.platform_registry import platform_schemas


async def run_checks(
    settings: Settings, *, platforms: Sequence[PlatformSpec[Any]] | None = None
) -> list[Check]:
    """Every check, in the order an operator fixes things; each platform checks itself.

    `platforms` defaults to the registered ones (a test passes its own, to fake a remote).
    """
    checks = [ok("configuration", "environment read"), *configuration(settings)]
    url = settings.resolved_database_url
    missing = sqlite_file(url)
    if missing is not None and not missing.exists():
        checks.append(ok("database", f"no SQLite file yet at {missing}; `crbot run` makes it"))
        checks.append(skip("scheduler", "not checked: no database yet"))
    else:
        engine = create_engine(url)
        try:
            found = await database(engine, platform_schemas())
            checks.extend(found)
            if all(check.status == "ok" for check in found):
                checks.extend(await scheduling(engine, datetime.now(UTC)))
                checks.extend(await roles(engine, settings))
                checks.extend(await support(engine, settings))
            else:
                checks.append(skip("scheduler", "not checked: fix the database first"))
        finally:
            await engine.dispose()
    for platform in platform_registry.REGISTERED if platforms is None else platforms:
        if platform.checks is not None:
            checks.extend(await platform.checks(settings))
    checks.extend(packs(settings))
    return checks


def main(say: Callable[[str], None]) -> int:
    """Print one line per check; 1 if any failed, else 0."""
    try:
        settings = load_settings()
    except ConfigError as error:
        # The secret's line already says how to fix it; changing it has a cost to warn of.
        secret = str(error).startswith("CRBOT_PSEUDONYM_SECRET:")
        fix = ROTATION if secret else "fix or unset that variable"
        say(fail("configuration", str(error), fix).line())
        return 1
    checks = asyncio.run(run_checks(settings))
    for check in checks:
        say(check.line())
    failed = sum(check.status == "FAIL" for check in checks)
    warned = sum(check.status == "warn" for check in checks)
    counts = [f"{failed} failed"] if failed else []
    counts += [f"{warned} warning{'s' if warned > 1 else ''}"] if warned else []
    say(f"{len(checks)} checks, {', '.join(counts) or 'all ok'}")
    return 1 if failed else 0
