"""A poll's releases inside the transaction that records an answer: the row lock, who acted
since the last release, and making the next one through `bot.release` (docs/PRIVACY.md).

An answer is one transaction: the lock, one read of where the poll stands, the answer, its
count (`poll_counts`), the person among those who acted, and, once the group size of them did,
the next release made from the counts. On SQLite a check-in's lock and that read are one
statement (`lock_checkin`): each statement there is a round trip to the driver's thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.release import Published, Release, ReleasePolicy, release
from bot.storage import poll_counts
from bot.storage.tables import (
    PollActorRow,
    PollAnswerRow,
    PollReleaseRow,
    PollRow,
    SurveyQuestionRow,
)
from bot.storage.upsert import upsert

FIST_TO_FIVE = range(0, 6)


def actor_token(poll_id: str, respondent: str) -> str:
    """Who acted on a poll, as a digest that matches nothing in any other poll."""
    return hashlib.sha256(f"{poll_id}\x1f{respondent}".encode()).hexdigest()


def _on_sqlite(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "sqlite"


# SQLite has no row locks, and its driver begins a transaction only at the first write: a write
# that changes nothing takes the database's write lock at once, so what the transaction reads
# after it (or returns from it) stays true until it commits.
def _take_write_lock(table: type[PollRow] | type[SurveyQuestionRow], *where: Any) -> Any:
    return update(table).where(*where).values(id=table.id)


_UNSYNCHRONISED = {"synchronize_session": False}


async def _locked(
    session: AsyncSession, table: type[PollRow] | type[SurveyQuestionRow], tenant: str, poll_id: str
) -> Any:
    """The row of `table` with this id, locked until the transaction ends; None if none."""
    where = (table.tenant_id == tenant, table.id == poll_id)
    if _on_sqlite(session):
        await session.execute(_take_write_lock(table, *where), execution_options=_UNSYNCHRONISED)
    return await session.scalar(select(table).where(*where).with_for_update())


async def lock_checkin(session: AsyncSession, given: Answer) -> tuple[PollRow, Standing] | None:
    """The check-in's row, locked so that two answers at once never release one batch twice,
    and where it stands for the person answering, read under that lock; None if none."""
    tenant, poll_id = given.tenant, given.poll_id
    where = (PollRow.tenant_id == tenant, PollRow.id == poll_id)
    if not _on_sqlite(session):
        # PostgreSQL reads a statement's subqueries as they were when it began, which may be
        # before the lock was granted: the standing is read in a statement of its own after it.
        row = await session.scalar(select(PollRow).where(*where).with_for_update())
        if row is None:
            return None
        return row, await standing(session, tenant, poll_id, given.respondent)
    found = (
        await session.execute(
            _take_write_lock(PollRow, *where).returning(
                PollRow, *_standing_columns(tenant, poll_id, given.respondent)
            ),
            execution_options=_UNSYNCHRONISED,
        )
    ).one_or_none()
    if found is None:
        return None
    row, *columns = found
    return row, _standing_of(columns)


async def lock_poll(session: AsyncSession, tenant: str, poll_id: str) -> None:
    """Lock the check-in or survey question the answers belong to. A check-in, the common case,
    finds its row in the first table and asks no more."""
    for table in (PollRow, SurveyQuestionRow):
        if await _locked(session, table, tenant, poll_id) is not None:
            return


@dataclass(frozen=True)
class Answer:
    """One person's answer to one poll as it is recorded: under their pseudonym, never the id."""

    tenant: str
    poll_id: str
    respondent: str
    value: int
    at: datetime

    def __post_init__(self) -> None:
        if self.value not in FIST_TO_FIVE:
            raise ValueError("a fist-to-five answer is 0 to 5")


@dataclass(frozen=True)
class Standing:
    """Where a poll stands, read once under its lock: one person's answer on record (never
    shown), how many answered, how many acted since the last release, and that release."""

    previous: int | None
    respondents: int
    actors: int
    shown: Release | None


async def standing(
    session: AsyncSession, tenant: str, poll_id: str, respondent: str | None = None
) -> Standing:
    """The poll's standing in one statement; `previous` is `respondent`'s answer, if any."""
    columns = _standing_columns(tenant, poll_id, respondent)
    return _standing_of((await session.execute(select(*columns))).one())


def _standing_columns(tenant: str, poll_id: str, respondent: str | None) -> list[Any]:
    """What `Standing` holds, as scalar subqueries: the person's answer, how many answered, how
    many acted, and the release's version, respondents and counts."""
    previous: Any = literal(None)
    if respondent is not None:
        previous = (
            select(PollAnswerRow.value)
            .where(
                PollAnswerRow.tenant_id == tenant,
                PollAnswerRow.poll_id == poll_id,
                PollAnswerRow.respondent == respondent,
            )
            .scalar_subquery()
        )
    actors = (
        select(func.count())
        .where(PollActorRow.tenant_id == tenant, PollActorRow.poll_id == poll_id)
        .scalar_subquery()
    )
    mine = (PollReleaseRow.tenant_id == tenant, PollReleaseRow.poll_id == poll_id)
    shown = [
        select(column).where(*mine).scalar_subquery()
        for column in (PollReleaseRow.version, PollReleaseRow.respondents, PollReleaseRow.counts)
    ]
    return [previous, poll_counts.answered(tenant, poll_id), actors, *shown]


