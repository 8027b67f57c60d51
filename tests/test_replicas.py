"""Two `crbot run` replicas behind HAProxy on one PostgreSQL: requests go to both, and when the
leader is killed mid-traffic the other answers every request after it, takes the scheduler's lease
and posts what was planned, each post once.

HAProxy runs with the configuration `deploy/haproxy/haproxy.cfg` ships, its servers swapped for
the two replicas on loopback. The test skips without haproxy; CI sets CRBOT_REPLICAS_REQUIRED=1,
which makes a missing haproxy a failure instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Person
from bot.rollouts.kinds import Kind
from bot.rollouts.leaders import schedule_follow_up
from bot.rollouts.plan import Circle, parse_local
from bot.storage.ledger_tables import DeliveryRow, LeaseRow
from bot.storage.rollouts import RolloutRecord
from scheduler.leader import SERVER_NOW
from tests.commandline import PLATFORM_PREFIXES, ROOT, free_port
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, TEAM, FakeSlack, SignedSlack
from tests.test_deploy import HAPROXY_CONFIG, haproxy_sections

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
REQUIRED = os.environ.get("CRBOT_REPLICAS_REQUIRED") == "1"
METRICS_TOKEN = "replicas-metrics-token"
# The shortest lease there is: a killed leader holds up planned posts this long at most.
LEASE_SECONDS = 3
TENANT = f"slack:{TEAM}"
# Slack takes about one post a second in a channel, so the posts are spread over a few.
CHANNELS = ("C1", "C2", "C3", "C4")
# Posts planned before the replicas start (sent by the first leader), and just before the kill,
# due over the seconds that follow it (sent by the survivor).
EARLY_POSTS, LATE_POSTS = 4, 8
LATE_AFTER, LATE_EVERY = timedelta(seconds=2), timedelta(seconds=0.5)
DEADLINE = 60.0
POST_NUMBER = re.compile(r"Planned post (\d+)\b")
# What a planned post ends as once the survivor has caught up.
SETTLED = {"sent", "uncertain"}


@pytest.fixture
def haproxy() -> str:
    """The haproxy binary, or a skip (a failure where CI requires it)."""
    if not Path(HAPROXY).exists():
        words = "the replicas test needs HAProxy (apt-get install haproxy)"
        if REQUIRED:
            pytest.fail(words + " (CRBOT_REPLICAS_REQUIRED=1)")
        pytest.skip(words)
    return HAPROXY


def proxy_config(deployed: str, port: int, servers: dict[str, int]) -> str:
    """The shipped configuration with its servers swapped for ours on loopback, listening on
    `port`, and naming in each answer the replica that gave it."""
    kept = []
    for section in haproxy_sections(deployed):
        kind = section[0].split()[0]
        if kind == "resolvers":  # Docker's DNS: our servers are addresses
            continue
        body = [line for line in section[1:] if not line.strip().startswith(("server", "bind"))]
        if kind == "frontend":
            body.append(f"  bind 127.0.0.1:{port}")
        if kind == "backend":
            body.append("  http-response set-header X-Served-By %[srv_name]")
            body += [f"  server {name} 127.0.0.1:{at}" for name, at in servers.items()]
        kept.append("\n".join([section[0], *body]))
    return "\n\n".join(kept) + "\n"


@dataclass
class Replica:
    """One `crbot run` process and the port it serves on."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    async def leads(self, session: aiohttp.ClientSession) -> bool:
        """Whether its /metrics says it runs the scheduler."""
        headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        url = f"http://127.0.0.1:{self.port}/metrics"
        async with session.get(url, headers=headers) as response:
            text = await response.text()
        [family] = [
            f for f in text_string_to_metric_families(text) if f.name == "crbot_scheduler_leader"
        ]
        return family.samples[0].value == 1.0


def start_replica(name: str, database_url: str, api_url: str, data: Path) -> Replica:
    """`crbot run` serving Slack against the fake Web API, on a free port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PLATFORM_PREFIXES)}
    port = free_port()
    env.update(
        DATABASE_URL=database_url,
        CRBOT_DATA_DIR=str(data / name),
        CRBOT_PSEUDONYM_SECRET="test-pseudonym-secret-0123456789",
        CRBOT_METRICS_TOKEN=METRICS_TOKEN,
        CRBOT_SENDING_LEASE_SECONDS=str(LEASE_SECONDS),
        PORT=str(port),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api_url,
    )
    log = data / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "crbot", "run"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    return Replica(name, port, process, log)


def start_proxy(haproxy: str, config: Path, log: Path) -> subprocess.Popen[bytes]:
    """HAProxy in the foreground, its log in `log`."""
    return subprocess.Popen(
        [haproxy, "-db", "-f", str(config)], stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a process this test started, and reap it."""
    process.kill()
    process.wait(timeout=10)


