"""Expanding a rollout's circles into its planned posts, and refusing plans that cannot work.

Local times come from `zoneinfo`; every post is stored as a UTC instant and keyed by its local
date, so a daylight-saving change never moves a post to another day or sends it twice.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]

from bot.rollouts.cadence import PER_WEEK, Cadence, Offset, Rhythm
from bot.rollouts.days import CohortCalendar, OpenDays
from bot.rollouts.kinds import LABELS as LABELS
from bot.rollouts.kinds import PLANNED as KINDS
from content.models import Pack

# Kinds that prepare for a circle move earlier off a holiday; the rest move later.
BEFORE_CIRCLE = frozenset({"intro", "nudge"})
# How far before its first circle and after its last a plan's posts can fall.
PLAN_DAYS_BEFORE, PLAN_DAYS_AFTER = 90, 400
# Section 7 is where a team makes its culture agreements.
AGREEMENTS_SECTION = 7
# Posts due together go in the kinds' order.
_RANK: dict[str, int] = {kind: rank for rank, kind in enumerate(KINDS)}


class PlanError(Exception):
    """A plan that cannot work; `problems` says why, one clear sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Circle:
    """A section's circle at a local date and time."""

    section: int
    local: datetime  # naive, in the cohort's zone
    skipped: bool = False


@dataclass(frozen=True)
class PlannedPost:
    """One post the bot will make, at a UTC instant, remembered by its local date."""

    kind: str
    section: int
    due_at: datetime
    local: datetime  # aware, in the cohort's zone
    title: str
    detail: str = ""  # which survey: pre, mid or post
    # What the ledger row carries: for a prompt, which one (`bot.rollouts.rotation`).
    body: str | None = None

    def key(self, rollout_id: str, address: str) -> str:
        """The ledger key: the same post always gets the same key."""
        kind = f"{self.kind}-{self.detail}" if self.detail else self.kind
        day = self.local.date().isoformat()
        return f"{rollout_id}:{kind}:{self.section}:{day}:{_address_digest(address)}"

    def line(self) -> str:
        """The preview line: local time with offset, kind, section, title."""
        return f"{self.local.isoformat(timespec='minutes')} {self.kind} {self.section} {self.title}"


@lru_cache(maxsize=4_096)
def _address_digest(address: str) -> str:
    """Where a post goes, in its key: every post of a rollout shares it."""
    return hashlib.sha256(address.encode()).hexdigest()[:16]


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone, or a PlanError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PlanError([f"{name!r} is not a time zone I know (use e.g. Europe/London)."]) from None


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A local wall time as a UTC instant; a skipped hour resolves forward, a repeated one first."""
    return _placed(local, zone)[0]


@lru_cache(maxsize=16_384)
def _placed(local: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instant of a local wall time, and the aware local time it is.

    Cohorts in one zone share their posts' wall times, so each is converted once.
    """
    due = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return due, due.astimezone(zone)


def circle_instants(circles: list[Circle], zone: ZoneInfo) -> dict[int, datetime]:
    """Each circle's UTC instant."""
    return {circle.section: to_utc(circle.local, zone) for circle in circles}


def validate(
    circles: list[Circle],
    zone_name: str,
    pack: Pack,
    cadence: Cadence,
    now: datetime,
    *,
    changed: set[int] | None = None,
) -> None:
    """Raise PlanError listing everything wrong with the plan.

    Only the `changed` sections (all, when None) must lie in the future: a moved circle may sit
    beside circles that have already been held.
    """
    zone = zone_of(zone_name)
    problems: list[str] = []
    if not circles:
        problems.append("A rollout needs at least one circle, e.g. --circle 1=2027-03-16T09:00.")
    known = {section.number for section in pack.sections}
    seen: set[int] = set()
    for circle in circles:
        if circle.section not in known:
            problems.append(
                f"Section {circle.section} is not in the {pack.info.key} pack "
                f"(it has sections {min(known)} to {max(known)})."
            )
        if circle.section in seen:
            problems.append(f"Section {circle.section} has more than one circle.")
        seen.add(circle.section)
        fresh = changed is None or circle.section in changed
        if fresh and not circle.skipped and to_utc(circle.local, zone) <= now:
            problems.append(f"The circle for section {circle.section} is in the past.")
    live = sorted((c for c in circles if not c.skipped), key=lambda c: c.local)
    ordered = [c for c in circles if not c.skipped]
    if [c.section for c in live] != [c.section for c in ordered]:
        problems.append("Circles must be in the order given, each after the one before.")
    gap = timedelta(days=cadence.min_days_between_circles)
    for before, after in itertools.pairwise(live):
        if after.local - before.local < gap:
            problems.append(
                f"The circles for sections {before.section} and {after.section} are less than "
                f"{cadence.min_days_between_circles} days apart, too close for the cadence."
            )
    if problems:
        raise PlanError(problems)


