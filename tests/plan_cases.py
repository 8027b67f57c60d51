"""Varied plans, drawn from a fixed seed, and a digest of everything a plan holds.

`tests/data/plan_digests.json` holds the digest of each case as the straightforward expansion
made it; `tests/test_rollout_plan_same.py` checks that planning still gives exactly those posts.
Regenerate it only when a planned time is meant to change:

    .venv/bin/python -m tests.plan_cases > tests/data/plan_digests.json
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.rollouts.cadence import RHYTHMS, WEEKDAYS, Cadence, QuietHours, load_cadence
from bot.rollouts.days import CohortCalendar
from bot.rollouts.plan import Circle, PlannedPost, expand
from content.loader import load_packs
from content.models import Pack

SEED = 20261207
CASES = 80
# Zones with the awkward changes: half-hour DST, a date-line jump, no DST, southern summers.
ZONES = (
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Apia",
    "UTC",
    "Europe/Berlin",
)
# Times that fall in or beside a daylight-saving gap or fold somewhere.
TIMES = (time(1, 30), time(2, 0), time(2, 30), time(3, 15), time(8, 0), time(9, 0), time(17, 45))
RULES = (
    "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25",
    "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
    "FREQ=YEARLY;BYMONTH=3;BYDAY=-1MO",
    "FREQ=MONTHLY;BYDAY=1FR",
)


@dataclass(frozen=True)
class Case:
    """One plan's inputs."""

    pack: str
    circles: tuple[Circle, ...]
    zone: str
    calendar: CohortCalendar
    cadence: Cadence
    after: datetime | None


def _cadence(chance: random.Random, base: Cadence) -> Cadence:
    changes: dict[str, object] = {}
    if chance.random() < 0.5:
        assert base.prompt is not None
        every = chance.choice((None, 1, 2, 3))
        changes["prompt"] = base.prompt.model_copy(
            update={"every_days": every, "time": chance.choice(TIMES)}
        )
    if chance.random() < 0.3:
        assert base.checkin is not None
        changes["checkin"] = base.checkin.model_copy(
            update={"every_days": chance.choice((None, 3, 7, 10)), "time": chance.choice(TIMES)}
        )
    if chance.random() < 0.3:
        changes["checkin_reminder"] = None
    if chance.random() < 0.3:
        assert base.sustainment is not None
        changes["sustainment"] = base.sustainment.model_copy(
            update={"every_months": chance.choice((1, 2, 3)), "months_ahead": chance.randint(1, 24)}
        )
    if chance.random() < 0.3:
        assert base.intro is not None
        changes["intro"] = base.intro.model_copy(update={"time": chance.choice(TIMES)})
    changes["last_section_days"] = chance.choice((7, 21, 40))
    return base.model_copy(update=changes)


def _calendar(chance: random.Random, cadence: Cadence, first: date) -> CohortCalendar:
    working = tuple(day for day in WEEKDAYS if chance.random() < 0.75) or ("wed",)
    quiet: QuietHours | None = None
    if chance.random() < 0.7:
        start, end = chance.sample(TIMES, 2)
        quiet = QuietHours(start=start, end=end)
    holidays = tuple(
        sorted(
            {first + timedelta(days=chance.randint(-30, 200)) for _ in range(chance.randint(0, 12))}
        )
    )
    rules = tuple(chance.sample(RULES, chance.randint(0, 2)))
    return CohortCalendar.from_cadence(
        cadence,
        working_days=working,
        quiet_hours=quiet,
        holidays=holidays,
        holiday_rules=rules,
        prompt_rhythm=chance.choice((None, *RHYTHMS)),
    )


def cases() -> Iterator[Case]:
    """The same varied cases every time."""
    chance = random.Random(SEED)
    base = load_cadence()
    for _ in range(CASES):
        cadence = _cadence(chance, base)
        first = date(2027, 1, 4) + timedelta(days=chance.randint(0, 365))
        sections = chance.sample(range(1, 13), chance.randint(1, 12))
        if chance.random() < 0.5:
            sections.sort()
        moment = datetime.combine(first, chance.choice(TIMES))
        circles = []
        for number in sections:
            circles.append(Circle(number, moment, skipped=chance.random() < 0.1))
            moment = datetime.combine(
                moment.date() + timedelta(days=chance.randint(7, 30)), chance.choice(TIMES)
            )
        after = None
        if chance.random() < 0.4:
            after = datetime.combine(
                first + timedelta(days=chance.randint(-10, 120)), time(12), UTC
            )
        yield Case(
            chance.choice(("healthcare", "schools")),
            tuple(circles),
            chance.choice(ZONES),
            _calendar(chance, cadence, first),
            cadence,
            after,
        )


def plan_of(case: Case, packs: dict[str, Pack]) -> list[PlannedPost]:
    """The case's posts."""
    return expand(
        list(case.circles),
        case.zone,
        case.calendar,
        case.cadence,
        packs[case.pack],
        after=case.after,
    )


def digest(posts: list[PlannedPost]) -> str:
    """Everything the ledger would keep of the posts, in order, as one digest."""
    lines = (
        "|".join(
            (
                post.key("r1", "C1"),
                post.due_at.isoformat(),
                post.local.isoformat(),
                post.title,
                post.body or "",
            )
        )
        for post in posts
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def main() -> None:
    packs = {name: loaded.pack for name, loaded in load_packs().items()}
    found = [[len(posts), digest(posts)] for posts in (plan_of(c, packs) for c in cases())]
    sys.stdout.write("[\n" + ",\n".join(json.dumps(case) for case in found) + "\n]\n")


if __name__ == "__main__":
    main()