async def until(condition: Callable[[], Awaitable[bool]], what: str, *logs: Path) -> None:
    """Poll `condition` until it holds, or fail at the deadline showing the logs' ends."""
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not await condition():
        if loop.time() > end:
            tails = "\n".join(f"{log.name}: {log.read_text()[-2000:]}" for log in logs)
            raise AssertionError(f"not before the deadline: {what}\n{tails}")
        await asyncio.sleep(0.05)


async def answers(session: aiohttp.ClientSession, url: str) -> bool:
    """Whether a GET of `url` answers 200."""
    try:
        async with session.get(url) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def ready(session: aiohttp.ClientSession, replica: Replica) -> bool:
    """Whether the replica answers /readyz (and has not exited)."""
    assert replica.process.poll() is None, replica.log.read_text()[-3000:]
    return await answers(session, f"http://127.0.0.1:{replica.port}/readyz")


@dataclass
class Traffic:
    """Slash commands sent one after another through the proxy, and how each went."""

    slack: SignedSlack
    # (sent at, answered at, who answered, whether the answer was the command's reply)
    outcomes: list[tuple[float, float, str | None, bool]] = field(default_factory=list)
    stopped: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        """Send `help` until told to stop."""
        loop = asyncio.get_running_loop()
        while not self.stopped.is_set():
            sent = loop.time()
            try:
                status, body = await self.slack.command("help")
                answered = status == 200 and '"blocks"' in body
                by = self.slack.last_headers.get("X-Served-By")
            except aiohttp.ClientError:
                answered, by = False, None
            self.outcomes.append((sent, loop.time(), by, answered))

    def served(self, before: float = float("inf"), after: float = float("-inf")) -> Counter[str]:
        """How many commands each replica answered, of those sent in the window."""
        return Counter(
            by for sent, _, by, ok in self.outcomes if ok and by and after <= sent < before
        )


async def new_rollouts(core: Core) -> list[RolloutRecord]:
    """A rollout in each channel, its circle long after the test (so its own posts stay unsent)."""
    services = core.services
    rollouts = []
    for channel in CHANNELS:
        rollout_id = await services.rollouts.create(
            tenant=TENANT,
            address=channel,
            timezone="UTC",
            circles=[Circle(1, parse_local("2028-01-10T09:00"))],
            pack=services.packs["healthcare"].pack,
        )
        rollout = await services.rollouts.store.get(TENANT, rollout_id)
        assert rollout is not None
        rollouts.append(rollout)
    return rollouts


async def plan(
    core: Core,
    rollouts: list[RolloutRecord],
    numbers: range,
    first_due: datetime,
    every: timedelta,
) -> None:
    """A leader schedules follow-ups, one per number, each due `every` after the last, in the
    channels in turn."""
    leader = Person(tenant=TENANT, user_id="ULEAD")
    for step, number in enumerate(numbers):
        due = (first_due + step * every).astimezone(UTC).replace(tzinfo=None)
        text = f"Planned post {number}: thank you all for this week."
        rollout = rollouts[number % len(rollouts)]
        assert await schedule_follow_up(core.services, rollout, leader, 1, due, text)


def posted(fake: FakeSlack) -> Counter[int]:
    """How many times each planned post reached the channel."""
    return Counter(
        int(number)
        for args in fake.called("chat.postMessage")
        for number in POST_NUMBER.findall(json.dumps(args))
    )


async def lease(engine: AsyncEngine) -> tuple[str, int, float]:
    """Who holds the sending lease, in which term, and for how many seconds more."""
    left = LeaseRow.expires_at - literal_column(SERVER_NOW["postgresql"])
    async with engine.connect() as connection:
        row = (await connection.execute(select(LeaseRow.holder, LeaseRow.term, left))).one()
    return row[0], row[1], row[2]


async def planned_posts(engine: AsyncEngine) -> dict[int, str]:
    """Each planned post's number and its status in the ledger."""
    async with engine.connect() as connection:
        found = await connection.execute(
            select(DeliveryRow.body, DeliveryRow.status).where(DeliveryRow.kind == Kind.FOLLOW_UP)
        )
        return {int(POST_NUMBER.findall(row.body or "")[0]): row.status for row in found}


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


