"""Faults, with the bot wired as `crbot run` wires it (Slack and Teams on one web server, and the
scheduler): the database goes away and comes back, and the platforms fail and time out for a
while. People get a kind answer meanwhile, deliveries wait and resume, and every planned post
is made exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from asyncpg.exceptions import AdminShutdownError, CannotConnectNowError, UniqueViolationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from adapters.teams.references import ReferenceStore
from bot import metrics
from bot.messages import Target
from bot.settings import Settings
from bot.storage.engine import sessions
from bot.storage.ledger_tables import DeliveryRow
from bot.wording import sorry_reply
from crbot import runtime
from crbot.platforms import configured_platforms
from crbot.web import build_app
from scheduler import sender as sender_module
from scheduler import service as scheduler_service
from scheduler.leader import AdvisoryLeadership
from scheduler.ledger import unreachable
from tests import failover
from tests.deliveries import posts_due
from tests.fakes.bot_connector import CHANNEL, TEAM, TENANT, FakeBotConnector, activity
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SignedSlack
from tests.private_postgres import PrivatePostgres, Unavailable, private_cluster
from tests.test_teams_port import reference

SORRY = sorry_reply().summary
DEADLINE = 30.0
SLACK_CHANNELS = ("C1", "C2", "C3")
TEAMS_TENANT = f"teams:{TENANT}"
# Rounds of the two-scheduler failover here (about 20 s each).
FAILOVER_ROUNDS = 3


async def eventually(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll `condition` until it holds, or fail at the deadline."""
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not await condition():
        assert loop.time() < end, f"not before the deadline: {what}"
        await asyncio.sleep(0.05)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started private cluster, removed after the test."""
    try:
        with private_cluster() as server:
            yield server
    except Unavailable as missing:
        pytest.skip(str(missing))


@dataclass
class Bot:
    """The running bot, the fakes it talks to, and clients for both platforms' endpoints."""

    bot: runtime.Runtime
    fake: FakeSlack
    connector: FakeBotConnector
    slack: SignedSlack
    http: aiohttp.ClientSession
    root: str
    ports: dict[str, Any]

    async def ready(self) -> int:
        """The status /readyz answers."""
        async with self.http.get(f"{self.root}/readyz") as response:
            return response.status

    async def teams(self, text: str, user: str = "29:user-ada") -> int:
        """A typed Teams message in a personal chat; the HTTP status."""
        body = activity(self.connector, text=text, user=user)
        async with self.http.post(f"{self.root}/api/messages", json=body) as response:
            return response.status

    async def ledger(self, rows: list[int]) -> Counter[str]:
        """The statuses of these delivery rows."""
        async with self.bot.engine.connect() as connection:
            found = await connection.execute(
                select(DeliveryRow.status).where(DeliveryRow.id.in_(rows))
            )
            return Counter(row.status for row in found)


@contextlib.asynccontextmanager
async def running_bot(
    database_url: str, data: Path, posts: int, every: timedelta
) -> AsyncIterator[tuple[Bot, list[int]]]:
    """The bot as `crbot run` wires it, with `posts` scheduled posts due one each `every` across
    three Slack channels and a Teams channel, from a second after it starts."""
    fake = await FakeSlack().start()
    connector = await FakeBotConnector().start()
    settings = Settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,  # type: ignore[call-arg]
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        teams_enabled=True,
        database_url=database_url,
        data_dir=data,
        pseudonym_secret="test-pseudonym-secret-0123456789",
    )
    bot = await runtime.start(settings)
    await ReferenceStore(sessions(bot.engine)).save(
        TEAMS_TENANT, reference(connector, CHANNEL, "channel"), kind="channel", team_id=TEAM
    )
    places = [Target(tenant="slack:T1", address=channel) for channel in SLACK_CHANNELS]
    places.append(Target(tenant=TEAMS_TENANT, address=CHANNEL))
    first = datetime.now(UTC) + timedelta(seconds=1)
    rows = await posts_due(bot.core, bot.engine, places, posts, first, every)
    platforms = configured_platforms(bot)
    ports: dict[str, Any] = {p.name: p.port for p in platforms if p.port is not None}
    scheduling = scheduler_service.build(bot.core.services, bot.engine, database_url, ports)
    mounts = [mount for platform in platforms for mount in platform.mounts]
    runner = web.AppRunner(build_app(bot.engine, mounts))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    root = f"http://127.0.0.1:{runner.addresses[0][1]}"
    await scheduling.start()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http:
            slack = SignedSlack(http, f"{root}/slack/events", SIGNING_SECRET, fake)
            yield Bot(bot, fake, connector, slack, http, root, ports), rows
    finally:
        await scheduling.stop()
        await runner.cleanup()
        await bot.close()
        await fake.stop()
        await connector.stop()


