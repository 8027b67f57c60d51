"""`crbot rollout ...`: create, import, list, preview, pause, resume, skip, move and cancel."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.commands import number
from bot.rollouts.cadence import Weekday
from bot.rollouts.ics import calendar_file
from bot.rollouts.plan import Circle, PlanError, parse_local
from bot.settings import Settings
from bot.storage.rollouts import RolloutRecord
from crbot import runtime
from crbot.platform_registry import platform_names

PLATFORMS = platform_names()


class PlanFile(BaseModel):
    """A rollout written down as YAML, for `crbot rollout import`."""

    model_config = ConfigDict(extra="forbid")

    platform: str
    team: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    timezone: str
    circles: dict[int, datetime]
    working_days: tuple[Weekday, ...] | None = None
    quiet_hours: dict[str, time] | None = None
    holidays: tuple[date, ...] = ()
    holiday_rules: tuple[str, ...] = ()

    @field_validator("platform")
    @classmethod
    def _registered(cls, platform: str) -> str:
        if platform not in PLATFORMS:
            raise ValueError(f"not a registered platform; one of {', '.join(PLATFORMS)}")
        return platform


def add_parser(commands: Any) -> None:
    """Add `rollout` and its verbs to the `crbot` parser."""
    rollout = commands.add_parser("rollout", help="facilitators' section rollouts")
    verbs = rollout.add_subparsers(dest="rollout_command", required=True)
    create = verbs.add_parser("create", help="plan a rollout; prints its id")
    create.add_argument("--platform", choices=PLATFORMS, required=True)
    create.add_argument("--team", required=True, help="workspace or tenant id, or shell team")
    create.add_argument("--channel", required=True, help="the channel's platform address")
    create.add_argument("--tz", required=True, help="IANA time zone, e.g. Europe/London")
    create.add_argument(
        "--circle",
        action="append",
        default=[],
        required=True,
        help="SECTION=LOCAL DATE-TIME, e.g. 1=2027-03-16T09:00 (repeat, in order)",
    )
    create.add_argument("--holiday", action="append", default=[], help="a date with no posts")
    create.add_argument("--holiday-rule", action="append", default=[], help="an RRULE")
    create.add_argument("--working-days", help="e.g. mon,tue,wed,thu,fri")
    create.add_argument("--quiet-hours", help="e.g. 18:00-08:00")
    imported = verbs.add_parser("import", help="plan a rollout from a YAML file; prints its id")
    imported.add_argument("plan", type=Path)
    listing = verbs.add_parser("list", help="list rollouts")
    listing.add_argument("--platform", choices=PLATFORMS)
    listing.add_argument("--team")
    preview = verbs.add_parser("preview", help="one line per planned post, in time order")
    preview.add_argument("id")
    preview.add_argument("--ics", type=Path, help="also write the plan as an iCalendar file")
    for verb in ("pause", "resume", "cancel"):
        verbs.add_parser(verb, help=f"{verb} a rollout").add_argument("id")
    skip = verbs.add_parser("skip", help="skip a section: its posts are dropped")
    skip.add_argument("id")
    skip.add_argument("section", type=int)
    move = verbs.add_parser("move", help="move a section's circle; its posts move with it")
    move.add_argument("id")
    move.add_argument("section", type=int)
    move.add_argument("when", help="new local date-time, e.g. 2027-05-11T09:00")


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _circles(specs: list[str]) -> list[Circle]:
    circles = []
    for spec in specs:
        typed, sep, when = spec.partition("=")
        section = number(typed.strip())
        if not sep or section is None:
            raise PlanError([f"{spec!r}: write a circle as SECTION=2027-03-16T09:00."])
        circles.append(Circle(section=section, local=parse_local(when)))
    return circles


def _calendar_changes(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "holidays": tuple(date.fromisoformat(day) for day in args.holiday),
        "holiday_rules": tuple(args.holiday_rule),
    }
    if args.working_days:
        changes["working_days"] = tuple(d.strip().lower() for d in args.working_days.split(","))
    if args.quiet_hours:
        start, _, end = args.quiet_hours.partition("-")
        changes["quiet_hours"] = {"start": start.strip(), "end": end.strip()}
    return changes


def _read_plan(path: Path) -> PlanFile:
    try:
        return PlanFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as error:
        raise PlanError([f"{path}: cannot read the file ({error.strerror})."]) from None
    except yaml.YAMLError:
        raise PlanError([f"{path}: not valid YAML."]) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PlanError([f"{path}: {where}: {first['msg']}."]) from None


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out one `crbot rollout` command; 2 and a message on stderr for a refused plan."""
    bot = await runtime.start(settings)
    try:
        return await _run(bot, args)
    except PlanError as error:
        for problem in error.problems:
            sys.stderr.write(f"crbot: {problem}\n")
        return 2
    except ValueError as error:
        sys.stderr.write(f"crbot: {error}\n")
        return 2
    finally:
        await bot.close()


async def _run(bot: runtime.Runtime, args: argparse.Namespace) -> int:
    services, verb = bot.core.services, args.rollout_command
    rollouts = services.rollouts
    if verb in ("create", "import"):
        if verb == "create":
            tenant, address, zone = f"{args.platform}:{args.team}", args.channel, args.tz
            circles = _circles(args.circle)
            calendar = rollouts.calendar(**_calendar_changes(args))
        else:
            plan = _read_plan(args.plan)
            tenant, address, zone = f"{plan.platform}:{plan.team}", plan.channel, plan.timezone
            circles = [
                Circle(section=number, local=when.replace(tzinfo=None))
                for number, when in plan.circles.items()
            ]
            calendar = rollouts.calendar(
                working_days=plan.working_days,
                quiet_hours=plan.quiet_hours,
                holidays=plan.holidays,
                holiday_rules=plan.holiday_rules,
            )
        pack = services.pack_of(await services.team(tenant)).pack
        rollout_id = await rollouts.create(
            tenant=tenant,
            address=address,
            timezone=zone,
            circles=circles,
            pack=pack,
            calendar=calendar,
        )
        _say(rollout_id)
        return 0
    if verb == "list":
        tenant = f"{args.platform}:{args.team}" if args.platform and args.team else None
        for found in await rollouts.store.listing(tenant):
            held = ", ".join(str(c.section) for c in found.circles if not c.skipped)
            _say(
                f"{found.id} {found.tenant_id} {found.address} {found.timezone} "
                f"{found.status} sections {held or '-'}"
            )
        return 0
    found = await _find(bot, args.id)
    pack = services.pack_of(await services.team(found.tenant_id)).pack
    if verb == "preview":
        posts = await rollouts.posts(found, pack)
        if args.ics is not None:
            args.ics.write_bytes(calendar_file(found, posts, pack, services.clock.now()))
        _say("\n".join(post.line() for post in posts))
        return 0
    if verb in ("pause", "resume", "cancel"):
        status = {"pause": "paused", "resume": "active", "cancel": "cancelled"}[verb]
        await rollouts.store.set_status(found.tenant_id, found.id, status)
    elif verb == "skip":
        await rollouts.skip(found, args.section, pack)
    elif verb == "move":
        await rollouts.move(found, args.section, parse_local(args.when), pack)
    _say(f"{found.id} {verb} done")
    return 0


async def _find(bot: runtime.Runtime, rollout_id: str) -> RolloutRecord:
    store = bot.core.services.rollouts.store
    tenant = await store.tenant_of(rollout_id)
    found = await store.get(tenant, rollout_id) if tenant else None
    if found is None:
        raise PlanError([f"There is no rollout {rollout_id!r}."])
    return found
