"""Which daily prompt a team gets: a rotation that follows what the team was actually sent.

Within a section no prompt comes back before every one of its prompts has been used, and no
prompt reaches the same team twice within eight weeks where the section has prompts enough. The
choice reads only the team's sent history (each sent prompt row keeps its prompt's id in its
body), so it survives restarts, re-plans and a change of rhythm.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.rollouts.kinds import Kind
from bot.rollouts.plan import Circle, PlannedPost
from bot.storage.ledger_tables import DeliveryRow, RolloutRow
from content.models import Pack, Section

# No prompt reaches a team twice within this span.
SPACING = timedelta(weeks=8)
# A prompt row in these states may have reached the channel, so it counts as sent.
REACHED = ("sent", "sending", "uncertain")
BODY_FIELD = "prompt"
# A rollout in these states is the team's programme (a paused one resumes).
RUNNING = ("active", "paused")


def prompt_id(text: str) -> str:
    """A prompt's stable id: its words, so reordering a pack keeps the history meaningful."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Sent:
    """One prompt a team was sent: on which local day, and which prompt."""

    day: date
    prompt: str


@dataclass(frozen=True)
class DayRow:
    """A rollout's prompt row on one local day: its section, recorded prompt and status."""

    section: int
    prompt: str | None
    status: str


def choose(
    prompts: Sequence[str], history: Iterable[Sent], today: date, spacing: timedelta = SPACING
) -> int:
    """The index in `prompts` (one section's, in pack order) of the prompt to post `today`.

    The candidates are the section's prompts not yet used in its current round (a round ends
    when every one has been used); of those, ones the team has not had within `spacing`; then
    the one the team had longest ago, never-sent ones first in pack order.
    """
    if not prompts:
        raise ValueError("a section without prompts has nothing to choose from")
    ids = [prompt_id(text) for text in prompts]
    wanted = set(ids)
    used: set[str] = set()
    last: dict[str, date] = {}
    for sent in sorted(history, key=lambda sent: sent.day):
        last[sent.prompt] = sent.day
        if sent.prompt in wanted:
            used.add(sent.prompt)
            if used >= wanted:
                used = set()
    fresh = [index for index, found in enumerate(ids) if found not in used]
    clear = [
        index for index in fresh if ids[index] not in last or today - last[ids[index]] >= spacing
    ]
    # With too few prompts for the spacing the round still goes on, longest-unseen first.
    pool = clear or fresh
    return min(pool, key=lambda index: (last.get(ids[index], date.min), index))


def source(pack: Pack, section: int) -> Section:
    """The section whose prompts serve this one (an earlier one's, while it has none)."""
    return pack.nearest_with(section, "daily_prompts")


def pick(pack: Pack, section: int, history: Iterable[Sent], today: date) -> tuple[Section, str]:
    """The section's prompt for `today` given the team's history (the section may borrow an
    earlier one's prompts); raises ValueError when the pack has no prompts at all."""
    serving = source(pack, section)
    return serving, serving.daily_prompts[choose(serving.daily_prompts, history, today)]


def find(pack: Pack, wanted: str | None, section: int | None = None) -> tuple[Section, str] | None:
    """The prompt with this id (in one section's prompts, when given), if the pack still has it."""
    sources = [source(pack, section)] if section is not None else pack.sections
    for candidate in sources:
        for text in candidate.daily_prompts:
            if wanted is not None and prompt_id(text) == wanted:
                return candidate, text
    return None


def rotate(
    pack: Pack, posts: Iterable[PlannedPost], sent: Iterable[Sent] = ()
) -> list[tuple[PlannedPost, str]]:
    """What a team already `sent` these would be given on each planned prompt post, in order."""
    history = list(sent)
    chosen: list[tuple[PlannedPost, str]] = []
    for post in sorted((p for p in posts if p.kind == Kind.PROMPT), key=lambda p: p.due_at):
        day = post.local.date()
        text = pick(pack, post.section, history, day)[1]
        history.append(Sent(day, prompt_id(text)))
        chosen.append((post, text))
    return chosen


