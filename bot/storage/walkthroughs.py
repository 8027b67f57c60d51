"""Where each person is in a scenario walkthrough, and their private reflections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.behind import WrittenBehind
from bot.storage.personal import Deletion, Forgotten, PersonalData
from bot.storage.tables import ReflectionRow, WalkthroughRow
from bot.storage.upsert import upsert


@dataclass(frozen=True)
class Position:
    """A person's place in a walkthrough: 0 is the story, then one step at a time."""

    scenario: int
    position: int


@dataclass(frozen=True)
class Reflection:
    """A reflection, returned only to its author."""

    scenario: int
    step: int
    text: str


class WalkthroughStore(PersonalData):
    """Walkthrough positions and reflections, keyed by pseudonym within a tenant.

    A page turned is answered before its place is stored: the place is written just after, in
    the background (`behind.py`), and read from memory until then. Every page's buttons carry
    their absolute place, so a place lost with the process costs at most a typed `next`.
    Reflections are written before the answer, as everything a person writes is.
    """

    tables = ("walkthroughs", "reflections")

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions
        self._places: WrittenBehind[tuple[str, str], tuple[Position, datetime]] = WrittenBehind(
            self._store_places, "walkthrough places"
        )

    async def position(self, tenant: str, person: str) -> Position | None:
        """The person's current walkthrough, if any."""
        unstored = self._places.get((tenant, person))
        if unstored is not None:
            return unstored[0]
        async with self._sessions() as session:
            row = await session.get(WalkthroughRow, (tenant, person))
        return Position(row.scenario, row.position) if row else None

    async def move(
        self, tenant: str, person: str, scenario: int, position: int, now: datetime
    ) -> None:
        """Keep where the person is (stored just after, without holding up the answer)."""
        self._places.put((tenant, person), (Position(scenario, position), now))

    async def saved(self) -> None:
        """Wait until every place kept so far is stored."""
        await self._places.written()

    async def _store_places(self, places: dict[tuple[str, str], tuple[Position, datetime]]) -> None:
        rows = [
            {
                "tenant_id": tenant,
                "person": person,
                "scenario": place.scenario,
                "position": place.position,
                "updated_at": now,
            }
            for (tenant, person), (place, now) in places.items()
        ]
        async with self._sessions.begin() as session:
            await upsert(
                session,
                WalkthroughRow,
                rows,
                keys=["tenant_id", "person"],
                update=["scenario", "position", "updated_at"],
            )

    async def reflect(
        self, tenant: str, author: str, scenario: int, step: int, text: str, now: datetime
    ) -> None:
        """Keep the author's reflection on one step (a new one replaces the old)."""
        async with self._sessions.begin() as session:
            await upsert(
                session,
                ReflectionRow,
                {
                    "tenant_id": tenant,
                    "author": author,
                    "scenario": scenario,
                    "step": step,
                    "text": text,
                    "created_at": now,
                },
                keys=["tenant_id", "author", "scenario", "step"],
                update=["text", "created_at"],
            )

    async def reflections_of(self, tenant: str, author: str) -> list[Reflection]:
        """The author's own reflections, oldest scenario and step first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ReflectionRow)
                .where(ReflectionRow.tenant_id == tenant, ReflectionRow.author == author)
                .order_by(ReflectionRow.scenario, ReflectionRow.step)
            )
            return [Reflection(r.scenario, r.step, r.text) for r in rows.all()]

    async def forget(self, tenant: str, author: str) -> int:
        """Delete the author's reflections and position; returns how many rows went."""
        await self._places.drop((tenant, author))
        async with self._sessions.begin() as session:
            gone = await session.execute(
                delete(ReflectionRow).where(
                    ReflectionRow.tenant_id == tenant, ReflectionRow.author == author
                )
            )
            await session.execute(
                delete(WalkthroughRow).where(
                    WalkthroughRow.tenant_id == tenant, WalkthroughRow.person == author
                )
            )
        return int(getattr(gone, "rowcount", 0) or 0)

    async def held_about(self, tenant: str, person: str) -> tuple[str, ...]:
        """Their reflections (counted) and where they are in a walkthrough."""
        reflections = await self.reflections_of(tenant, person)
        position = await self.position(tenant, person)
        return (
            f"Reflections: {len(reflections)} (only you can read them: `reflections`)",
            "Walkthrough: "
            + (f"scenario {position.scenario}, page {position.position}" if position else "none"),
        )

    async def forget_person(self, tenant: str, person: str, deletion: Deletion) -> Forgotten:
        """Their reflections and walkthrough place."""
        return Forgotten(f"{await self.forget(tenant, person)} reflection(s)")