def posts_made(running: Bot) -> Counter[str]:
    """Scheduled posts the platforms received, by channel (Teams: new threads)."""
    made = Counter(
        str(call.args["channel"])
        for call in running.fake.calls
        if call.method == "chat.postMessage"
        and call.ok
        and call.args.get("channel") in SLACK_CHANNELS
    )
    made[CHANNEL] = len(running.connector.new_threads())
    return made


async def sent_by_channel(running: Bot, rows: list[int]) -> Counter[str]:
    """What the ledger says was sent, by channel."""
    async with running.bot.engine.connect() as connection:
        found = await connection.execute(
            select(DeliveryRow.address).where(
                DeliveryRow.id.in_(rows), DeliveryRow.status == "sent"
            )
        )
        return Counter(row.address for row in found)


async def test_while_the_database_is_away_people_get_a_kind_answer_and_posts_wait_for_it(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    async with running_bot(private_postgres.url, tmp_path, 8, timedelta(seconds=0.5)) as (
        running,
        rows,
    ):
        # The first post is on its way to Slack when the database goes.
        running.fake.slow("chat.postMessage", 2.0)

        async def one_in_flight() -> bool:
            return (await running.ledger(rows))["sending"] > 0

        await eventually(one_in_flight, "a post claimed and being sent")
        await asyncio.to_thread(private_postgres.stop)

        assert await running.ready() == 503
        status, body = await running.slack.command("practice")
        assert status == 200
        answer = json.loads(body)
        assert answer["response_type"] == "ephemeral"
        assert answer["text"] == SORRY and "Traceback" not in body
        click = {"action_id": "crbot.button.0", "value": "practice"}
        assert (await running.slack.click(click))[0] == 200
        [responded] = await running.fake.wait_for_responses(1)
        assert responded["text"] == SORRY
        assert await running.teams("practice") in (200, 201)
        assert any(SORRY in call.texts() for call in running.connector.calls)
        # An event cannot even be checked for a repeat: a 5xx, so Slack delivers it again later.
        mention = {"type": "app_mention", "user": "U1", "channel": "CMENTION", "text": "tips"}
        assert (await running.slack.event(mention, event_id="EvDOWN"))[0] >= 500
        # Posts fall due meanwhile, and the one in flight reaches Slack with nowhere to record it.
        await asyncio.sleep(2.0)

        await asyncio.to_thread(private_postgres.start)

        async def ready_again() -> bool:
            return await running.ready() == 200

        await eventually(ready_again, "ready once the database is back")
        status, body = await running.slack.command("practice")
        assert status == 200 and SORRY not in body
        assert (await running.slack.event(mention, event_id="EvDOWN", retry=1))[0] == 200
        answered = [
            call.args
            for call in running.fake.calls
            if call.method.startswith("chat.post") and call.args.get("channel") == "CMENTION"
        ]
        assert len(answered) == 1 and SORRY not in json.dumps(answered)

        async def all_sent() -> bool:
            return (await running.ledger(rows))["sent"] == len(rows)

        await eventually(all_sent, f"all {len(rows)} posts sent")
        assert await running.ledger(rows) == Counter(sent=len(rows))
        assert posts_made(running) == await sent_by_channel(running, rows)


async def test_platform_errors_and_timeouts_are_retried_until_every_post_is_made_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ledger's backoff between attempts, shortened from seconds so the test stays quick.
    monkeypatch.setattr(sender_module, "BACKOFF_BASE", 0.1)
    url = f"sqlite+aiosqlite:///{tmp_path / 'crbot.db'}"
    async with running_bot(url, tmp_path, 8, timedelta(seconds=0.2)) as (running, rows):
        running.ports["slack"].clients.client.timeout = 1  # seconds; slack-sdk's default is 30
        before = {platform: calls(platform, "retried") for platform in ("slack", "teams")}
        # Slack: server errors (retried inside slack-sdk, then by the ledger), then calls that
        # hang past the client's timeout; Teams: errors and a gateway timing out.
        running.fake.fail("chat.postMessage", "internal_error", status=500, times=3)
        running.fake.hang("chat.postMessage", 1.5, times=2)
        running.connector.fail_next(503, "ServiceUnavailable", times=2)
        running.connector.hang_next(0.5)

        async def all_sent() -> bool:
            return (await running.ledger(rows))["sent"] == len(rows)

        await eventually(all_sent, f"all {len(rows)} posts sent")
        assert await running.ledger(rows) == Counter(sent=len(rows))
        assert posts_made(running) == await sent_by_channel(running, rows)
        assert not running.connector.failures  # every Teams fault was met
        # slack-sdk retried each 500 once before the ledger took over; Teams' port backed off.
        assert calls("slack", "retried") - before["slack"] >= 2
        assert calls("teams", "retried") - before["teams"] >= 2


async def test_two_schedulers_make_every_post_once_when_the_database_is_killed_mid_fan_out(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    # Each round: a fan-out, the server killed (`immediate`) a quarter of the way through and
    # started again 4-5 s later, while the leader goes on sending; bench/failover.py runs more.
    results = await failover.rounds(private_postgres, tmp_path, FAILOVER_ROUNDS)
    # Counted by what the fake platform received: each post exactly once.
    assert [(r.duplicates, r.lost) for r in results] == [(0, 0)] * FAILOVER_ROUNDS
    # And the ledger says so too: nothing left uncertain that in fact went out.
    assert [r.statuses for r in results] == [Counter(sent=r.posts) for r in results]


def calls(platform: str, outcome: str) -> float:
    """crbot_platform_calls_total for one platform and outcome, as /metrics serves it."""
    labels = {"platform": platform, "outcome": outcome}
    return metrics.REGISTRY.get_sample_value("crbot_platform_calls_total", labels) or 0.0


async def test_the_campaign_and_the_sender_may_ask_about_the_leader_lock_at_once(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("leader election is PostgreSQL's (SQLite serves one process)")
    leadership = AdvisoryLeadership(database_url)
    try:
        assert await leadership.acquire()
        # The soak found these two racing on the one connection: asyncpg refused the second.
        answers = await asyncio.gather(
            *(leadership.holds() for _ in range(10)), leadership.acquire()
        )
        assert all(answers)
    finally:
        await leadership.release()


def test_a_database_shutting_down_or_starting_up_counts_as_away_but_a_bad_row_does_not() -> None:
    shutting_down = CannotConnectNowError("the database system is shutting down")
    assert unreachable(shutting_down)
    assert unreachable(DBAPIError("UPDATE deliveries", {}, AdminShutdownError("terminating")))
    assert unreachable(ConnectionRefusedError(111, "Connect call failed"))
    duplicate = IntegrityError("INSERT", {}, UniqueViolationError("duplicate key"))
    assert not unreachable(duplicate)
    assert not unreachable(ValueError("not a database error"))
