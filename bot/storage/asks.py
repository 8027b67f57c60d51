"""Anonymous questions to leadership and "what would help?" suggestions. No row names a person.

An ask keeps the place it was asked in only when that place is shared (a channel): a direct
message belongs to one person, so an ask from one keeps no place at all. The asker holds a reply
code; the row keeps only its digest. Suggestions keep no place either, and while a batch waits,
each keeps a token that tells distinct people apart within that batch only; the release erases it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cachetools import TTLCache
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import MessageRef
from bot.storage.numbering import add_numbered
from bot.storage.personal import Deletion, Forgotten, PersonalData
from bot.storage.tables import AskRow, SuggestionRow
from bot.storage.tokens import item_token

# What an ask or suggestion from a place that belongs to one person stores as its place.
NO_PLACE = ""
# How long a tenant found with no question waiting is trusted to have none: every facilitator's
# request looks, and a question left waiting by another replica is seen within this time.
QUIET_SECONDS = 5.0
QUIET_TENANTS = 10_000


@dataclass(frozen=True)
class Ask:
    """A question as facilitators and leaders see it: an alias, never an author."""

    id: int  # inside the bot only; people see `number`
    place: str
    alias: str
    text: str
    status: str
    answer: str | None
    # Whether facilitators were sent it; a question asked while none could read it waits.
    delivered: bool = True
    # The team's own number for it, the one people see and type.
    number: int = 0
    # The bot's message its answer was posted as, when there is one to correct.
    answer_post: MessageRef | None = None

    @property
    def from_shared_place(self) -> bool:
        """Whether it was asked in a channel, where its answer can be posted."""
        return self.place != NO_PLACE


def _ask(row: AskRow) -> Ask:
    return Ask(
        row.id,
        row.place,
        row.alias,
        row.text,
        row.status,
        row.answer,
        row.delivered_at is not None,
        row.number,
        MessageRef.model_validate_json(row.answer_post) if row.answer_post else None,
    )


@dataclass(frozen=True)
class Batch:
    """A released batch of suggestions: its rows' ids and its texts, in a meaningless order."""

    ids: tuple[int, ...]
    texts: list[str]


@dataclass(frozen=True)
class Waiting:
    """What waits for a facilitator: questions and released suggestion batches."""

    asks: list[Ask] = field(default_factory=list)
    batches: list[Batch] = field(default_factory=list)


def _batches(rows: Sequence[SuggestionRow]) -> list[Batch]:
    """Released rows, grouped into the batches they were released in (oldest first)."""
    grouped: dict[datetime | None, list[SuggestionRow]] = {}
    for row in sorted(rows, key=lambda found: found.id):
        grouped.setdefault(row.released_at, []).append(row)
    return [
        Batch(tuple(r.id for r in batch), sorted(r.text for r in batch))
        for batch in grouped.values()
    ]


async def _claim(
    session: AsyncSession,
    table: type[AskRow] | type[SuggestionRow],
    unsent: tuple[ColumnElement[bool], ...],
    ids: Sequence[int],
    now: datetime,
) -> list[int]:
    """Mark each row delivered only while it still waits: the ids this call alone took."""
    taken = []
    for row_id in sorted(ids):
        result = await session.execute(
            update(table).where(*unsent, table.id == row_id).values(delivered_at=now)
        )
        if getattr(result, "rowcount", 0) == 1:
            taken.append(row_id)
    return taken


