"""Which replica runs the scheduler (an advisory lock), and which may send (a lease).

The lock elects: it lives as long as its session, so it is held on a connection of its own, never
a pooled one (a pooled connection would carry it to the next borrower). If the leader dies,
PostgreSQL ends its session and frees the lock, and another replica's next attempt takes over.
SQLite serves one process, which always leads.

The lock cannot fence: a leader cut off from the database loses it without knowing, and would go
on sending what it had claimed while another replica, elected meanwhile, recovered the same rows.
So sending needs a lease as well, a row with a holder, a term and an expiry on the database
server's clock. A holder renews it in the very transaction that claims each slice, and starts a
send only while its own count of the lease (from before it asked) has a margin left; another
replica takes the lease only once it has expired or been handed back, and only then settles the
rows the last holder left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import literal_column, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.ledger_tables import LeaseRow

log = logging.getLogger(__name__)

# "crbot" in ASCII: one number every replica agrees on; below 2**31, so pg_locks shows it as objid.
LOCK_KEY = 0x637262
CHECK_TIMEOUT = 5.0
LEASE_NAME = "sender"
# How long a renewal holds the lease on the server. A replica that dies (or loses the database)
# holds up sending this long at most; a database away for less than this less the margin below
# (20 s) stops no send.
LEASE_SECONDS = 30.0
# A send starts only with this much of the lease left, so a send under way when the holder loses
# the database has time to reach the platform before another replica may look for it there.
SEND_MARGIN = 10.0
# Renewed by the claims of a fan-out; otherwise (long sends, idle leaders) once this old.
RENEW_AFTER = 5.0
# The server's clock in seconds since the epoch, on each database.
SERVER_NOW = {
    "postgresql": "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}


class Leadership(Protocol):
    """Whether this process is elected to run the scheduler (sending needs the lease too)."""

    async def acquire(self) -> bool:
        """Try to become (or stay) the leader, without waiting."""
        ...

    async def holds(self) -> bool:
        """Whether this process still leads."""
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


class Lease:
    """This replica's view of the sending lease: the term it holds, and since when it counts."""

    def __init__(
        self,
        holder: str,
        *,
        seconds: float = LEASE_SECONDS,
        margin: float = SEND_MARGIN,
        renew_after: float = RENEW_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.holder = holder
        self.seconds = seconds
        self.margin = margin
        self.renew_after = renew_after
        self.term: int | None = None
        self._clock = clock
        # When the last successful renewal was asked for, on our clock: the server counts from
        # a later moment, so our deadline always comes first.
        self._asked = float("-inf")
        self._dropped = False

    def live(self) -> bool:
        """Whether a send may start now: the term is ours with the margin still ahead."""
        if self.term is None or self._dropped:
            return False
        return self._clock() < self._asked + self.seconds - self.margin

    def due(self) -> bool:
        """Whether it is time to renew (or the lease is not live at all)."""
        return not self.live() or self._clock() - self._asked > self.renew_after

    def drop(self) -> None:
        """Send nothing more on this term (stepping down); `release` hands it back."""
        self._dropped = True

    async def renew(self, connection: AsyncConnection) -> bool:
        """Extend our term inside the caller's transaction; False once it is not ours."""
        if self.term is None or self._dropped:
            return False
        asked = self._clock()
        found = await connection.scalar(
            update(LeaseRow)
            .where(
                LeaseRow.name == LEASE_NAME,
                LeaseRow.holder == self.holder,
                LeaseRow.term == self.term,
            )
            .values(expires_at=_expiry(connection, self.seconds))
            .returning(LeaseRow.term)
        )
        if found is None:
            log.warning("the sending lease passed to another replica", extra=self._context())
            self.term = None
            return False
        # Even past its expiry a term is renewed if nobody took it meanwhile: nobody else has
        # settled our rows, and we sent nothing after our own deadline.
        self._asked = asked
        return True

    async def keep(self, engine: AsyncEngine) -> bool:
        """Renew in a transaction of its own when it is time; whether the term is still ours."""
        if self.term is None or self._dropped:
            return False
        if not self.due():
            return True
        async with engine.begin() as connection:
            return await self.renew(connection)

    async def take(self, engine: AsyncEngine) -> bool:
        """Start a new term if the lease has expired, was handed back, or is ours already."""
        asked = self._clock()
        async with engine.begin() as connection:
            now: Any = literal_column(SERVER_NOW[connection.dialect.name])
            term = await connection.scalar(
                update(LeaseRow)
                .where(
                    LeaseRow.name == LEASE_NAME,
                    or_(LeaseRow.expires_at <= now, LeaseRow.holder == self.holder),
                )
                .values(
                    holder=self.holder,
                    term=LeaseRow.term + 1,
                    expires_at=_expiry(connection, self.seconds),
                )
                .returning(LeaseRow.term)
            )
            if term is None:
                term = await self._first(connection)
        if term is None:
            return False
        self.term, self._asked, self._dropped = int(term), asked, False
        log.info("this replica now holds the sending lease", extra=self._context())
        return True

    async def release(self, engine: AsyncEngine) -> None:
        """Hand our term back, so another replica need not wait for it to expire."""
        term, self.term = self.term, None
        if term is None:
            return
        async with engine.begin() as connection:
            await connection.execute(
                update(LeaseRow)
                .where(
                    LeaseRow.name == LEASE_NAME,
                    LeaseRow.holder == self.holder,
                    LeaseRow.term == term,
                )
                .values(expires_at=0.0)
            )

    async def _first(self, connection: AsyncConnection) -> int | None:
        """The first term ever, if there is no lease row yet; None if another one holds it."""
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        added = await connection.execute(
            insert(LeaseRow)
            .values(
                name=LEASE_NAME,
                holder=self.holder,
                term=1,
                expires_at=_expiry(connection, self.seconds),
            )
            .on_conflict_do_nothing(index_elements=["name"])
        )
        # No row added: there is one, and it is not free.
        return 1 if added.rowcount == 1 else None

    def _context(self) -> dict[str, Any]:
        return {"status": f"term {self.term}"}


def _expiry(connection: AsyncConnection, seconds: float) -> Any:
    """The server's clock now plus `seconds`."""
    return literal_column(SERVER_NOW[connection.dialect.name]) + seconds
