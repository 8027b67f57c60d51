"""Drafts of leaders' and facilitators' posts, from their preview to their last edit.

Every change of state is one conditional update that says which state it starts from, so of
two presses (a double click on a slow network, two replicas) exactly one moves a draft on.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.messages import MessageRef
from bot.storage.rollout_records import utc
from bot.storage.tables import PostDraftRow

# Long enough to come back to after a meeting, short enough that an old preview posts nothing.
DRAFT_HOURS = 24
# How long a posted message can still be changed or deleted from its confirmation.
EDITABLE_DAYS = 30

Status = Literal["draft", "posting", "posted", "scheduled", "cancelled", "deleting", "deleted"]


@dataclass(frozen=True)
class PostDraft:
    """One post as its author sees it: the words, where they go, and what became of them."""

    id: str
    tenant: str
    kind: str
    author: str
    address: str
    text: str
    status: Status
    expires_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    revision: str | None = None
    posted: MessageRef | None = None

    def expired(self, now: datetime) -> bool:
        """Whether its buttons have stopped working."""
        return self.expires_at <= now


def _draft(row: PostDraftRow) -> PostDraft:
    details = json.loads(row.details or "{}")
    return PostDraft(
        id=row.id,
        tenant=row.tenant_id,
        kind=row.kind,
        author=row.author,
        address=row.address,
        text=row.text,
        status=row.status,  # type: ignore[arg-type]
        expires_at=utc(row.expires_at),
        details=details if isinstance(details, dict) else {},
        revision=row.revision,
        posted=MessageRef.model_validate_json(row.posted) if row.posted else None,
    )


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Column values, a MessageRef kept as its JSON."""
    posted = values.get("posted")
    if isinstance(posted, MessageRef):
        return {**values, "posted": posted.model_dump_json()}
    return values


class PostDraftStore:
    """Drafts and the posts they became, within one tenant each."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def create(
        self,
        tenant: str,
        kind: str,
        author: str,
        address: str,
        text: str,
        now: datetime,
        details: dict[str, Any] | None = None,
    ) -> PostDraft:
        """A new draft, good for `DRAFT_HOURS`; expired rows are swept as it is made."""
        row = PostDraftRow(
            id=secrets.token_hex(8),
            tenant_id=tenant,
            kind=kind,
            author=author,
            address=address,
            text=text,
            details=json.dumps(details or {}),
            status="draft",
            created_at=now,
            expires_at=now + timedelta(hours=DRAFT_HOURS),
        )
        async with self._sessions.begin() as session:
            # Sweeping here keeps the table small without a job of its own.
            await session.execute(delete(PostDraftRow).where(PostDraftRow.expires_at <= now))
            session.add(row)
        return _draft(row)

    async def get(self, tenant: str, draft_id: str) -> PostDraft | None:
        """The draft a button names in this tenant, expired or not."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(PostDraftRow).where(
                    PostDraftRow.tenant_id == tenant, PostDraftRow.id == draft_id
                )
            )
            return _draft(row) if row is not None else None

    async def move(
        self,
        draft: PostDraft,
        start: Status,
        now: datetime,
        *,
        revised: str | None = None,
        **values: Any,
    ) -> bool:
        """Change a live draft still in `start` (and, with `revised`, still holding those new
        words); False when another press moved it first, or it has expired."""
        conditions = [
            PostDraftRow.tenant_id == draft.tenant,
            PostDraftRow.id == draft.id,
            PostDraftRow.status == start,
            PostDraftRow.expires_at > now,
        ]
        if revised is not None:
            conditions.append(PostDraftRow.revision == revised)
        values = _stored(values)
        async with self._sessions.begin() as session:
            moved = await session.execute(update(PostDraftRow).where(*conditions).values(**values))
        return bool(moved.rowcount == 1)

    async def settle(self, draft: PostDraft, start: Status, **values: Any) -> None:
        """Record what a press did (the post made, or its state put back), whatever the time:
        the press that moved the draft on holds it until this."""
        values = _stored(values)
        async with self._sessions.begin() as session:
            await session.execute(
                update(PostDraftRow)
                .where(
                    PostDraftRow.tenant_id == draft.tenant,
                    PostDraftRow.id == draft.id,
                    PostDraftRow.status == start,
                )
                .values(**values)
            )

    @staticmethod
    def editable_until(now: datetime) -> datetime:
        """When a post made now stops being editable from its confirmation."""
        return now + timedelta(days=EDITABLE_DAYS)
