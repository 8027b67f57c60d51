"""Scale benchmark: the scheduler's tick as the ledger grows to a million planned rows.

On SQLite, and on PostgreSQL when given a URL, it plans cohorts with 12-section plans in batches
(one transaction, a few large INSERTs), times planning 1,000 teams at once, and at 1k, 10k, 100k
and 1M planned rows times

- an idle tick: the leader's whole run with nothing due (lease, missed posts, backlog, claim,
  next retry) and setting its one wake-up job at the next due post;
- a busy tick: the same when one team's first posts fall due and are sent;
- the next-wake query and a claim with nothing due, alone.

Planning refreshes PostgreSQL's statistics itself (`bot/storage/bulk.py`); nothing else is
tuned. It ends with the query plans of the next-wake and claim queries at the largest size.

    .venv/bin/python bench/scale.py --postgres postgresql://postgres@127.0.0.1:5432/mine
    .venv/bin/python bench/scale.py --quick      # 1k, 10k and 50k rows: well under a minute

The PostgreSQL database must be one of your own: the benchmark empties it first, as the tests
do theirs (never `test` or `postgres`, which CI uses).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bot.messages import MessageRef, Person, Reply, Target  # noqa: E402
from bot.rollouts.plan import Circle, expand, validate  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.storage.engine import create_engine  # noqa: E402
from bot.storage.ledger_tables import DeliveryRow  # noqa: E402
from bot.storage.rollouts import NewRollout  # noqa: E402
from crbot import runtime  # noqa: E402
from scheduler import service as scheduler_service  # noqa: E402
from scheduler.limiter import Limiter  # noqa: E402

SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000, 50_000)
BATCH = 1_000  # teams planned per transaction
IDLE_TICKS = 15
QUERY_RUNS = 50
START = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
# The cohorts' circles: weekly from September, long after every pioneer's.
# Circles are local times, without a zone.
COHORT_START = datetime(2027, 9, 7, 9, 30, tzinfo=UTC).replace(tzinfo=None)
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")


class BenchClock:
    """The bot's clock, moved by the benchmark."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        """The benchmark's time."""
        return self.current


class CountingPort:
    """A ChatPort that only counts: the platform is not what is measured here."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        """Count a post."""
        self.sent += 1
        return MessageRef(tenant=target.tenant, address=target.address, message_id=str(self.sent))

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        """Nothing to update."""

    async def delete(self, ref: MessageRef) -> None:
        """Nothing to delete."""

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        """Count a private message."""
        self.sent += 1
        return MessageRef(tenant=person.tenant, address=person.user_id, message_id="dm")

    async def members(self, target: Target) -> list[Person]:
        """Nobody to remind."""
        return []


@dataclass
class Step:
    """The figures at one ledger size."""

    rows: int
    idle_ms: float
    busy_ms: float
    busy_sent: int
    wake_ms: float
    claim_ms: float


async def median_ms(run: Callable[[], Awaitable[Any]], times: int) -> float:
    """The median wall time of `run`, in milliseconds."""
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        await run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Bench:
    """One database: the bot, its scheduler, and the cohorts planned so far."""

    def __init__(self, bot: runtime.Runtime, clock: BenchClock, url: str) -> None:
        self.bot = bot
        self.clock = clock
        self.port = CountingPort()
        self.teams = 0
        self.pioneers = 0
        self.planning_cpu = 0.0
        self.service = scheduler_service.build(
            bot.core.services, bot.engine, url, {"bench": self.port}, limiter=Limiter({})
        )
        # Only the benchmark ticks: the periodic sweep would land in the middle of a timing.
        self.service.sweep_every = 3600.0
        self.pack = bot.core.services.packs[bot.core.services.options.default_pack].pack

    def cohort(self, number: int, start: datetime, sections: int) -> NewRollout:
        """A team's validated rollout: `sections` weekly circles from `start`, local time."""
        rollouts = self.bot.core.services.rollouts
        zone = ZONES[number % len(ZONES)]
        circles = [Circle(s, start + timedelta(weeks=s - 1)) for s in range(1, sections + 1)]
        now = self.clock.now()
        validate(circles, zone, self.pack, rollouts.cadence, now)
        calendar = rollouts.calendar()
        posts = expand(circles, zone, calendar, rollouts.cadence, self.pack, after=now)
        return NewRollout(f"bench:T{number}", f"C{number}", zone, calendar, circles, None, posts)

    async def plan(self, teams: int) -> float:
        """Plan `teams` more 12-section cohorts in batches; seconds taken (expanding included).

        `self.planning_cpu` keeps the process's CPU seconds of it, which a busy machine does not
        inflate as it does the wall time (the database server's work is not in it)."""
        started = time.perf_counter()
        cpu = time.process_time()
        while teams > 0:
            batch = min(teams, BATCH)
            new = [self.cohort(self.teams + n, COHORT_START, 12) for n in range(batch)]
            await self.bot.core.services.rollouts.store.create_many(new, self.clock.now())
            self.teams += batch
            teams -= batch
        self.planning_cpu = time.process_time() - cpu
        return time.perf_counter() - started

    async def planned(self) -> int:
        """Planned rows in the ledger."""
        async with self.bot.engine.connect() as connection:
            count = await connection.scalar(
                select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == "planned")
            )
        return int(count or 0)

    async def grow_to(self, rows: int) -> None:
        """Plan cohorts until the ledger holds about `rows` planned rows."""
        have = await self.planned()
        while have < rows:
            per_team = max(1, have // max(self.teams, 1)) if self.teams else 200
            await self.plan(max(1, min(BATCH, (rows - have) // per_team)))
            have = await self.planned()

    async def busy_tick(self) -> tuple[float, int]:
        """A pioneer team whose first posts fall due now: the tick that sends them."""
        self.pioneers += 1
        start = START.replace(tzinfo=None) + timedelta(days=8 + 14 * self.pioneers)
        pioneer = self.cohort(100_000 + self.pioneers, start, 1)
        store = self.bot.core.services.rollouts.store
        (rollout_id,) = await store.create_many([pioneer], self.clock.now())
        due = await self.service.sender.ledger.next_wake()
        assert due is not None
        self.clock.current = due
        before = self.port.sent
        started = time.perf_counter()
        await self.service.tick()
        elapsed = (time.perf_counter() - started) * 1000
        # Its later posts would fall due among the next size's ticks.
        await store.set_status(pioneer.tenant, rollout_id, "ended")
        return elapsed, self.port.sent - before

    async def step(self, rows: int) -> Step:
        """The figures at about `rows` planned rows."""
        await self.grow_to(rows)
        ledger = self.service.sender.ledger
        busy_ms, busy_sent = await self.busy_tick()
        idle_ms = await median_ms(self.service.tick, IDLE_TICKS)
        wake_ms = await median_ms(ledger.next_wake, QUERY_RUNS)

        async def claim() -> None:
            assert await ledger.claim("bench", self.clock.now(), 1000) == []

        claim_ms = await median_ms(claim, QUERY_RUNS)
        return Step(await self.planned(), idle_ms, busy_ms, busy_sent, wake_ms, claim_ms)


async def query_plans(engine: AsyncEngine, now: datetime) -> list[str]:
    """The plans of the next-wake query and of a claim with nothing due."""
    from scheduler.ledger import LedgerStore

    ledger = LedgerStore(engine)
    postgres = engine.dialect.name == "postgresql"
    wake = ledger.wake_query()
    claim = ledger.claim_statement("bench", now, 1000)
    lines: list[str] = []
    async with engine.connect() as connection:
        for name, statement in (("next wake", wake), ("claim, nothing due", claim)):
            sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)" if postgres else "EXPLAIN QUERY PLAN"
            transaction = await connection.begin()
            try:
                rows = (await connection.execute(text(f"{prefix} {sql}"))).all()
            finally:
                # EXPLAIN ANALYZE runs the claim's UPDATE: nothing of it is kept.
                await transaction.rollback()
            lines.append(f"-- {name}")
            if postgres:
                lines.extend(row[0] for row in rows)
            else:
                lines.extend(f"{'  ' * _depth(rows, row)}{row[-1]}" for row in rows)
    return lines


def _depth(rows: list[Any], row: Any) -> int:
    """How deep a SQLite plan line sits (its parent chain)."""
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    while parent:
        depth += 1
        parent = parents.get(parent, 0)
    return depth


async def run(url: str, sizes: tuple[int, ...], planning: int, folder: Path) -> None:
    """Every figure for one database."""
    if url.startswith("postgresql"):
        # A clean slate, as the tests make on their own database.
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    clock = BenchClock(START)
    settings = load_settings(
        data_dir=folder,
        database_url=url,
        pseudonym_secret="bench-pseudonym-secret-0123456789",
    )
    bot = await runtime.start(settings, clock=clock)
    bench = Bench(bot, clock, url)
    await bench.service.start()
    try:
        await asyncio.wait_for(bench.service.leading.wait(), 60)
        kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"\n== {kind}")
        steps: list[Step] = []
        planned_at: int | None = None
        planning_s = 0.0
        for size in sizes:
            if planned_at is None and size > planning * 200:
                # Planning a thousand teams at once, timed, on the way to the larger sizes.
                before = await bench.planned()
                planning_s = await bench.plan(planning)
                planned_at = await bench.planned() - before
                print(
                    f"planned {planning} teams (12 sections, {planned_at:,} rows) in "
                    f"{planning_s:.2f} s ({bench.planning_cpu:.2f} s CPU in this process)"
                )
            steps.append(await bench.step(size))
            last = steps[-1]
            print(
                f"{last.rows:>9,} planned rows: idle tick {last.idle_ms:7.2f} ms, busy tick "
                f"{last.busy_ms:7.2f} ms ({last.busy_sent} sent), next wake "
                f"{last.wake_ms:6.3f} ms, claim with nothing due {last.claim_ms:6.3f} ms"
            )
        if planned_at is None:
            before = await bench.planned()
            planning_s = await bench.plan(planning)
            print(f"planned {planning} teams ({await bench.planned() - before:,} rows) in "
                  f"{planning_s:.2f} s ({bench.planning_cpu:.2f} s CPU)")  # fmt: skip
        second = next((s for s in steps if s.rows >= 10_000), steps[0])
        ratio = steps[-1].idle_ms / second.idle_ms
        print(
            f"idle tick at {steps[-1].rows:,} rows is {ratio:.2f}x the tick at "
            f"{second.rows:,} (goal: within 2x); planning {planning} teams took "
            f"{planning_s:.2f} s (goal: under 10 s)"
        )
        for line in await query_plans(bot.engine, clock.now()):
            print(f"  {line}")
    finally:
        await bench.service.stop()
        await bot.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k, 10k and 50k rows")
    parser.add_argument("--postgres", help="a PostgreSQL database of your own, as a URL")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    sizes = QUICK_SIZES if args.quick else SIZES
    planning = 100 if args.quick else 1000
    urls = []
    with tempfile.TemporaryDirectory() as folder:
        if not args.no_sqlite:
            urls.append(f"sqlite+aiosqlite:///{Path(folder) / 'scale.db'}")
        if args.postgres:
            urls.append(args.postgres.replace("postgresql://", "postgresql+asyncpg://", 1))
        for url in urls:
            asyncio.run(run(url, sizes, planning, Path(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
