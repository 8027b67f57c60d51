"""Programme survey questions posted to cohorts. Answers are poll answers (`PollStore`), kept
under pseudonyms; this module knows the questions and reads only their releases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.release import Release
from bot.storage.poll_releases import stored_release
from bot.storage.tables import PollReleaseRow, SurveyQuestionRow


@dataclass(frozen=True)
class SurveyQuestion:
    """One posted question; its id is the poll id its answers are kept under."""

    id: str
    place: str
    round_id: str
    survey: str  # pre, mid, post
    position: int  # 1, 2, ...
    question: str
    message_id: str | None


@dataclass(frozen=True)
class QuestionFigures:
    """A question with its release (None until its first batch), for reports to add up."""

    question: SurveyQuestion
    release: Release | None


def _question(row: SurveyQuestionRow) -> SurveyQuestion:
    return SurveyQuestion(
        row.id, row.place, row.round_id, row.survey, row.position, row.question, row.message_id
    )


def _in_round(tenant: str, round_id: str) -> tuple[Any, ...]:
    return (SurveyQuestionRow.tenant_id == tenant, SurveyQuestionRow.round_id == round_id)


class SurveyStore:
    """Survey questions, within one tenant."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def open_round(
        self, tenant: str, place: str, survey: str, questions: list[str], now: datetime
    ) -> list[SurveyQuestion]:
        """Post-ready questions for one survey in one place, numbered from 1."""
        round_id = str(uuid.uuid4())
        rows = [
            SurveyQuestionRow(
                id=str(uuid.uuid4()),
                tenant_id=tenant,
                place=place,
                round_id=round_id,
                survey=survey,
                position=position,
                question=text,
                opened_at=now,
            )
            for position, text in enumerate(questions, start=1)
        ]
        async with self._sessions.begin() as session:
            session.add_all(rows)
        return [_question(row) for row in rows]

    async def set_message(self, tenant: str, round_id: str, message_id: str) -> None:
        """Remember the message the round was posted in, so its counts can be updated."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(SurveyQuestionRow)
                .where(*_in_round(tenant, round_id))
                .values(message_id=message_id)
            )

    async def question(self, tenant: str, question_id: str) -> SurveyQuestion | None:
        """One question in this tenant."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(SurveyQuestionRow).where(
                    SurveyQuestionRow.tenant_id == tenant, SurveyQuestionRow.id == question_id
                )
            )
        return _question(row) if row else None

    async def round_of(self, tenant: str, round_id: str) -> list[SurveyQuestion]:
        """Every question posted together, in order."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SurveyQuestionRow)
                .where(*_in_round(tenant, round_id))
                .order_by(SurveyQuestionRow.position)
            )
            return [_question(row) for row in rows.all()]

    async def latest_round(self, tenant: str, place: str) -> list[SurveyQuestion]:
        """The questions of the newest survey posted in `place` (none: empty)."""
        async with self._sessions() as session:
            newest = await session.scalar(
                select(SurveyQuestionRow.round_id)
                .where(SurveyQuestionRow.tenant_id == tenant, SurveyQuestionRow.place == place)
                .order_by(SurveyQuestionRow.opened_at.desc(), SurveyQuestionRow.id)
                .limit(1)
            )
        return await self.round_of(tenant, newest) if newest else []

    async def releases(self, tenant: str, place: str | None = None) -> list[QuestionFigures]:
        """Every posted question in the tenant (or one place) with its release, oldest first."""
        query = (
            select(SurveyQuestionRow, PollReleaseRow)
            .outerjoin(PollReleaseRow, PollReleaseRow.poll_id == SurveyQuestionRow.id)
            .where(SurveyQuestionRow.tenant_id == tenant)
            .order_by(SurveyQuestionRow.opened_at, SurveyQuestionRow.position)
        )
        if place is not None:
            query = query.where(SurveyQuestionRow.place == place)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [QuestionFigures(_question(row), stored_release(kept)) for row, kept in rows]
