"""Which replica runs the scheduler: a PostgreSQL advisory lock on a dedicated connection.

The lock lives as long as its session, so it is held on a connection of its own, never a pooled
one (a pooled connection would carry it to the next borrower). If the leader dies, PostgreSQL
ends its session and frees the lock, and another replica's next attempt takes over. SQLite
serves one process, which always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import asyncpg  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

# "crbot" in ASCII: one number every replica agrees on; below 2**31, so pg_locks shows it as objid.
LOCK_KEY = 0x637262
CHECK_TIMEOUT = 5.0


class Leadership(Protocol):
    """Whether this process may send."""

    async def acquire(self) -> bool:
        """Try to become (or stay) the leader, without waiting."""
        ...

    async def holds(self) -> bool:
        """Whether this process still leads (checked before sending)."""
        ...

    async def release(self) -> None:
        """Step down."""
        ...


class SoleLeadership:
    """One process on SQLite: always the leader."""

    async def acquire(self) -> bool:
        """Always."""
        return True

    async def holds(self) -> bool:
        """Always."""
        return True

    async def release(self) -> None:
        """Nothing to release."""


class AdvisoryLeadership:
    """Leadership through `pg_try_advisory_lock` on a connection kept for it alone."""

    def __init__(self, url: str, key: int = LOCK_KEY) -> None:
        # asyncpg takes the plain URL form.
        self._dsn = "postgresql://" + url.split("://", 1)[1]
        self._key = key
        self._connection: asyncpg.Connection | None = None
        # The campaign and the sender both ask about the lock, and a connection runs one query
        # at a time (asyncpg refuses a second): they take turns.
        self._turn = asyncio.Lock()

    async def acquire(self) -> bool:
        """Take the lock if it is free; True while we hold it."""
        if await self.holds():
            return True
        async with self._turn:
            try:
                if self._connection is None or self._connection.is_closed():
                    self._connection = await asyncpg.connect(self._dsn, timeout=CHECK_TIMEOUT)
                got = await self._connection.fetchval("SELECT pg_try_advisory_lock($1)", self._key)
            except (TimeoutError, OSError, asyncpg.PostgresError):
                log.warning("leader election: database unreachable")
                await self._drop()
                return False
        if got:
            log.info("this replica now runs the scheduler")
        return bool(got)

    async def holds(self) -> bool:
        """Ask PostgreSQL whether our session still holds the lock."""
        async with self._turn:
            connection = self._connection
            if connection is None or connection.is_closed():
                return False
            try:
                held = await connection.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND classid = 0 AND objid = $1",
                    self._key,
                    timeout=CHECK_TIMEOUT,
                )
            except (TimeoutError, OSError, asyncpg.PostgresError):
                await self._drop()
                return False
            return bool(held)

    async def release(self) -> None:
        """Unlock and close the dedicated connection."""
        async with self._turn:
            connection = self._connection
            if connection is not None and not connection.is_closed():
                with contextlib.suppress(OSError, asyncpg.PostgresError):
                    await connection.execute("SELECT pg_advisory_unlock_all()")
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            connection.terminate()
