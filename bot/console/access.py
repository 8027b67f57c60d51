"""Who may open the console: one-time sign-in links sent in chat, and the sessions they open.

Tokens are 256 random bits handed to the person (in a link, then in a cookie); the database keeps
only their SHA-256 digests, so a copy of it signs nobody in. Both live in the database rather
than in memory, so whichever replica a browser reaches knows them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.console_tables import ConsoleLinkRow, ConsoleSessionRow

# Long enough to switch from chat to a browser, short enough that a forwarded or logged link is
# soon worth nothing.
LINK_MINUTES = 10
# A working session; after it the person asks the bot for a new link.
SESSION_HOURS = 8
# Roles that may open the console; everyone else is told so kindly.
CONSOLE_ROLES = frozenset({"facilitator", "leader"})


def digest(token: str) -> str:
    """What is stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    """The token every form of a session carries: derived from the session, so nothing more is
    stored, and useless without the session cookie another site cannot read."""
    return hmac.new(session_token.encode(), b"console-form", hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, given: str) -> bool:
    """Whether a submitted form token belongs to the session, compared in constant time."""
    return hmac.compare_digest(csrf_token(session_token).encode(), given.encode(errors="replace"))


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in person: the tenant they act in, and who they are there."""

    tenant: str
    user_id: str
    expires_at: datetime


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class ConsoleSessionStore:
    """Issues links, turns a link into a session once, and recognises sessions."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def issue_link(self, tenant: str, user_id: str, now: datetime) -> str:
        """A new one-time link token for the person; expired links and sessions are swept."""
        token = secrets.token_urlsafe(32)
        async with self._sessions.begin() as session:
            # Sweeping here keeps both tables small without a job of their own.
            await session.execute(delete(ConsoleLinkRow).where(ConsoleLinkRow.expires_at <= now))
            await session.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at <= now)
            )
            session.add(
                ConsoleLinkRow(
                    digest=digest(token),
                    tenant_id=tenant,
                    user_id=user_id,
                    created_at=now,
                    expires_at=now + timedelta(minutes=LINK_MINUTES),
                )
            )
        return token

    async def redeem(self, link_token: str, now: datetime) -> tuple[str, ConsoleSession] | None:
        """Spend a link: a new session token and its session, or None if the link is unknown,
        used or expired. Of two browsers racing with one link, exactly one wins."""
        key = digest(link_token)
        async with self._sessions.begin() as session:
            # One conditional update decides, on every database and across replicas.
            spent = await session.execute(
                update(ConsoleLinkRow)
                .where(
                    ConsoleLinkRow.digest == key,
                    ConsoleLinkRow.used_at.is_(None),
                    ConsoleLinkRow.expires_at > now,
                )
                .values(used_at=now)
            )
            if spent.rowcount != 1:
                return None
            link = await session.get(ConsoleLinkRow, key)
            assert link is not None  # just updated in this transaction
            token = secrets.token_urlsafe(32)
            expires = now + timedelta(hours=SESSION_HOURS)
            session.add(
                ConsoleSessionRow(
                    digest=digest(token),
                    tenant_id=link.tenant_id,
                    user_id=link.user_id,
                    created_at=now,
                    expires_at=expires,
                )
            )
            return token, ConsoleSession(link.tenant_id, link.user_id, expires)

    async def session(self, session_token: str, now: datetime) -> ConsoleSession | None:
        """The session a cookie names, unless it has expired or was ended."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(ConsoleSessionRow).where(
                    ConsoleSessionRow.digest == digest(session_token),
                    ConsoleSessionRow.expires_at > now,
                )
            )
            if row is None:
                return None
            return ConsoleSession(row.tenant_id, row.user_id, _aware(row.expires_at))

    async def end(self, session_token: str) -> None:
        """Sign out: the cookie names nothing any more."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.digest == digest(session_token))
            )


def seal(session_token: str, text: str) -> str:
    """A seal on words the console shows after a redirect, so that only the session's own
    changes are shown, never words another site put in a link."""
    return hmac.new(
        session_token.encode(), b"console-notice:" + text.encode(), hashlib.sha256
    ).hexdigest()


def seal_matches(session_token: str, text: str, given: str) -> bool:
    """Whether a seal is the session's own for these words, compared in constant time."""
    return hmac.compare_digest(seal(session_token, text).encode(), given.encode(errors="replace"))
