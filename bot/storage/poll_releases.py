"""A poll's releases inside the transaction that records an answer: the row lock, who acted
since the last release, and making the next one through `bot.release` (docs/PRIVACY.md)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.release import Published, Release, ReleasePolicy, release
from bot.storage.tables import (
    PollActorRow,
    PollAnswerRow,
    PollReleaseRow,
    PollRow,
    SurveyQuestionRow,
)
from bot.storage.upsert import upsert


def actor_token(poll_id: str, respondent: str) -> str:
    """Who acted on a poll, as a digest that matches nothing in any other poll."""
    return hashlib.sha256(f"{poll_id}\x1f{respondent}".encode()).hexdigest()


async def lock_poll(session: AsyncSession, tenant: str, poll_id: str) -> None:
    """Take the row lock of the check-in or survey question the answers belong to, so two
    answers at once never release one batch twice.

    PostgreSQL locks the row; SQLite ignores FOR UPDATE and serialises writers itself. A
    check-in, the common case, finds its row in the first table and asks no more.
    """
    for table in (PollRow, SurveyQuestionRow):
        locked = await session.scalar(
            select(table.id).where(table.tenant_id == tenant, table.id == poll_id).with_for_update()
        )
        if locked is not None:
            return


async def record_act(
    session: AsyncSession,
    tenant: str,
    poll_id: str,
    respondent: str,
    now: datetime,
    policy: ReleasePolicy,
) -> Published:
    """Count the person among those who acted since the last release; release when enough did."""
    await upsert(
        session,
        PollActorRow,
        {"poll_id": poll_id, "actor": actor_token(poll_id, respondent), "tenant_id": tenant},
        keys=["poll_id", "actor"],
        update=[],
    )
    shown = await release_of(session, tenant, poll_id)
    version = shown.version if shown else 0
    actors = await session.scalar(
        select(func.count()).where(
            PollActorRow.tenant_id == tenant, PollActorRow.poll_id == poll_id
        )
    )
    if (actors or 0) >= policy.group_size and version < policy.releases:
        rows = await session.execute(
            select(PollAnswerRow.value, func.count())
            .where(PollAnswerRow.tenant_id == tenant, PollAnswerRow.poll_id == poll_id)
            .group_by(PollAnswerRow.value)
        )
        shown = release({value: count for value, count in rows.all()}, version + 1, policy)
        await store_release(session, tenant, poll_id, shown, now)
        await session.execute(
            delete(PollActorRow).where(
                PollActorRow.tenant_id == tenant, PollActorRow.poll_id == poll_id
            )
        )
    return published_of(await respondents_of(session, tenant, poll_id), shown, policy)


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


async def respondents_of(session: AsyncSession, tenant: str, poll_id: str) -> int:
    """How many have an answer on the poll now."""
    count = await session.scalar(
        select(func.count()).where(
            PollAnswerRow.tenant_id == tenant, PollAnswerRow.poll_id == poll_id
        )
    )
    return int(count or 0)


async def release_of(session: AsyncSession, tenant: str, poll_id: str) -> Release | None:
    """The poll's release as stored now, made into a value at once: an ORM row kept in the
    session would not see a later upsert of the same release."""
    row = await session.scalar(
        select(PollReleaseRow).where(
            PollReleaseRow.tenant_id == tenant, PollReleaseRow.poll_id == poll_id
        )
    )
    return stored_release(row)


def published_of(respondents: int, shown: Release | None, policy: ReleasePolicy) -> Published:
    return Published(
        respondents=respondents,
        release=shown,
        group_size=policy.group_size,
        final=shown is not None and shown.version >= policy.releases,
    )


def stored_release(row: PollReleaseRow | None) -> Release | None:
    """A poll's release as it was stored, or None when it has none."""
    if row is None:
        return None
    low, middle, high = parse_counts(row.counts)
    return Release(respondents=row.respondents, bands=(low, middle, high), version=row.version)


def parse_counts(stored: str) -> tuple[int, ...]:
    """Counts from their stored, comma-separated form."""
    return tuple(int(part) for part in stored.split(","))