class AskStore(PersonalData):
    """Asks and suggestions, within one tenant."""

    # Suggestions waiting for a batch carry a token made from their author's pseudonym.
    tables = ("suggestions",)

    def __init__(
        self, sessions: async_sessionmaker[Any], quiet_seconds: float = QUIET_SECONDS
    ) -> None:
        self._sessions = sessions
        self._quiet: TTLCache[str, bool] = TTLCache(QUIET_TENANTS, quiet_seconds)

    async def add_ask(
        self,
        tenant: str,
        place: str,
        text: str,
        now: datetime,
        *,
        reply_digest: str,
        delivering: bool = True,
    ) -> Ask:
        """Keep a new question and its reply code's digest; its alias is its team's number.

        `delivering`: it is about to be sent to facilitators, so it is stored as delivered and no
        facilitator's request at the same moment sends it too; `put_back` returns it if the
        send reaches nobody. Without it, the question waits for a facilitator.
        """

        def make() -> AskRow:
            return AskRow(
                tenant_id=tenant,
                place=place,
                alias="",
                text=text,
                status="new",
                created_at=now,
                reply_digest=reply_digest,
                delivered_at=now if delivering else None,
            )

        async def named(_: AsyncSession, row: AskRow) -> None:
            row.alias = f"Question #{row.number}"

        row = await add_numbered(self._sessions, make, AskRow, tenant, named)
        if not delivering:
            self._quiet.pop(tenant, None)
        return _ask(row)

    async def get_ask(self, tenant: str, number: int) -> Ask | None:
        """One question in this tenant, by the number people see."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(AskRow).where(AskRow.tenant_id == tenant, AskRow.number == number)
            )
        return _ask(row) if row else None

    async def take_waiting(self, tenant: str, now: datetime) -> Waiting:
        """The questions and suggestion batches waiting for a facilitator, taken by this call.

        Called on every facilitator's request, so a tenant found with nothing waiting is not
        asked again for `quiet_seconds`. Each row is taken only while it still waits: two
        requests at once never both send it. A send that then reaches nobody returns it with
        `put_back`.
        """
        if tenant in self._quiet:
            return Waiting()
        asks = AskRow.tenant_id == tenant, AskRow.delivered_at.is_(None)
        batches = (
            SuggestionRow.tenant_id == tenant,
            SuggestionRow.released_at.is_not(None),
            SuggestionRow.delivered_at.is_(None),
        )
        async with self._sessions() as session:
            ask_ids = (await session.scalars(select(AskRow.id).where(*asks))).all()
            suggestion_ids = (await session.scalars(select(SuggestionRow.id).where(*batches))).all()
        if not ask_ids and not suggestion_ids:
            self._quiet[tenant] = True
            return Waiting()
        async with self._sessions.begin() as session:
            took_asks = await _claim(session, AskRow, asks, ask_ids, now)
            took_suggestions = await _claim(session, SuggestionRow, batches, suggestion_ids, now)
            ask_rows = await session.scalars(
                select(AskRow).where(AskRow.tenant_id == tenant, AskRow.id.in_(took_asks))
            )
            suggestion_rows = await session.scalars(
                select(SuggestionRow).where(
                    SuggestionRow.tenant_id == tenant, SuggestionRow.id.in_(took_suggestions)
                )
            )
            return Waiting(
                sorted((_ask(row) for row in ask_rows.all()), key=lambda ask: ask.id),
                _batches(suggestion_rows.all()),
            )

    async def put_back(
        self, tenant: str, ask_ids: Sequence[int], suggestion_ids: Sequence[int] = ()
    ) -> None:
        """Put questions and suggestions back to wait: no facilitator could be reached."""
        if not ask_ids and not suggestion_ids:
            return
        async with self._sessions.begin() as session:
            for table, ids in ((AskRow, ask_ids), (SuggestionRow, suggestion_ids)):
                if ids:
                    await session.execute(
                        update(table)
                        .where(table.tenant_id == tenant, table.id.in_(ids))
                        .values(delivered_at=None)
                    )
        self._quiet.pop(tenant, None)

    async def count_waiting(self, tenant: str) -> int:
        """How many questions wait for a facilitator."""
        async with self._sessions() as session:
            found = await session.scalar(
                select(func.count()).where(
                    AskRow.tenant_id == tenant, AskRow.delivered_at.is_(None)
                )
            )
        return int(found or 0)

    async def by_reply_digest(self, tenant: str, reply_digest: str) -> Ask | None:
        """The question whose asker holds the code with this digest."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(AskRow).where(
                    AskRow.tenant_id == tenant, AskRow.reply_digest == reply_digest
                )
            )
        return _ask(row) if row else None

    async def open_asks(self, tenant: str) -> list[Ask]:
        """Questions not yet answered, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AskRow)
                .where(AskRow.tenant_id == tenant, AskRow.status != "answered")
                .order_by(AskRow.id)
            )
            return [_ask(row) for row in rows.all()]

    async def listing(self, tenant: str) -> list[Ask]:
        """Every question, answered ones too, by number."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AskRow).where(AskRow.tenant_id == tenant).order_by(AskRow.number)
            )
            return [_ask(row) for row in rows.all()]

    async def released_batches(self, tenant: str) -> list[Batch]:
        """The suggestion batches released so far, oldest first; never one still waiting."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SuggestionRow).where(
                    SuggestionRow.tenant_id == tenant, SuggestionRow.released_at.is_not(None)
                )
            )
            return _batches(rows.all())

    async def set_status(
        self,
        tenant: str,
        ask_id: int,
        status: str,
        answer: str | None = None,
        posted: MessageRef | None = None,
    ) -> None:
        """Mark a question forwarded or answered (`posted`: the message the answer went out as)."""
        values: dict[str, object] = {"status": status}
        if answer is not None:
            values["answer"] = answer
        if posted is not None:
            values["answer_post"] = posted.model_dump_json()
        async with self._sessions.begin() as session:
            await session.execute(
                update(AskRow).where(AskRow.tenant_id == tenant, AskRow.id == ask_id).values(values)
            )

    async def withdraw_answer(self, tenant: str, ask_id: int) -> None:
        """Take an answered question's answer back: it is with leaders again, unanswered.

        Back to `forwarded`, not `new`: leaders already have it, so no facilitator need pass it
        on again, and `ask answer N` answers it as a first answer.
        """
        async with self._sessions.begin() as session:
            await session.execute(
                update(AskRow)
                .where(AskRow.tenant_id == tenant, AskRow.id == ask_id, AskRow.status == "answered")
                .values(status="forwarded", answer=None, answer_post=None)
            )

    async def add_suggestion(
        self, tenant: str, author: str, text: str, now: datetime, group_size: int
    ) -> list[str]:
        """Keep `author`'s suggestion; once `group_size` distinct people wait, release them all.

        `author` is the person's pseudonym; only a token of it and the batch is kept, and only
        until the release. Returns the released texts (empty until a batch is complete), in a
        stable but meaningless order, so that nobody can match a suggestion to when it was written.
        A released batch waits for a facilitator like a question (`take_waiting`).
        """
        async with self._sessions.begin() as session:
            # The insert comes first: it takes SQLite's write lock, and the locking read below
            # waits for a release under way on PostgreSQL, so the batch number read next is never
            # stale (a stale one would count the same person twice).
            row = SuggestionRow(tenant_id=tenant, place=NO_PLACE, text=text, created_at=now)
            session.add(row)
            await session.flush()
            waiting = (
                await session.scalars(
                    select(SuggestionRow)
                    .where(SuggestionRow.tenant_id == tenant, SuggestionRow.released_at.is_(None))
                    .order_by(SuggestionRow.id)
                    .with_for_update()
                )
            ).all()
            released = await session.scalar(
                select(func.count()).where(
                    SuggestionRow.tenant_id == tenant, SuggestionRow.released_at.is_not(None)
                )
            )
            # The batch is named by how many suggestions the tenant has released before it, so
            # the same person's tokens in two batches never match.
            row.author_token = item_token(author, "suggestion-batch", released or 0)
            # Rows from before tokens existed count as nobody: they wait for a full group.
            people = {r.author_token for r in waiting if r.author_token is not None}
            if len(people) < group_size:
                return []
            for waiting_row in waiting:
                waiting_row.released_at = now
                waiting_row.author_token = None
            texts = sorted(r.text for r in waiting)
        self._quiet.pop(tenant, None)
        return texts

    async def held_about(self, tenant: str, person: str) -> tuple[str, ...]:
        """Their suggestions still waiting for a batch; questions keep no link at all."""
        async with self._sessions() as session:
            waiting = len(await self._waiting_of(session, tenant, person))
        return (
            f"Suggestions waiting for enough people to write: {waiting}; once shared, and "
            "questions (`ask`) always, they keep no link to you at all",
        )

    async def forget_person(self, tenant: str, person: str, deletion: Deletion) -> Forgotten:
        """Their suggestions still waiting for a batch (shared ones keep no link to them)."""
        async with self._sessions.begin() as session:
            waiting = await self._waiting_of(session, tenant, person)
            for row in waiting:
                await session.delete(row)
        return Forgotten(f"{len(waiting)} suggestion(s) waiting to be shared" if waiting else None)

    async def _waiting_of(
        self, session: AsyncSession, tenant: str, person: str
    ) -> Sequence[SuggestionRow]:
        released = await session.scalar(
            select(func.count()).where(
                SuggestionRow.tenant_id == tenant, SuggestionRow.released_at.is_not(None)
            )
        )
        token = item_token(person, "suggestion-batch", released or 0)
        found = await session.scalars(
            select(SuggestionRow).where(
                SuggestionRow.tenant_id == tenant,
                SuggestionRow.released_at.is_(None),
                SuggestionRow.author_token == token,
            )
        )
        return found.all()
