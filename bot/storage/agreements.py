"""A cohort's culture agreements (Section 7): proposals, stars (counted only), what was agreed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.numbering import add_numbered
from bot.storage.personal import Deletion, Forgotten, PersonalData
from bot.storage.tables import AgreementRow, AgreementStarRow
from bot.storage.tokens import item_token
from bot.storage.upsert import upsert

_TOKEN_KIND = "agreement"


@dataclass(frozen=True)
class Agreement:
    """An agreement as everyone sees it: the words, its status and how many starred it."""

    id: int  # inside the bot only; people see `number`
    place: str
    text: str
    status: str  # proposed, agreed, dropped
    stars: int
    number: int = 0


def _agreement(row: AgreementRow, stars: int | None) -> Agreement:
    return Agreement(row.id, row.place, row.text, row.status, int(stars or 0), row.number)


class AgreementStore(PersonalData):
    """Agreements and stars, within one tenant."""

    tables = ("agreement_stars",)

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def propose(self, tenant: str, place: str, text: str, now: datetime) -> Agreement:
        """Keep a proposal; nothing records who made it."""

        def make() -> AgreementRow:
            return AgreementRow(
                tenant_id=tenant, place=place, text=text, status="proposed", created_at=now
            )

        return _agreement(await add_numbered(self._sessions, make, AgreementRow, tenant), 0)

    def _listing(self, tenant: str) -> Any:
        stars = (
            select(func.count())
            .where(
                AgreementStarRow.tenant_id == tenant,
                AgreementStarRow.agreement_id == AgreementRow.id,
            )
            .scalar_subquery()
        )
        return select(AgreementRow, stars).where(AgreementRow.tenant_id == tenant)

    async def get(self, tenant: str, number: int) -> Agreement | None:
        """One agreement in this tenant, by the number people see."""
        query = self._listing(tenant).where(AgreementRow.number == number)
        async with self._sessions() as session:
            found = (await session.execute(query)).first()
        return None if found is None else _agreement(*found)

    async def of_place(self, tenant: str, place: str) -> list[Agreement]:
        """A cohort's agreements and live proposals, oldest first (dropped ones left out)."""
        query = (
            self._listing(tenant)
            .where(AgreementRow.place == place, AgreementRow.status != "dropped")
            .order_by(AgreementRow.id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [_agreement(row, stars) for row, stars in rows]

    async def listing(self, tenant: str) -> list[Agreement]:
        """Every cohort's agreements and live proposals in this tenant, by place and number."""
        query = (
            self._listing(tenant)
            .where(AgreementRow.status != "dropped")
            .order_by(AgreementRow.place, AgreementRow.number)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [_agreement(row, stars) for row, stars in rows]

    async def agreed(self, tenant: str, place: str) -> list[str]:
        """The words of a cohort's agreed agreements, in the order they were agreed."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AgreementRow.text)
                .where(
                    AgreementRow.tenant_id == tenant,
                    AgreementRow.place == place,
                    AgreementRow.status == "agreed",
                )
                .order_by(AgreementRow.agreed_at, AgreementRow.id)
            )
            return list(rows.all())

    async def set_status(self, tenant: str, agreement_id: int, status: str, now: datetime) -> None:
        """Agree or drop an agreement."""
        values: dict[str, object] = {"status": status}
        if status == "agreed":
            values["agreed_at"] = now
        async with self._sessions.begin() as session:
            await session.execute(
                update(AgreementRow)
                .where(AgreementRow.tenant_id == tenant, AgreementRow.id == agreement_id)
                .values(values)
            )

    async def star(self, tenant: str, agreement_id: int, person: str, now: datetime) -> None:
        """Star a proposal for `person` (a pseudonym); starring twice counts once."""
        values = {
            "tenant_id": tenant,
            "agreement_id": agreement_id,
            "voter": item_token(person, _TOKEN_KIND, agreement_id),
            "created_at": now,
        }
        async with self._sessions.begin() as session:
            await upsert(
                session,
                AgreementStarRow,
                values,
                keys=["agreement_id", "voter"],
                update=["created_at"],
            )

    async def unstar(self, tenant: str, agreement_id: int, person: str) -> None:
        """Take back `person`'s star."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(AgreementStarRow).where(
                    AgreementStarRow.tenant_id == tenant,
                    AgreementStarRow.agreement_id == agreement_id,
                    AgreementStarRow.voter == item_token(person, _TOKEN_KIND, agreement_id),
                )
            )

    async def _own_stars(self, tenant: str, person: str) -> list[tuple[int, str]]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(AgreementStarRow.agreement_id, AgreementStarRow.voter).where(
                    AgreementStarRow.tenant_id == tenant
                )
            )
            return [
                (agreement_id, voter)
                for agreement_id, voter in rows.all()
                if voter == item_token(person, _TOKEN_KIND, agreement_id)
            ]

    async def count_stars_of(self, tenant: str, person: str) -> int:
        """How many stars `person` has given."""
        return len(await self._own_stars(tenant, person))

    async def forget(self, tenant: str, person: str) -> int:
        """Take back every star `person` gave."""
        own = await self._own_stars(tenant, person)
        async with self._sessions.begin() as session:
            for agreement_id, voter in own:
                await session.execute(
                    delete(AgreementStarRow).where(
                        AgreementStarRow.tenant_id == tenant,
                        AgreementStarRow.agreement_id == agreement_id,
                        AgreementStarRow.voter == voter,
                    )
                )
        return len(own)

    async def held_about(self, tenant: str, person: str) -> tuple[str, ...]:
        """How many stars they gave; only counts are ever shown."""
        return (
            f"Stars on proposed agreements: {await self.count_stars_of(tenant, person)}, marked "
            "the same way; only counts are shown",
        )

    async def forget_person(self, tenant: str, person: str, deletion: Deletion) -> Forgotten:
        """Every star they gave."""
        return Forgotten(f"{await self.forget(tenant, person)} star(s) you gave")
