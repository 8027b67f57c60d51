"""Two schedulers on one private PostgreSQL whose server is killed mid fan-out and started again,
round after round; what the fake platform received is counted against what was planned.

The fault test runs a few rounds; `bench/failover.py` runs more and prints the figures.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from bot.messages import Target
from bot.rollouts.plan import Circle, parse_local
from bot.settings import Settings
from bot.storage.ledger_tables import DeliveryRow
from crbot import runtime
from scheduler import service as scheduler_service
from scheduler.limiter import Limiter, Limits, Rate
from tests.deliveries import CIRCLE, ONE_POST_KINDS
from tests.fakes.chat_platform import FakePlatform, HttpPort
from tests.private_postgres import PrivatePostgres

WORKSPACES = 4
CHANNELS = 40
# Smaller than the fan-out, so each round claims several slices, each fenced on its own.
BATCH = 200
# Each channel takes about this many posts a second (as Slack does, one): a fan-out of a few
# hundred posts lasts longer than the server is away, so sending goes on throughout.
CHANNEL_RATE = Rate(1.5, 1.0)
# Posts start going out a moment after each round begins; the server is killed once this share
# of them has arrived.
CUT_AT = 0.25
DEADLINE = 90.0
DONE = frozenset({"sent", "failed", "missed", "uncertain", "skipped", "cancelled"})


class BlindPort(HttpPort):
    """A port that cannot look a post up again, like the real Slack and Teams ports."""

    delivered = None  # type: ignore[assignment]


@dataclass
class Replica:
    """One scheduler process: its own engine, core, port and scheduler service."""

    bot: runtime.Runtime
    service: scheduler_service.SchedulerService
    # The port the sender uses, under the platform name, and both kinds to choose from.
    ports: dict[str, HttpPort]
    lookup: HttpPort
    blind: BlindPort

    def choose(self, lookup: bool) -> None:
        """Send through a port that can (or cannot) look a post up."""
        self.ports["fake"] = self.lookup if lookup else self.blind


@dataclass(frozen=True)
class Round:
    """What one round planned and what the platform received."""

    posts: int
    duplicates: int
    lost: int
    statuses: Counter[str]
    down: float
    lookup: bool


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll `condition` until it holds, or fail at the deadline."""
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not await condition():
        if loop.time() > end:
            raise AssertionError(f"not before the deadline: {what}")
        await asyncio.sleep(0.05)


class Failover:
    """The rig: a private cluster, a fake platform, and two replicas that schedule against it."""

    def __init__(self, server: PrivatePostgres, data: Path, *, delay: float = 0.004) -> None:
        self.server = server
        self.data = data
        # One post at a time, `delay` each: the fan-out lasts long enough to be cut midway.
        self.fake = FakePlatform(delay=delay)
        self.replicas: list[Replica] = []
        self.rows: dict[int, str] = {}

    def settings(self) -> Settings:
        """The settings both replicas run with."""
        return Settings(
            database_url=self.server.url,  # type: ignore[call-arg]
            data_dir=self.data,
            pseudonym_secret="test-pseudonym-secret-0123456789",
        )

    async def start(self) -> None:
        """Serve the fake, plan the rollouts, and start two replicas."""
        await self.fake.start()
        for number in range(2):
            bot = await runtime.start(self.settings())
            if number == 0:
                await self._plan(bot)
            lookup, blind = HttpPort(self.fake.url), BlindPort(self.fake.url)
            ports: dict[str, HttpPort] = {"fake": lookup}
            service = scheduler_service.build(
                bot.core.services,
                bot.engine,
                self.server.url,
                ports,
                limiter=Limiter({"fake": Limits(channel=CHANNEL_RATE, workspace=None)}),
            )
            service.sender.batch = BATCH
            self.replicas.append(Replica(bot, service, ports, lookup, blind))
        for replica in self.replicas:
            await replica.service.start()

    async def _plan(self, bot: runtime.Runtime) -> None:
        for number in range(CHANNELS):
            place = Target(tenant=f"fake:W{number % WORKSPACES}", address=f"C{number}")
            await bot.core.services.rollouts.create(
                tenant=place.tenant,
                address=place.address,
                timezone="Europe/London",
                circles=[Circle(1, parse_local(CIRCLE))],
                pack=bot.core.services.packs[bot.core.services.options.default_pack].pack,
            )
        async with bot.engine.connect() as connection:
            found = await connection.execute(
                select(DeliveryRow.id, DeliveryRow.key).where(DeliveryRow.kind.in_(ONE_POST_KINDS))
            )
            self.rows = {row.id: row.key for row in found}

    async def stop(self) -> None:
        """Stop the replicas and the fake."""
        for replica in self.replicas:
            await replica.service.stop()
            await replica.lookup.close()
            await replica.blind.close()
            await replica.bot.close()
        await self.fake.stop()

    async def statuses(self) -> Counter[str]:
        """The ledger statuses of this round's posts."""
        async with self.replicas[0].bot.engine.connect() as connection:
            found = await connection.execute(
                select(DeliveryRow.status).where(DeliveryRow.id.in_(self.rows))
            )
            return Counter(row.status for row in found)

    async def round(self, down: float, *, lookup: bool) -> Round:
        """Every post due at once; the server killed mid fan-out for `down` seconds."""
        for replica in self.replicas:
            replica.choose(lookup)
        self.fake.posts.clear()
        self.fake.by_key.clear()
        async with self.replicas[0].bot.engine.begin() as connection:
            await connection.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id.in_(self.rows))
                .values(
                    status="planned",
                    due_at=datetime.now(UTC),
                    attempts=0,
                    not_before=None,
                    claimed_by=None,
                    claimed_at=None,
                    sent_at=None,
                    message_id=None,
                    error=None,
                )
            )
        # The leader sends; the other one's tick does nothing.
        ticks = [asyncio.ensure_future(replica.service.tick()) for replica in self.replicas]

        async def cut() -> bool:
            return len(self.fake.posts) >= len(self.rows) * CUT_AT

        await until(cut, "the fan-out under way")
        await asyncio.to_thread(self.server.stop, "immediate")
        await asyncio.sleep(down)
        await asyncio.to_thread(self.server.start)

        async def settled() -> bool:
            # Reading the ledger fails while the server recovers: not settled yet.
            try:
                counts = await self.statuses()
            except Exception:
                return False
            idle = all(tick.done() for tick in ticks) and not any(
                r.service.busy() for r in self.replicas
            )
            return set(counts) <= DONE and idle

        await until(settled, "every post sent or given up, and no run under way")
        received = self.fake.key_counts()
        planned = set(self.rows.values())
        return Round(
            posts=len(planned),
            duplicates=sum(count - 1 for key, count in received.items() if key in planned),
            lost=len(planned - set(received)),
            statuses=await self.statuses(),
            down=down,
            lookup=lookup,
        )


async def rounds(server: PrivatePostgres, data: Path, count: int, seed: int = 0) -> list[Round]:
    """`count` rounds on one rig, alternating ports that can and cannot look a post up."""
    chance = random.Random(seed)
    rig = Failover(server, data)
    await rig.start()
    try:
        return [
            await rig.round(chance.uniform(4.0, 5.0), lookup=number % 2 == 0)
            for number in range(count)
        ]
    finally:
        await rig.stop()
