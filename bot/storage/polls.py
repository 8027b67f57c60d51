"""Check-in polls and their answers. Nothing here returns an individual answer: only the live
count and releases made by `bot.release`, the one release path (docs/PRIVACY.md)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.release import Published, Release, ReleasePolicy, release
from bot.storage import poll_counts, poll_releases
from bot.storage.personal import Deletion, Forgotten, PersonalData
from bot.storage.poll_releases import FIST_TO_FIVE, Answer
from bot.storage.tables import (
    PollActorRow,
    PollAnswerRow,
    PollReleaseRow,
    PollRow,
    PollTallyRow,
)

__all__ = ["FIST_TO_FIVE", "Answer", "Answered", "PollFigures", "PollRecord", "PollStore"]


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


class PollStore(PersonalData):
    """Polls and answers, always within one tenant."""

    tables = ("poll_answers", "poll_actors")

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
        self,
        tenant: str,
        poll_id: str,
        respondent: str,
        value: int,
        now: datetime,
        policy: ReleasePolicy,
    ) -> Published:
        """Record or change one person's answer to a check-in or survey question (one row per
        person per poll), in one transaction.

        The published figures change only when this makes the group size of distinct people who
        acted since the last release; otherwise the release stays exactly as it was.
        """
        given = Answer(tenant, poll_id, respondent, value, now)
        async with self._sessions.begin() as session:
            await poll_releases.lock_poll(session, tenant, poll_id)
            return await poll_releases.record_answer(session, given, policy)

    async def answer_open(self, given: Answer, policy: ReleasePolicy) -> Answered | None:
        """Record or change one person's answer to a check-in if it is still open, finding the
        poll, recording and releasing in one transaction; None when the tenant has no such
        check-in."""
        async with self._sessions.begin() as session:
            locked = await poll_releases.lock_checkin(session, given)
            if locked is None:
                return None
            row, before = locked
            poll = _record(row)
            if poll.closed:
                return Answered(poll, None)
            published = await poll_releases.record_answer(session, given, policy, before)
        return Answered(poll, published)

    async def published(self, tenant: str, poll_id: str, policy: ReleasePolicy) -> Published:
        """What may be shown about the poll now: the live count and its last release."""
        async with self._sessions() as session:
            now = await poll_releases.standing(session, tenant, poll_id)
        return poll_releases.published_of(now.respondents, now.shown, policy)

    async def releases(self, tenant: str, places: list[str] | None = None) -> list[PollFigures]:
        """Every poll in the tenant (optionally some places) with its release, oldest first."""
        query = (
            select(PollRow, PollReleaseRow)
            .outerjoin(PollReleaseRow, PollReleaseRow.poll_id == PollRow.id)
            .where(PollRow.tenant_id == tenant)
            .order_by(PollRow.opened_at)
        )
        if places:
            query = query.where(PollRow.place.in_(places))
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [PollFigures(_record(poll), poll_releases.stored_release(row)) for poll, row in rows]

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

    async def forget(
        self, tenant: str, respondent: str, now: datetime, policy: ReleasePolicy
    ) -> int:
        """Delete one pseudonym's answers at once; each deletion counts as acting on its poll,
        so it reaches published figures only inside a later batch."""
        async with self._sessions.begin() as session:
            polls = (
                await session.scalars(
                    select(PollAnswerRow.poll_id).where(
                        PollAnswerRow.tenant_id == tenant, PollAnswerRow.respondent == respondent
                    )
                )
            ).all()
            for poll_id in sorted(polls):
                await poll_releases.lock_poll(session, tenant, poll_id)
                await poll_releases.record_deletion(
                    session, tenant, poll_id, respondent, now, policy
                )
        return len(polls)

    async def purge_before(self, cutoff: datetime) -> int:
        """Delete every raw answer older than `cutoff`, in all tenants (retention).

        Polls opened before the cutoff close first, so their releases stay final: no later
        release can be worked out against what retention took away.
        """
        async with self._sessions.begin() as session:
            await session.execute(
                update(PollRow)
                .where(PollRow.opened_at < cutoff, PollRow.closed_at.is_(None))
                .values(closed_at=cutoff)
            )
            old = select(PollRow.id).where(PollRow.opened_at < cutoff).scalar_subquery()
            await session.execute(delete(PollActorRow).where(PollActorRow.poll_id.in_(old)))
            expired = PollAnswerRow.answered_at < cutoff
            counted = await session.execute(
                select(
                    PollAnswerRow.tenant_id,
                    PollAnswerRow.poll_id,
                    PollAnswerRow.value,
                    func.count(),
                )
                .where(expired)
                .group_by(PollAnswerRow.tenant_id, PollAnswerRow.poll_id, PollAnswerRow.value)
            )
            gone = [(tenant, poll, value, -count) for tenant, poll, value, count in counted.all()]
            result = await session.execute(delete(PollAnswerRow).where(expired))
            await poll_counts.change(session, gone)
        return int(getattr(result, "rowcount", 0) or 0)

    async def release_legacy_tallies(
        self, now: datetime, policy_of: Callable[[str], Awaitable[ReleasePolicy]]
    ) -> int:
        """Make a first release of every poll whose exact counts were kept before releases
        existed, then delete those counts; returns how many polls were released.

        Those counts were shown exactly once already, so a noisy release of them adds nothing;
        one below the group size is deleted unreleased.
        """
        async with self._sessions.begin() as session:
            legacy = (await session.scalars(select(PollTallyRow))).all()
            released = 0
            for row in legacy:
                policy = await policy_of(row.tenant_id)
                known = await session.get(PollReleaseRow, row.poll_id)
                if known is None and row.total >= policy.group_size:
                    counts = dict(enumerate(poll_releases.parse_counts(row.counts)))
                    await poll_releases.store_release(
                        session, row.tenant_id, row.poll_id, release(counts, 1, policy), now
                    )
                    released += 1
                await session.delete(row)
        return released

    async def held_about(self, tenant: str, person: str) -> tuple[str, ...]:
        """How many answers they have on record, never their values."""
        return (
            f"Check-in and survey answers: {await self.count_answers_of(tenant, person)}, stored "
            "under a code made from your id with a secret key; they are only ever shown inside "
            "figures about the whole group",
        )

    async def forget_person(self, tenant: str, person: str, deletion: Deletion) -> Forgotten:
        """Their answers, each counted as acting on its poll (docs/PRIVACY.md)."""
        gone = await self.forget(tenant, person, deletion.now, deletion.policy)
        return Forgotten(f"{gone} check-in and survey answer(s)")

    async def expire(self, before: datetime) -> int:
        """Raw answers older than the retention period."""
        return await self.purge_before(before)


@dataclass(frozen=True)
class Answered:
    """A check-in answer's outcome: the poll as it was answered, and what may be shown about it
    now (None: the poll is closed and took nothing)."""

    poll: PollRecord
    published: Published | None


@dataclass(frozen=True)
class PollFigures:
    """A poll with its release (None until its first batch), for reports to add up."""

    poll: PollRecord
    release: Release | None