def _standing_of(columns: Sequence[Any]) -> Standing:
    value, respondents, acted, version, released_to, counts = columns
    stored = None if version is None else _release(version, released_to, counts)
    return Standing(value, int(respondents or 0), int(acted or 0), stored)


async def record_answer(
    session: AsyncSession, given: Answer, policy: ReleasePolicy, before: Standing | None = None
) -> Published:
    """Record or change one answer on a locked poll, count it, and release when enough acted;
    `before` is where the poll stood, if it was read with the lock."""
    tenant, poll_id = given.tenant, given.poll_id
    if before is None:
        before = await standing(session, tenant, poll_id, given.respondent)
    await upsert(
        session,
        PollAnswerRow,
        {
            "tenant_id": tenant,
            "poll_id": poll_id,
            "respondent": given.respondent,
            "value": given.value,
            "answered_at": given.at,
        },
        keys=["poll_id", "respondent"],
        update=["value", "answered_at"],
    )
    await poll_counts.moved(session, tenant, poll_id, before.previous, given.value)
    respondents = before.respondents + (1 if before.previous is None else 0)
    return await _acted(
        session, tenant, poll_id, given.respondent, before, respondents, given.at, policy
    )


async def record_deletion(
    session: AsyncSession,
    tenant: str,
    poll_id: str,
    respondent: str,
    now: datetime,
    policy: ReleasePolicy,
) -> None:
    """Delete one answer on a locked poll; the deletion counts as acting on it."""
    before = await standing(session, tenant, poll_id, respondent)
    if before.previous is None:
        return
    await session.execute(
        delete(PollAnswerRow).where(
            PollAnswerRow.tenant_id == tenant,
            PollAnswerRow.poll_id == poll_id,
            PollAnswerRow.respondent == respondent,
        )
    )
    await poll_counts.moved(session, tenant, poll_id, before.previous, None)
    await _acted(session, tenant, poll_id, respondent, before, before.respondents - 1, now, policy)


async def _acted(
    session: AsyncSession,
    tenant: str,
    poll_id: str,
    respondent: str,
    before: Standing,
    respondents: int,
    now: datetime,
    policy: ReleasePolicy,
) -> Published:
    """Count the person among those who acted since the last release; release when enough did.

    After the last release the figures are final, so nobody need be counted for another.
    """
    shown = before.shown
    version = shown.version if shown else 0
    if version < policy.releases:
        added = await upsert(
            session,
            PollActorRow,
            {"poll_id": poll_id, "actor": actor_token(poll_id, respondent), "tenant_id": tenant},
            keys=["poll_id", "actor"],
            update=[],
        )
        if before.actors + added >= policy.group_size:
            counts = await poll_counts.counts_of(session, tenant, poll_id)
            shown = release(counts, version + 1, policy)
            await store_release(session, tenant, poll_id, shown, now)
            await session.execute(
                delete(PollActorRow).where(
                    PollActorRow.tenant_id == tenant, PollActorRow.poll_id == poll_id
                )
            )
    return published_of(respondents, shown, policy)


async def store_release(
    session: AsyncSession, tenant: str, poll_id: str, made: Release, now: datetime
) -> None:
    await upsert(
        session,
        PollReleaseRow,
        {
            "poll_id": poll_id,
            "tenant_id": tenant,
            "version": made.version,
            "respondents": made.respondents,
            "counts": ",".join(map(str, made.bands)),
            "released_at": now,
        },
        keys=["poll_id"],
        update=["version", "respondents", "counts", "released_at"],
    )


def published_of(respondents: int, shown: Release | None, policy: ReleasePolicy) -> Published:
    return Published(
        respondents=respondents,
        release=shown,
        group_size=policy.group_size,
        final=shown is not None and shown.version >= policy.releases,
    )


def stored_release(row: PollReleaseRow | None) -> Release | None:
    """A poll's release as it was stored, or None when it has none."""
    return None if row is None else _release(row.version, row.respondents, row.counts)


def _release(version: int, respondents: int, counts: str) -> Release:
    low, middle, high = parse_counts(counts)
    return Release(respondents=respondents, bands=(low, middle, high), version=version)


def parse_counts(stored: str) -> tuple[int, ...]:
    """Counts from their stored, comma-separated form."""
    return tuple(int(part) for part in stored.split(","))
