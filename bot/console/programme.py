"""The console's programme page in words: each section's circle and every post, in the cohort's
time zone, with a warning for anything planned in the past that did not go out.

Built from the rollout's plan (what the cadence makes of its circles) and the delivery ledger
(what was sent), read here and never changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.rollouts.plan import LABELS, PlannedPost, title, zone_of
from bot.rollouts.uncertain import may_post_now
from bot.storage.ledger_tables import DeliveryRow
from bot.storage.rollouts import SPAWNED_KINDS, RolloutRecord, utc
from content.models import Pack

# A post due this recently may still be on its way: the scheduler sweeps once a minute.
ON_ITS_WAY = timedelta(minutes=5)
# What became of a post planned in the past that did not go out, by its ledger status.
PAST_WORDS = {
    None: "was already past when it was planned, so it will not be posted",
    "planned": "is overdue and has not been posted yet",
    "sending": "is overdue and has not been posted yet",
    "missed": "was missed, so it was not posted late",
    "failed": "could not be posted",
    "uncertain": "may not have gone out",
    "skipped": "was skipped",
    "cancelled": "was cancelled",
}
PLACE_CHARS = 64
# Where a circle's warning sits among the posts: in the warnings only, never in a section's list.
CIRCLE = -1
STATUS_WORDS = {"active": "running", "paused": "paused", "cancelled": "cancelled", "ended": "ended"}


@dataclass(frozen=True)
class PostLine:
    """One post: when, what, and how it stands (`planned`, `posted` or `warning`)."""

    when: str
    what: str
    state: str
    note: str = ""
    # The ledger row a facilitator may post now (missed, or not known to have gone out).
    row_id: int | None = None

    @property
    def sentence(self) -> str:
        """`Tue 13 Jan, 9:00: wellness practice for section 3`."""
        return f"{self.when}: {self.what}"


@dataclass(frozen=True)
class SectionLine:
    """A section on the timeline: its circle (or why there is none) and its posts."""

    number: int
    title: str
    circle: str  # when, in words, or "" when there is no circle
    state: str  # planned, held, skipped, unplanned
    posts: tuple[PostLine, ...]
    # The circle's local date and time as a date picker holds them (`2027-03-23`, `09:00`).
    date: str = ""
    time: str = ""


@dataclass(frozen=True)
class Programme:
    """One channel's rollout as the console shows it."""

    rollout_id: str
    place: str
    timezone: str
    status: str
    sections: tuple[SectionLine, ...]
    sustaining: tuple[PostLine, ...]
    warnings: tuple[PostLine, ...]
    # Every post, the sections' and the sustaining ones, in the order they come.
    timeline: tuple[PostLine, ...] = ()


def when(moment: datetime, now: datetime) -> str:
    """`Tue 13 Jan, 9:00`, with the year only when it is not this one; `moment` is local."""
    year = f" {moment.year}" if moment.year != now.astimezone(moment.tzinfo).year else ""
    return f"{moment:%a} {moment.day} {moment:%b}{year}, {moment.hour}:{moment:%M}"


def what(pack: Pack, post: PlannedPost) -> str:
    """`wellness practice for section 3`, `pre-programme survey`, `monthly check-in`."""
    if post.kind in LABELS and not post.detail:
        label = LABELS[post.kind]
        return f"{label[0].lower()}{label[1:]} for section {post.section}"
    words = title(pack, post.kind, post.section, post.detail)
    return f"{words[0].lower()}{words[1:]}"


@dataclass(frozen=True)
class Entry:
    """One of the rollout's ledger rows, as the console reads it."""

    kind: str
    section: int
    due_at: datetime
    status: str
    id: int = 0


async def ledger_entries(
    sessions: async_sessionmaker[Any], tenant: str, rollout_id: str
) -> dict[str, Entry]:
    """The rollout's ledger rows by key (read only)."""
    ledger = DeliveryRow.__table__
    async with sessions() as session:
        rows = await session.execute(
            select(
                ledger.c.key,
                ledger.c.kind,
                ledger.c.section,
                ledger.c.due_at,
                ledger.c.status,
                ledger.c.id,
            ).where(ledger.c.tenant_id == tenant, ledger.c.rollout_id == rollout_id)
        )
        return {
            key: Entry(kind, section, utc(due_at), status, row_id)
            for key, kind, section, due_at, status, row_id in rows.all()
        }


