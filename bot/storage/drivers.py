"""The drivers of fatigue and resilience board (Section 4): no method returns who added what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import MessageRef
from bot.storage.numbering import add_numbered
from bot.storage.personal import Deletion, Forgotten, PersonalData
from bot.storage.tables import DriverRow
from bot.storage.tokens import item_token

CATEGORIES = ("mine", "leadership", "cannot")
ANSWERS = ("this-year", "next-year", "unlikely")
_TOKEN_KIND = "driver"


@dataclass(frozen=True)
class Driver:
    """A driver as anyone sees it: the words, where it sits, and leadership's answer."""

    id: int  # inside the bot only; people see `number`
    place: str
    text: str
    category: str  # unsorted, mine, leadership, cannot
    answer: str | None
    progress: str | None
    number: int = 0
    # The bot's message the answer was posted as, when there is one to correct or delete.
    answer_post: MessageRef | None = None


def _driver(row: DriverRow) -> Driver:
    posted = MessageRef.model_validate_json(row.answer_post) if row.answer_post else None
    return Driver(
        row.id, row.place, row.text, row.category, row.answer, row.progress, row.number, posted
    )


class DriverStore(PersonalData):
    """Each cohort's board, within one tenant."""

    columns = ("drivers.author_token",)

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def add(
        self, tenant: str, place: str, text: str, category: str, author: str, now: datetime
    ) -> Driver:
        """Put a driver on the board; only `author` (a pseudonym) can recognise it later."""

        def make() -> DriverRow:
            return DriverRow(
                tenant_id=tenant, place=place, text=text, category=category, created_at=now
            )

        async def marked(_: AsyncSession, row: DriverRow) -> None:
            row.author_token = item_token(author, _TOKEN_KIND, row.id)

        return _driver(await add_numbered(self._sessions, make, DriverRow, tenant, marked))

    async def get(self, tenant: str, number: int) -> Driver | None:
        """One driver in this tenant, by the number people see."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(DriverRow).where(DriverRow.tenant_id == tenant, DriverRow.number == number)
            )
        return _driver(row) if row else None

    async def board(self, tenant: str, place: str) -> list[Driver]:
        """A cohort's drivers, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(DriverRow)
                .where(DriverRow.tenant_id == tenant, DriverRow.place == place)
                .order_by(DriverRow.id)
            )
            return [_driver(row) for row in rows.all()]

    async def every_board(self, tenant: str) -> list[Driver]:
        """Every cohort's drivers in this tenant, board by board, by number."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(DriverRow)
                .where(DriverRow.tenant_id == tenant)
                .order_by(DriverRow.place, DriverRow.number)
            )
            return [_driver(row) for row in rows.all()]

    async def added_by(self, tenant: str, driver_id: int, person: str) -> bool:
        """Whether `person` (a pseudonym) added this driver."""
        async with self._sessions() as session:
            token = await session.scalar(
                select(DriverRow.author_token).where(
                    DriverRow.tenant_id == tenant, DriverRow.id == driver_id
                )
            )
        return token is not None and token == item_token(person, _TOKEN_KIND, driver_id)

    async def sort(self, tenant: str, driver_id: int, category: str) -> None:
        """Move a driver to mine, leadership or cannot."""
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}")
        await self._set(tenant, driver_id, category=category)

    async def answer(
        self,
        tenant: str,
        driver_id: int,
        answer: str,
        now: datetime,
        posted: MessageRef | None = None,
    ) -> None:
        """Record leadership's answer (`posted`: the message it went out as; without it, the
        one kept stays); what will not change moves to the cannot-control list."""
        if answer not in ANSWERS:
            raise ValueError(f"unknown answer {answer!r}")
        category = "cannot" if answer == "unlikely" else "leadership"
        values: dict[str, object] = {"answer": answer, "answered_at": now, "category": category}
        if posted is not None:
            values["answer_post"] = posted.model_dump_json()
        await self._set(tenant, driver_id, **values)

    async def withdraw_answer(self, tenant: str, driver_id: int) -> None:
        """Take leadership's answer back: the driver is unanswered on the leadership list again
        (one answered "unlikely" comes back from the cannot-control list)."""
        await self._set(
            tenant,
            driver_id,
            answer=None,
            answered_at=None,
            answer_post=None,
            category="leadership",
        )

    async def record_progress(self, tenant: str, driver_id: int, text: str, now: datetime) -> None:
        """Keep leadership's latest progress note on a driver."""
        await self._set(tenant, driver_id, progress=text, progress_at=now)

    async def take_back_progress(
        self, tenant: str, driver_id: int, text: str, before: str | None
    ) -> None:
        """Put back the progress note from `before` a deleted one, if `text` is still the
        latest (a newer one stays)."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(DriverRow)
                .where(
                    DriverRow.tenant_id == tenant,
                    DriverRow.id == driver_id,
                    DriverRow.progress == text,
                )
                .values(
                    progress=before, progress_at=None if before is None else DriverRow.progress_at
                )
            )

    async def _set(self, tenant: str, driver_id: int, **values: object) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(DriverRow)
                .where(DriverRow.tenant_id == tenant, DriverRow.id == driver_id)
                .values(**values)
            )

    async def own_ids(self, tenant: str, person: str) -> list[int]:
        """The ids of the drivers `person` added, for their eyes only."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(DriverRow.id, DriverRow.author_token).where(
                    DriverRow.tenant_id == tenant, DriverRow.author_token.is_not(None)
                )
            )
            return [
                driver_id
                for driver_id, token in rows.all()
                if token == item_token(person, _TOKEN_KIND, driver_id)
            ]

    async def count_added_by(self, tenant: str, person: str) -> int:
        """How many drivers `person` added (never which, to anyone else)."""
        return len(await self.own_ids(tenant, person))

    async def forget(self, tenant: str, person: str) -> int:
        """Delete the drivers `person` added."""
        ids = await self.own_ids(tenant, person)
        if not ids:
            return 0
        async with self._sessions.begin() as session:
            await session.execute(
                delete(DriverRow).where(DriverRow.tenant_id == tenant, DriverRow.id.in_(ids))
            )
        return len(ids)

    async def held_about(self, tenant: str, person: str) -> tuple[str, ...]:
        """How many drivers they added, never which to anyone else."""
        return (
            f"Drivers you added to a board: {await self.count_added_by(tenant, person)}, marked "
            "so that only you can find them; nobody else can see who added what",
        )

    async def forget_person(self, tenant: str, person: str, deletion: Deletion) -> Forgotten:
        """The drivers they added."""
        return Forgotten(f"{await self.forget(tenant, person)} driver(s) you added")
