"""Conversation references per tenant: where the bot may post unprompted, saved on every turn."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from adapters.teams.tables import TeamsReferenceRow
from bot.storage.upsert import upsert

log = logging.getLogger(__name__)

Reference = dict[str, Any]
# A channel thread's conversation id is the channel's id plus this and the root message id.
THREAD_MARK = ";messageid="


def channel_of(conversation_id: str) -> str:
    """The channel a thread belongs to (the id itself for anything else)."""
    return conversation_id.split(THREAD_MARK, 1)[0]


def _untitled(conversation_id: str) -> str:
    # Teams sent no name yet (it names a team on install); the id's tail still tells them apart.
    return f"A channel or chat ({conversation_id.split('@')[0][-6:]})"


class ReferenceStore:
    """Saved references, always within one tenant; unchanged references are not rewritten."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions
        # What this process last wrote, so a busy conversation costs no write per message.
        self._written: dict[tuple[str, str], tuple[str, str | None]] = {}

    async def save(
        self,
        tenant: str,
        reference: Reference,
        *,
        kind: str,
        user_id: str | None = None,
        team_id: str | None = None,
        title: str | None = None,
    ) -> None:
        """Insert or refresh the reference for its conversation (threads count as their channel).

        Teams names a team and channel only in some activities, so a missing title keeps the one
        stored before.
        """
        conversation_id = channel_of(str(reference["conversation"]["id"]))
        reference = {**reference, "conversation": {**reference["conversation"]}}
        reference["conversation"]["id"] = conversation_id
        # A stored reference addresses the conversation, never an old message in it.
        reference.pop("activityId", None)
        encoded = json.dumps(reference, sort_keys=True)
        key = (tenant, conversation_id)
        written = self._written.get(key)
        if written is not None and written[0] == encoded and title in (None, written[1]):
            return
        values = {
            "tenant_id": tenant,
            "conversation_id": conversation_id,
            "kind": kind,
            "user_id": user_id,
            "team_id": team_id,
            "title": title,
            "reference": encoded,
            "updated_at": datetime.now(UTC),
        }
        async with self._sessions.begin() as session:
            await upsert(
                session,
                TeamsReferenceRow,
                values,
                keys=["tenant_id", "conversation_id"],
                update=[
                    "kind",
                    "user_id",
                    "team_id",
                    "reference",
                    "updated_at",
                    *(["title"] if title is not None else []),
                ],
            )
        self._written[key] = (encoded, title if title is not None else written and written[1])
        log.info("conversation reference saved", extra={"tenant": tenant, "platform": "teams"})

    async def get(self, tenant: str, conversation_id: str) -> Reference | None:
        """The reference for a conversation; a thread gets its channel's, pointed at the thread."""
        async with self._sessions() as session:
            row = await session.get(TeamsReferenceRow, (tenant, channel_of(conversation_id)))
        if row is None:
            return None
        reference: Reference = json.loads(row.reference)
        reference["conversation"]["id"] = conversation_id
        return reference

    async def personal(self, tenant: str, user_id: str) -> Reference | None:
        """The person's personal chat with the bot, if there is one."""
        return await self._first(
            tenant, TeamsReferenceRow.kind == "personal", TeamsReferenceRow.user_id == user_id
        )

    async def places(self, tenant: str) -> list[tuple[str, str]]:
        """Channels and group chats the bot is in, as (title, conversation id), by title."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(TeamsReferenceRow.title, TeamsReferenceRow.conversation_id).where(
                    TeamsReferenceRow.tenant_id == tenant, TeamsReferenceRow.kind != "personal"
                )
            )
            found = [(title or _untitled(conv), conv) for title, conv in rows]
        return sorted(found)

    async def any_in(self, tenant: str) -> Reference | None:
        """Any reference in the tenant (for its service URL and bot account)."""
        return await self._first(tenant)

    async def _first(self, tenant: str, *where: Any) -> Reference | None:
        async with self._sessions() as session:
            encoded = await session.scalar(
                select(TeamsReferenceRow.reference)
                .where(TeamsReferenceRow.tenant_id == tenant, *where)
                .order_by(TeamsReferenceRow.updated_at.desc())
                .limit(1)
            )
        return json.loads(encoded) if encoded is not None else None

    async def remove(
        self, tenant: str, *, conversation_id: str | None = None, team_id: str | None = None
    ) -> int:
        """Forget a conversation, or every conversation of a team; returns how many."""
        conditions = []
        if conversation_id is not None:
            conditions.append(TeamsReferenceRow.conversation_id == channel_of(conversation_id))
        if team_id is not None:
            conditions.append(TeamsReferenceRow.team_id == team_id)
        if not conditions:
            return 0
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(TeamsReferenceRow)
                .where(TeamsReferenceRow.tenant_id == tenant, or_(*conditions))
                .returning(TeamsReferenceRow.conversation_id)
            )
            removed = [row[0] for row in result.all()]
        for conversation in removed:
            self._written.pop((tenant, conversation), None)
        log.info(
            "conversation references removed",
            extra={"tenant": tenant, "platform": "teams", "status": len(removed)},
        )
        return len(removed)