def span(circles: Sequence[Circle]) -> tuple[date, date]:
    """The days a plan of these (live) circles can reach: a survey or intro before the first,
    sustaining check-ins months after the last."""
    days = [circle.local.date() for circle in circles]
    return min(days) - timedelta(days=PLAN_DAYS_BEFORE), max(days) + timedelta(days=PLAN_DAYS_AFTER)


def expand(
    circles: list[Circle],
    zone_name: str,
    calendar: CohortCalendar,
    cadence: Cadence,
    pack: Pack,
    *,
    after: datetime | None = None,
    closed: Collection[date] = (),
) -> list[PlannedPost]:
    """Every post of the plan in time order (only those due after `after`, when given).

    `closed` are the team's own days to avoid (its public holidays and term breaks): posts move
    off them as off the cohort's holidays; circles stay where the facilitator put them.
    """
    zone = zone_of(zone_name)
    live = sorted((c for c in circles if not c.skipped), key=lambda c: c.local)
    if not live:
        return []
    start, span_end = span(live)
    # The days no post may land on.
    avoid = calendar.holidays_between(start, span_end)
    if closed:
        avoid |= frozenset(day for day in closed if start <= day <= span_end)
    planner = _Planner(zone, calendar.open_days(avoid), pack)
    for index, circle in enumerate(live):
        following = live[index + 1].local.date() if index + 1 < len(live) else None
        _plan_section(planner, cadence, circle, following)
    _plan_prompts(planner, cadence, live)
    surveys = cadence.surveys
    for name, offset, circle in (
        ("pre", surveys.pre, live[0]),
        ("mid", surveys.mid, live[(len(live) - 1) // 2]),
        ("post", surveys.post, live[-1]),
    ):
        if offset is not None and (name != "mid" or len(live) >= 3):
            planner.at("survey", circle, offset, detail=name)
    _plan_sustainment(planner, cadence, live)
    _plan_reminders(planner, cadence)
    posts = sorted(planner.posts, key=lambda post: (post.due_at, _RANK[post.kind]))
    return [post for post in posts if after is None or post.due_at > after]


def title(pack: Pack, kind: str, section: int, detail: str = "") -> str:
    """What a post is, as facilitators read it: `Introduction: Compassion in action`."""
    found = pack.section(section)
    return _title(found.title if found else f"Section {section}", kind, detail)


def _title(name: str, kind: str, detail: str) -> str:
    if kind == "survey":
        return f"{detail.capitalize()}-programme survey"
    if kind == "agreements":
        return "Our culture agreements"
    if kind == "checkin" and detail == "sustain":
        return "Monthly check-in"
    return f"{LABELS[kind]}: {name}"[:80]


class _Planner:
    def __init__(self, zone: ZoneInfo, days: OpenDays, pack: Pack) -> None:
        self.zone = zone
        self.days = days
        self.calendar = days.calendar
        self.pack = pack
        self.posts: list[PlannedPost] = []
        self._days: set[tuple[str, int, date, str]] = set()
        self._names = {found.number: found.title for found in pack.sections}
        self._titles: dict[tuple[str, int, str], str] = {}

    def title(self, kind: str, section: int, detail: str) -> str:
        asked = (kind, section, detail)
        found = self._titles.get(asked)
        if found is None:
            name = self._names.get(section, f"Section {section}")
            found = self._titles[asked] = _title(name, kind, detail)
        return found

    def add(self, kind: str, section: int, wanted: datetime, *, detail: str = "") -> None:
        moved = self.days.shift(wanted, later=kind not in BEFORE_CIRCLE)
        if moved is None:
            return
        self.put(kind, section, moved, detail=detail)

    def put(self, kind: str, section: int, local: datetime, *, detail: str = "") -> None:
        due, aware = _placed(local, self.zone)
        day = (kind, section, aware.date(), detail)
        if day in self._days:
            return  # two rules landed on one local day: one post
        self._days.add(day)
        title = self.title(kind, section, detail)
        self.posts.append(PlannedPost(kind, section, due, aware, title, detail))

    def at(self, kind: str, circle: Circle, offset: Offset, *, detail: str = "") -> None:
        wanted = datetime.combine(circle.local.date() + timedelta(days=offset.days), offset.time)
        self.add(kind, circle.section, wanted, detail=detail)


def _plan_section(
    planner: _Planner, cadence: Cadence, circle: Circle, following: date | None
) -> None:
    for kind, offset in (
        ("intro", cadence.intro),
        ("nudge", cadence.nudge),
        ("leader-note", cadence.leader_note),
        ("visual", cadence.visual),
        ("practice", cadence.practice),
    ):
        if offset is not None:
            planner.at(kind, circle, offset)
    day = circle.local.date()
    until = following or day + timedelta(days=cadence.last_section_days + 1)
    checkin = cadence.checkin
    if checkin is not None:
        current = day + timedelta(days=checkin.from_days)
        while current < until:
            planner.add("checkin", circle.section, datetime.combine(current, checkin.time))
            current += timedelta(days=checkin.every_days or 7)


def _plan_prompts(planner: _Planner, cadence: Cadence, live: list[Circle]) -> None:
    prompt = cadence.prompt
    if prompt is None:
        return
    # Each section's prompts run from `from_days` after its circle until the next circle.
    spans: list[tuple[int, date, date]] = []
    for index, circle in enumerate(live):
        day = circle.local.date()
        following = live[index + 1].local.date() if index + 1 < len(live) else None
        until = following or day + timedelta(days=cadence.last_section_days + 1)
        spans.append((circle.section, day + timedelta(days=prompt.from_days), until))
    rhythm = planner.calendar.prompt_rhythm
    if rhythm is None and prompt.every_days is not None:
        # A fixed interval from the cadence file moves off closed days instead.
        for section, start, until in spans:
            current = start
            while current < until:
                planner.add("prompt", section, datetime.combine(current, prompt.time))
                current += timedelta(days=prompt.every_days)
        return
    days = prompt_days(planner.days, spans, rhythm or prompt.rhythm)
    for section, start, until in spans:
        for day in days:
            if start <= day < until:
                planner.add("prompt", section, datetime.combine(day, prompt.time))


def prompt_days(
    open_days: OpenDays,
    spans: Sequence[tuple[int, date, date]],
    rhythm: Rhythm,
) -> list[date]:
    """The open days within the (section, start, until before) spans that get a prompt.

    They are spread through each week, whichever section the days belong to: three a week on
    Monday to Friday is Monday, Wednesday and Friday; weekly is the middle open day. A holiday
    takes its day out of the week's choice, so the week still gets its prompts.
    """
    weeks: dict[tuple[int, int], list[date]] = {}
    for _, start, until in spans:
        current = start
        while current < until:
            if open_days.is_open(current):
                weeks.setdefault(current.isocalendar()[:2], []).append(current)
            current += timedelta(days=1)
    wanted = PER_WEEK[rhythm]
    chosen: list[date] = []
    for days in weeks.values():
        if wanted >= len(days):
            chosen.extend(days)
        elif wanted == 1:
            chosen.append(days[(len(days) - 1) // 2])
        else:
            step = (len(days) - 1) / (wanted - 1)
            chosen.extend(days[round(index * step)] for index in range(wanted))
    return chosen


def _plan_sustainment(planner: _Planner, cadence: Cadence, live: list[Circle]) -> None:
    rule = cadence.sustainment
    if rule is None:
        return
    last = live[-1]
    start = last.local.date() + timedelta(days=rule.from_days)
    agreements = any(circle.section == AGREEMENTS_SECTION for circle in live)
    for month in range(rule.months_ahead):
        day = _months_after(start, month * rule.every_months)
        wanted = datetime.combine(day, rule.time)
        planner.add("checkin", last.section, wanted, detail="sustain")
        if agreements:
            planner.add("agreements", AGREEMENTS_SECTION, wanted)


@lru_cache(maxsize=4_096)
def _months_after(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 January + 1 is 28 February)."""
    result: date = day + relativedelta(months=months)
    return result


def _plan_reminders(planner: _Planner, cadence: Cadence) -> None:
    rule = cadence.checkin_reminder
    if rule is None:
        return
    # After each check-in where it actually landed (holidays may have moved it).
    for checkin in [post for post in planner.posts if post.kind == "checkin"]:
        day = checkin.local.date() + timedelta(days=rule.days_after)
        planner.add("reminder", checkin.section, datetime.combine(day, rule.time))


def parse_local(text: str) -> datetime:
    """`2027-03-16T09:00` (or with a space) as a naive local date-time."""
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        raise PlanError([f"{text!r} is not a date and time like 2027-03-16T09:00."]) from None
    if moment.tzinfo is not None:
        raise PlanError([f"{text!r}: give the local time without an offset; the zone is separate."])
    return moment


def local_time(text: str) -> time:
    """`09:00` as a time."""
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise PlanError([f"{text!r} is not a time like 09:00."]) from None
