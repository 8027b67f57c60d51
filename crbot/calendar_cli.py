"""`crbot calendar ...`: a team's public holidays, its term calendar and its days to post anyway."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from adapters.shell.session import tenant_of
from bot.rollouts.public_holidays import RegionError, holidays_between
from bot.rollouts.team_calendar import TeamCalendar
from bot.rollouts.term_calendar import MAX_BYTES, TermCalendarError
from bot.settings import Settings
from crbot import runtime

TEAM_HELP = "tenant id, e.g. slack:T0123, or a shell team"
# What `show` lists of the public holidays ahead.
AHEAD = timedelta(days=366)


def add_parser(commands: Any) -> None:
    """Add `calendar` and its verbs to the `crbot` parser."""
    calendar = commands.add_parser("calendar", help="a team's holidays and term breaks")
    verbs = calendar.add_subparsers(dest="calendar_command", required=True)
    verbs.add_parser("show", help="what keeps a team's posts off a day").add_argument(
        "team", help=TEAM_HELP
    )
    holidays = verbs.add_parser("holidays", help="keep a country's public holidays, or none")
    holidays.add_argument("team", help=TEAM_HELP)
    holidays.add_argument("country", help="a two-letter code such as GB or US, or `none`")
    holidays.add_argument("state", nargs="?", default="", help="a state or province, e.g. ENG")
    imported = verbs.add_parser("import", help="replace a team's term breaks with an .ics file's")
    imported.add_argument("team", help=TEAM_HELP)
    imported.add_argument("file", type=Path)
    for verb, does in (
        ("post-anyway", "let posts go out on a holiday or a day of a break"),
        ("avoid-again", "take back a day to post anyway"),
    ):
        day = verbs.add_parser(verb, help=does)
        day.add_argument("team", help=TEAM_HELP)
        day.add_argument("day", help="e.g. 2026-12-23")


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _fail(text: str) -> int:
    sys.stderr.write(f"crbot: {text}\n")
    return 2


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out one `crbot calendar` command; 2 and a message on stderr for a refused one."""
    tenant = args.team if ":" in args.team else tenant_of(args.team)
    bot = await runtime.start(settings)
    try:
        services = bot.core.services
        # Like `crbot roles grant`, a team can be set up before its people first arrive.
        pack = services.pack_of(await services.team(tenant)).pack
        calendar, verb = services.calendar, args.calendar_command
        if verb == "holidays":
            country = None if args.country.lower() == "none" else args.country
            await calendar.set_region(tenant, country, args.state, pack)
        elif verb == "import":
            data = await asyncio.to_thread(_read, args.file)
            found = await calendar.import_file(tenant, data, pack)
            breaks = "1 break" if len(found.breaks) == 1 else f"{len(found.breaks)} breaks"
            _say(f"{tenant}: {breaks}, {len(found.days)} days kept off.")
            if found.left_out:
                _say(f"Not breaks, so left out: {', '.join(found.left_out)}.")
        elif verb in ("post-anyway", "avoid-again"):
            day = date.fromisoformat(args.day)
            if verb == "post-anyway":
                await calendar.post_anyway(tenant, day, pack)
            elif not await calendar.avoid_again(tenant, day, pack):
                return _fail(f"{day} was not a day to post anyway")
        await _show(services.calendar, tenant, services.clock.now().date())
        return 0
    except RegionError as error:
        field = "country" if error.field == "country" else "state or province"
        return _fail(f"nothing has changed: the {field}: {error.problem}")
    except TermCalendarError as error:
        return _fail(f"nothing has changed: {args.file}: {error}")
    except ValueError:
        return _fail(f"nothing has changed: {args.day!r} is not a date like 2026-12-23")
    finally:
        await bot.close()


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise TermCalendarError(f"the file is larger than {MAX_BYTES // 1024} KB")
        return path.read_bytes()
    except OSError as error:
        raise TermCalendarError(f"cannot read the file ({error.strerror})") from None


async def _show(calendar: TeamCalendar, tenant: str, today: date) -> None:
    days = await calendar.days(tenant)
    region = days.region
    _say(
        f"{tenant}: public holidays of {region.words}."
        if region
        else f"{tenant}: no public holidays."
    )
    if region:
        for day, name in sorted(holidays_between(region, today, today + AHEAD).items()):
            _say(f"  {day} {name}")
    breaks = [each for each in days.term_breaks if each.last >= today]
    _say("Term breaks:" if breaks else "No term breaks to come.")
    for each in breaks:
        until = f" to {each.last}" if each.last != each.first else ""
        _say(f"  {each.first}{until} {each.name}")
    if days.post_anyway:
        _say("Post anyway on: " + ", ".join(str(day) for day in sorted(days.post_anyway)))