def assign(pack: Pack, posts: list[PlannedPost], sent: Iterable[Sent]) -> list[PlannedPost]:
    """The posts with each prompt's choice in its body, carrying on from what was `sent`.

    Chosen when the plan is stored, so a send reads its prompt from its own row; a prompt the
    team misses comes back in a later round once a re-plan sees it was never sent.
    """
    if not any(section.daily_prompts for section in pack.sections):
        return posts
    chosen = {id(post): text for post, text in rotate(pack, posts, sent)}
    return [
        replace(post, body=body(chosen[id(post)])) if id(post) in chosen else post for post in posts
    ]


def model_programme(months: int, start: date, sections: Sequence[int]) -> list[Circle]:
    """A circle for each section, spread evenly over `months` from `start`, at 09:00 on
    weekdays: the programme the figures about a pack's prompts are worked out for."""
    gap = months * 365.25 / 12 / len(sections)
    circles = []
    for index, section in enumerate(sections):
        day = start + timedelta(days=round(index * gap))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        circles.append(Circle(section, datetime.combine(day, time(9))))
    return circles


def shortest_repeat(sent: Iterable[tuple[date, str]]) -> timedelta | None:
    """The shortest time between two sends of one prompt, or None when nothing repeats."""
    last: dict[str, date] = {}
    shortest: timedelta | None = None
    for day, text in sorted(sent):
        if text in last and (shortest is None or day - last[text] < shortest):
            shortest = day - last[text]
        last[text] = day
    return shortest


def body(text: str) -> str:
    """The ledger body that records which prompt a row posted."""
    return json.dumps({BODY_FIELD: prompt_id(text)})


def recorded(stored: str | None) -> str | None:
    """The prompt id a row's body recorded, if it records one."""
    if not stored:
        return None
    try:
        found = json.loads(stored)
    except ValueError:
        return None
    value = found.get(BODY_FIELD) if isinstance(found, dict) else None
    return value if isinstance(value, str) else None


class PromptHistoryStore:
    """What each team (a channel, across its rollouts) was sent, read from the ledger."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def sent(
        self,
        tenant: str,
        address: str,
        *,
        besides: str | None = None,
        kept: datetime | None = None,
    ) -> list[Sent]:
        """The prompts that reached the channel, oldest first (`besides`: a row to leave out).

        With `kept`, also those planned to go at or before it: a re-plan keeps those rows.
        """
        reached: ColumnElement[bool] = DeliveryRow.status.in_(REACHED)
        if kept is not None:
            reached = or_(
                reached, and_(DeliveryRow.status == "planned", DeliveryRow.due_at <= kept)
            )
        places = select(RolloutRow.id).where(
            RolloutRow.tenant_id == tenant, RolloutRow.address == address
        )
        query = select(DeliveryRow.local_date, DeliveryRow.body).where(
            DeliveryRow.rollout_id.in_(places),
            DeliveryRow.kind == Kind.PROMPT,
            reached,
            DeliveryRow.body.is_not(None),
        )
        if besides is not None:
            query = query.where(DeliveryRow.key != besides)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        found = [(day, recorded(stored)) for day, stored in rows]
        return sorted(
            (Sent(date.fromisoformat(day), chosen) for day, chosen in found if chosen),
            key=lambda sent: sent.day,
        )

    async def lone_rollout(self, tenant: str) -> str | None:
        """The tenant's one running rollout, when it has exactly one."""
        async with self._sessions() as session:
            found = (
                await session.scalars(
                    select(RolloutRow.id)
                    .where(RolloutRow.tenant_id == tenant, RolloutRow.status.in_(RUNNING))
                    .limit(2)
                )
            ).all()
        return found[0] if len(found) == 1 else None

    async def today(self, rollout_id: str, day: date) -> DayRow | None:
        """The rollout's prompt row on a local day, if it has one."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(DeliveryRow.section, DeliveryRow.body, DeliveryRow.status).where(
                        DeliveryRow.rollout_id == rollout_id,
                        DeliveryRow.kind == Kind.PROMPT,
                        DeliveryRow.local_date == day.isoformat(),
                    )
                )
            ).first()
        return None if row is None else DayRow(row.section, recorded(row.body), row.status)

    async def record(self, key: str, text: str) -> None:
        """Keep on the row being sent which prompt it posts, before it is posted."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(DeliveryRow).where(DeliveryRow.key == key).values(body=body(text))
            )
