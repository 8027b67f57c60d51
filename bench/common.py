"""What the benchmarks share: percentiles, timed request loops, and serving an app on loopback.

Each benchmark puts the repository root on `sys.path` and then imports `bench.common`.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.tables import PollAnswerRow

# One request, numbered: the number picks which person (or payload) it is.
Post = Callable[[int], Awaitable[None]]


# The tenant and the poll ids the raw upsert writes to: no check-in has them.
RAW_TENANT = "slack:T1"
RAW_POLLS = 8


@dataclass
class People:
    """Everyone who answers, each once: a fresh user id (and pseudonym) for every answer."""

    numbers: Iterator[int] = field(default_factory=itertools.count)

    def next(self, prefix: str) -> str:
        return f"{prefix}{next(self.numbers)}"


def raw_upsert(database: async_sessionmaker[Any], dialect: str, people: People) -> Post:
    """One answer row inserted (or updated) in its own transaction, nothing else: the least any
    stored answer costs."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = datetime.now(UTC)

    async def post(n: int) -> None:
        statement = insert(PollAnswerRow).values(
            tenant_id=RAW_TENANT,
            poll_id=f"raw-{n % RAW_POLLS}",
            respondent=people.next("raw"),
            value=n % 6,
            answered_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["poll_id", "respondent"],
            set_={"value": statement.excluded.value, "answered_at": statement.excluded.answered_at},
        )
        async with database.begin() as session:
            await session.execute(statement)

    return post


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0 < q < 100), interpolated between the nearest samples."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=1000, method="inclusive")[round(q * 10) - 1]


async def latencies(post: Post, count: int) -> list[float]:
    """`count` requests one after another, each timed, in milliseconds."""
    timings = []
    for n in range(count):
        started = time.perf_counter()
        await post(n)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def interleaved(posts: Mapping[str, Post], count: int) -> dict[str, list[float]]:
    """`count` requests to each server, taking turns request by request, each timed in
    milliseconds: whatever drifts during the run (other work, the CPU's clock) hits all alike."""
    timings: dict[str, list[float]] = {name: [] for name in posts}
    for n in range(count):
        for name, post in posts.items():
            started = time.perf_counter()
            await post(n)
            timings[name].append((time.perf_counter() - started) * 1000)
    return timings


async def throughput(post: Post, count: int, concurrency: int) -> float:
    """Requests per second with `concurrency` of them in flight."""
    numbers = iter(range(count))

    async def worker() -> None:
        for n in numbers:
            await post(n)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


async def serve(app: web.Application) -> tuple[str, web.AppRunner]:
    """Serve on 127.0.0.1, a free port: the root URL and the runner (clean it up after)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return f"http://127.0.0.1:{runner.addresses[0][1]}", runner


def answering_200() -> web.Application:
    """A server that answers any POST with an empty 200 at once: the benchmark client's own cost
    (its signing, the connection, aiohttp on both ends), to be taken off both sides of a ratio."""

    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/{path:.*}", ok)
    return app