def programme(
    rollout: RolloutRecord,
    posts: Sequence[PlannedPost],
    ledger: Mapping[str, Entry],
    pack: Pack,
    now: datetime,
    closed: Mapping[date, str] | None = None,
) -> Programme:
    """The rollout's timeline: the pack's sections in order, each with its circle and posts.

    Rows made while sending (a leader's scheduled follow-up, notes to each leader, reminders)
    are not in the plan; they join their section's posts from the ledger. `closed` are the
    team's days to avoid (holidays and term breaks, by name): a circle or post still to come on
    one is a warning.
    """
    zone = zone_of(rollout.timezone)
    closed = closed or {}
    timed: list[tuple[datetime, int | None, PostLine]] = []
    for post in posts:
        entry = ledger.get(post.key(rollout.id, rollout.address))
        line = _line(when(post.local, now), what(pack, post), post.due_at, entry, now)
        sustain = post.detail == "sustain" or post.kind == "agreements"
        timed.append((post.due_at, None if sustain else post.section, line))
    for entry in ledger.values():
        if entry.kind in SPAWNED_KINDS:
            label = LABELS.get(entry.kind, "Post")
            said = f"{label[0].lower()}{label[1:]} for section {entry.section}"
            local = entry.due_at.astimezone(zone)
            line = _line(when(local, now), said, entry.due_at, entry, now)
            holiday = closed.get(local.date())
            if holiday and line.state == "planned":
                # A leader's own follow-up goes out when they asked, holiday or not.
                note = f"will go out on {holiday}, a day the bot otherwise keeps free"
                line = PostLine(line.when, line.what, "warning", note)
            timed.append((entry.due_at, entry.section, line))
    for each in rollout.circles:
        holiday = closed.get(each.local.date())
        due = each.local.replace(tzinfo=zone)
        if holiday and not each.skipped and due > now:
            said = f"circle for section {each.section}"
            note = f"falls on a day the bot posts nothing: {holiday}"
            timed.append(
                (due.astimezone(UTC), CIRCLE, PostLine(when(due, now), said, "warning", note))
            )
    timed.sort(key=lambda item: item[0])
    lines: dict[int, list[PostLine]] = {}
    sustaining = [line for _, section, line in timed if section is None]
    warnings = [line for _, _, line in timed if line.state == "warning"]
    timed = [item for item in timed if item[1] != CIRCLE]
    for _, section_number, line in timed:
        if section_number is not None:
            lines.setdefault(section_number, []).append(line)
    circles = {circle.section: circle for circle in rollout.circles}
    sections = []
    for section in pack.sections:
        circle = circles.get(section.number)
        picked = ("", "")
        if circle is None:
            circle_words, state = "", "unplanned"
        else:
            picked = (f"{circle.local:%Y-%m-%d}", f"{circle.local:%H:%M}")
            local = circle.local.replace(tzinfo=zone)
            circle_words = when(local, now)
            held = local <= now.astimezone(zone)
            state = "skipped" if circle.skipped else "held" if held else "planned"
        sections.append(
            SectionLine(
                section.number,
                section.title,
                circle_words,
                state,
                tuple(lines.get(section.number, ())),
                *picked,
            )
        )
    return Programme(
        rollout_id=rollout.id,
        # A Slack channel id reads as itself; a long platform reference is cut, not parsed.
        place=rollout.address if len(rollout.address) <= PLACE_CHARS else "a channel",
        timezone=rollout.timezone,
        status=STATUS_WORDS.get(rollout.status, rollout.status),
        sections=tuple(sections),
        sustaining=tuple(sustaining),
        warnings=tuple(warnings),
        timeline=tuple(line for _, _, line in timed),
    )


def _line(words: str, said: str, due_at: datetime, entry: Entry | None, now: datetime) -> PostLine:
    status = entry.status if entry else None
    if status == "sent":
        return PostLine(words, said, "posted")
    if due_at > now or (status in ("planned", "sending") and due_at > now - ON_ITS_WAY):
        return PostLine(words, said, "planned")
    row_id = entry.id if entry and may_post_now(entry.kind, status) else None
    return PostLine(words, said, "warning", PAST_WORDS.get(status, f"is {status}"), row_id)