async def test_two_replicas_share_the_traffic_and_the_survivor_of_a_kill_answers_and_posts(
    haproxy: str,
    database_url: str,
    engine: AsyncEngine,
    core: Core,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("replicas share one PostgreSQL; a SQLite file serves one process")
    now = datetime.now(UTC)
    rollouts = await new_rollouts(core)
    await plan(core, rollouts, range(EARLY_POSTS), now, timedelta(0))
    plain_url = "postgresql://" + database_url.split("://", 1)[1]
    replicas = [start_replica(n, plain_url, fake_slack.api_url, tmp_path) for n in ("r1", "r2")]
    proxy_port = free_port()
    config = tmp_path / "haproxy.cfg"
    servers = {replica.name: replica.port for replica in replicas}
    config.write_text(proxy_config(HAPROXY_CONFIG.read_text(), proxy_port, servers))
    proxy_log = tmp_path / "haproxy.log"
    logs = (*(replica.log for replica in replicas), proxy_log)
    async with AsyncExitStack() as stack:
        for replica in replicas:
            stack.callback(stop, replica.process)
        session = await stack.enter_async_context(aiohttp.ClientSession())
        for replica in replicas:
            await until(lambda r=replica: ready(session, r), f"{replica.name} ready", *logs)
        proxy = start_proxy(haproxy, config, proxy_log)
        stack.callback(stop, proxy)
        proxied = f"http://127.0.0.1:{proxy_port}"
        await until(lambda: answers(session, f"{proxied}/healthz"), "the proxy serves", *logs)
        url = f"{proxied}/slack/events"
        traffic = Traffic(SignedSlack(session, url, SIGNING_SECRET, fake_slack))
        sending = asyncio.create_task(traffic.run())
        stack.push_async_callback(lambda: sending)
        stack.callback(traffic.stopped.set)

        async def leader_known() -> bool:
            return [await replica.leads(session) for replica in replicas].count(True) == 1

        await until(leader_known, "one replica leads", *logs)
        [leader] = [replica for replica in replicas if await replica.leads(session)]
        [survivor] = [replica for replica in replicas if replica is not leader]

        async def warmed_up() -> bool:
            early_sent = set(posted(fake_slack)) >= set(range(EARLY_POSTS))
            return early_sent and min(traffic.served()[r.name] for r in replicas) >= 5

        await until(warmed_up, "both replicas answer and the early posts are out", *logs)
        first_holder, first_term, _ = await lease(engine)
        late = range(EARLY_POSTS, EARLY_POSTS + LATE_POSTS)
        await plan(core, rollouts, late, datetime.now(UTC) + LATE_AFTER, LATE_EVERY)
        loop = asyncio.get_running_loop()
        killed_at = loop.time()
        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(timeout=10)

        async def settled() -> bool:
            statuses = await planned_posts(engine)
            return set(statuses.values()) <= SETTLED and len(posted(fake_slack)) == len(
                [n for n, status in statuses.items() if status == "sent"]
            )

        await until(settled, "the survivor posts what was planned", *logs)
        await until(lambda: survivor.leads(session), "the survivor leads", *logs)
        led_at = loop.time()

        async def answering() -> bool:
            return traffic.served(after=led_at)[survivor.name] > 0

        await until(answering, "the survivor still answers once it leads", *logs)
        traffic.stopped.set()
        await sending

    before = traffic.served(before=killed_at)
    assert before[leader.name] > 0 and before[survivor.name] > 0, before
    lost = [outcome for outcome in traffic.outcomes if not outcome[3]]
    # Only a command in flight as the leader died may go unanswered.
    assert len(lost) <= 1, lost
    assert all(sent <= killed_at <= done for sent, done, _, _ in lost), (killed_at, lost)
    after = traffic.served(after=killed_at + 0.001)
    assert set(after) == {survivor.name} and after[survivor.name] > 0, after

    holder, term, left = await lease(engine)
    assert holder != first_holder and term > first_term
    # The survivor renews the lease for CRBOT_SENDING_LEASE_SECONDS, not the default 30.
    assert left <= LEASE_SECONDS
    statuses = await planned_posts(engine)
    assert set(statuses) == set(range(EARLY_POSTS + LATE_POSTS))
    # No post was in flight as the leader died (the late ones fall due after it), so every one
    # is sent, once. (A post claimed by a leader as it dies is never sent again on its own but
    # left uncertain: tests/test_scheduler_crash.py and tests/test_faults.py kill mid fan-out.)
    assert statuses == dict.fromkeys(statuses, "sent")
    assert posted(fake_slack) == dict.fromkeys(statuses, 1)
