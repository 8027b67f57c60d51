"""Check-in reminder preferences, and which pseudonyms answered a poll; never what they answered."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.personal import Deletion, Forgotten, PersonalData
from bot.storage.tables import PollAnswerRow, PreferenceRow
from bot.storage.upsert import upsert

PREFERENCE = "checkin_reminders"


class ReminderStore(PersonalData):
    """Reminder preferences, and which of some pseudonyms answered a poll; within one tenant."""

    tables = ("preferences",)

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def set_wanted(self, tenant: str, person: str, wanted: bool, now: datetime) -> None:
        """Turn a person's reminders on (the default, so nothing is kept) or off."""
        async with self._sessions.begin() as session:
            if wanted:
                await session.execute(
                    delete(PreferenceRow).where(
                        PreferenceRow.tenant_id == tenant,
                        PreferenceRow.person == person,
                        PreferenceRow.name == PREFERENCE,
                    )
                )
                return
            values = {
                "tenant_id": tenant,
                "person": person,
                "name": PREFERENCE,
                "value": "off",
                "updated_at": now,
            }
            keys = ["tenant_id", "person", "name"]
            await upsert(session, PreferenceRow, values, keys=keys, update=["value", "updated_at"])

    async def forget(self, tenant: str, person: str) -> int:
        """Delete every preference a person set (`privacy delete-me`); returns how many."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(PreferenceRow).where(
                    PreferenceRow.tenant_id == tenant, PreferenceRow.person == person
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def turned_off(self, tenant: str, people: Collection[str]) -> set[str]:
        """Which of these pseudonyms turned reminders off."""
        return await self._among(
            people,
            PreferenceRow.person,
            PreferenceRow.tenant_id == tenant,
            PreferenceRow.name == PREFERENCE,
            PreferenceRow.value == "off",
        )

    async def answered(self, tenant: str, poll_id: str, people: Collection[str]) -> set[str]:
        """Which of these pseudonyms answered the poll (never what they answered)."""
        return await self._among(
            people,
            PollAnswerRow.respondent,
            PollAnswerRow.tenant_id == tenant,
            PollAnswerRow.poll_id == poll_id,
        )

    async def _among(self, people: Collection[str], column: Any, *where: Any) -> set[str]:
        if not people:
            return set()
        async with self._sessions() as session:
            rows = await session.scalars(select(column).where(*where, column.in_(sorted(people))))
            return set(rows.all())

    async def held_about(self, tenant: str, person: str) -> tuple[str, ...]:
        """Whether they turned check-in reminders off."""
        off = bool(await self.turned_off(tenant, [person]))
        return (
            "Check-in reminders: "
            + ("off (kept under the same code as your answers)" if off else "on"),
        )

    async def forget_person(self, tenant: str, person: str, deletion: Deletion) -> Forgotten:
        """Their preferences: reminders come back on."""
        if not await self.forget(tenant, person):
            return Forgotten()
        return Forgotten(
            note="Check-in reminders are on again; `checkin reminders off` stops them."
        )
