"""Check-in polls and their answers. Nothing here returns an individual answer: only tallies."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.tables import PollAnswerRow, PollRow, PollTallyRow
from bot.storage.upsert import upsert

FIST_TO_FIVE = range(0, 6)


@dataclass(frozen=True)
class PollRecord:
    """A poll as the core sees it."""

    id: str
    tenant_id: str
    place: str
    section: int
    question: str
    opened_at: datetime
    closed: bool
    message_id: str | None


@dataclass(frozen=True)
class Tally:
    """How many answered, and the spread of answers only when enough people did."""

    total: int
    # Counts for 0..5, or None while fewer than the minimum group size have answered.
    distribution: tuple[int, ...] | None
    min_group_size: int


def _record(row: PollRow) -> PollRecord:
    return PollRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        place=row.place,
        section=row.section,
        question=row.question,
        opened_at=row.opened_at,
        closed=row.closed_at is not None,
        message_id=row.message_id,
    )


class PollStore:
    """Polls and answers, always within one tenant."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def open(
        self, tenant: str, place: str, section: int, question: str, now: datetime
    ) -> PollRecord:
        """Open a new poll in `place`."""
        row = PollRow(
            id=str(uuid.uuid4()),
            tenant_id=tenant,
            place=place,
            section=section,
            question=question,
            opened_at=now,
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return _record(row)

    async def get(self, tenant: str, poll_id: str) -> PollRecord | None:
        """The poll with this id in this tenant."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(PollRow).where(PollRow.tenant_id == tenant, PollRow.id == poll_id)
            )
        return _record(row) if row else None

    async def current(self, tenant: str, place: str) -> PollRecord | None:
        """The newest open poll in `place`, if any."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(PollRow)
                .where(
                    PollRow.tenant_id == tenant,
                    PollRow.place == place,
                    PollRow.closed_at.is_(None),
                )
                .order_by(PollRow.opened_at.desc())
                .limit(1)
            )
        return _record(row) if row else None

    async def recent(self, tenant: str, limit: int = 10) -> list[PollRecord]:
        """The tenant's newest polls, newest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PollRow)
                .where(PollRow.tenant_id == tenant)
                .order_by(PollRow.opened_at.desc())
                .limit(limit)
            )
            return [_record(row) for row in rows.all()]

    async def set_message(self, tenant: str, poll_id: str, message_id: str) -> None:
        """Remember the posted message, so the count line can be updated in place."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(PollRow)
                .where(PollRow.tenant_id == tenant, PollRow.id == poll_id)
                .values(message_id=message_id)
            )

    async def close(self, tenant: str, poll_id: str, now: datetime) -> None:
        """Stop taking answers."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(PollRow)
                .where(PollRow.tenant_id == tenant, PollRow.id == poll_id)
                .values(closed_at=now)
            )

    async def answer(
        self, tenant: str, poll_id: str, respondent: str, value: int, now: datetime
    ) -> None:
        """Record or change one person's answer (one row per person per poll)."""
        if value not in FIST_TO_FIVE:
            raise ValueError("a fist-to-five answer is 0 to 5")
        async with self._sessions.begin() as session:
            await upsert(
                session,
                PollAnswerRow,
                {
                    "tenant_id": tenant,
                    "poll_id": poll_id,
                    "respondent": respondent,
                    "value": value,
                    "answered_at": now,
                },
                keys=["poll_id", "respondent"],
                update=["value", "answered_at"],
            )
            rows = await session.execute(
                select(PollAnswerRow.value, func.count())
                .where(PollAnswerRow.tenant_id == tenant, PollAnswerRow.poll_id == poll_id)
                .group_by(PollAnswerRow.value)
            )
            counts: dict[int, int] = {value: count for value, count in rows.all()}
            # The tally outlives the raw answers (retention, delete-me), so it is kept apart.
            await upsert(
                session,
                PollTallyRow,
                {
                    "poll_id": poll_id,
                    "tenant_id": tenant,
                    "total": sum(counts.values()),
                    "counts": ",".join(str(counts.get(v, 0)) for v in FIST_TO_FIVE),
                    "updated_at": now,
                },
                keys=["poll_id"],
                update=["total", "counts", "updated_at"],
            )

    async def tally(self, tenant: str, poll_id: str, min_group_size: int) -> Tally:
        """The poll's count, and its distribution once `min_group_size` people answered."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(PollTallyRow).where(
                    PollTallyRow.tenant_id == tenant, PollTallyRow.poll_id == poll_id
                )
            )
        if row is None:
            return Tally(total=0, distribution=None, min_group_size=min_group_size)
        return suppressed(row.total, parse_counts(row.counts), min_group_size)

    async def tallies(self, tenant: str, places: list[str] | None = None) -> list[PollTotals]:
        """Every poll's kept counts in the tenant (optionally some places), oldest first.

        Raw counts leave this module only for reports, which suppress them before showing.
        """
        query = (
            select(PollRow, PollTallyRow)
            .join(PollTallyRow, PollTallyRow.poll_id == PollRow.id)
            .where(PollRow.tenant_id == tenant, PollTallyRow.tenant_id == tenant)
            .order_by(PollRow.opened_at)
        )
        if places:
            query = query.where(PollRow.place.in_(places))
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [
            PollTotals(_record(poll), tally.total, parse_counts(tally.counts))
            for poll, tally in rows
        ]

    async def count_answers_of(self, tenant: str, respondent: str) -> int:
        """How many answers one pseudonym has on record (never their values)."""
        async with self._sessions() as session:
            return int(
                await session.scalar(
                    select(func.count()).where(
                        PollAnswerRow.tenant_id == tenant, PollAnswerRow.respondent == respondent
                    )
                )
                or 0
            )

    async def forget(self, tenant: str, respondent: str) -> int:
        """Delete one pseudonym's answers; tallies stay as they were, so nothing is revealed."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(PollAnswerRow).where(
                    PollAnswerRow.tenant_id == tenant, PollAnswerRow.respondent == respondent
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_before(self, cutoff: datetime) -> int:
        """Delete every raw answer older than `cutoff`, in all tenants (retention)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(PollAnswerRow).where(PollAnswerRow.answered_at < cutoff)
            )
        return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class PollTotals:
    """A poll with its unsuppressed counts, for reports to suppress."""

    poll: PollRecord
    total: int
    counts: tuple[int, ...]


def parse_counts(stored: str) -> tuple[int, ...]:
    """Counts for 0..5 from their stored form."""
    return tuple(int(part) for part in stored.split(","))


def suppressed(total: int, counts: tuple[int, ...], min_group_size: int) -> Tally:
    """The tally as it may be shown: no spread below the minimum group size."""
    if total < min_group_size:
        return Tally(total=total, distribution=None, min_group_size=min_group_size)
    return Tally(total=total, distribution=counts, min_group_size=min_group_size)
