"""/metrics over real HTTP: only to the bearer token; requests, latencies, deliveries, rate
limits, the scheduler; and no label that could carry a person, an answer or a line of text."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from botbuilder.integration.aiohttp import CloudAdapter
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.teams.auth import authentication
from adapters.teams.bot import on_turn_error
from adapters.teams.connector import ConnectorSession
from adapters.teams.port import TeamsPort
from adapters.teams.references import ReferenceStore
from adapters.teams.throttle import Throttle
from bot import metrics
from bot.core import Core
from bot.errors import DeliveryError
from bot.messages import MessageRef, Reply, Target
from bot.settings import Settings
from bot.storage.engine import sessions
from crbot import runtime
from crbot.__main__ import _serve_platforms
from crbot.web import build_app
from tests.commandline import free_port
from tests.conftest import Chat, FakePort, FrozenClock
from tests.fakes.bot_connector import CHANNEL as CHANNEL_ID
from tests.fakes.bot_connector import TEAM, FakeBotConnector
from tests.fakes.slack_api import running_slack
from tests.test_logs import configured
from tests.test_slack_port import CHANNEL, HELLO
from tests.test_teams_port import TEAMS_TENANT, reference

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
# A scraper's token, as an operator would make one (openssl rand -hex 32).
TOKEN = "9f2c41d0a7be53e8c6d14f0b2a97e35c8d60b1f4a2e7c93d05b8f16a4c2e7d91"
AUTHORIZED = {"Authorization": f"Bearer {TOKEN}"}


class BrokenPort(FakePort):
    """A port whose posts fail in a way the core does not expect."""

    async def send(self, target: Target, reply: Reply) -> object:  # type: ignore[override]
        """Fail."""
        raise RuntimeError("the platform fell over")


@pytest.fixture
async def scrape(engine: AsyncEngine) -> AsyncIterator[aiohttp.ClientSession]:
    """A scraper holding the token, for the bot's web server on 127.0.0.1."""
    server = TestServer(
        build_app(engine, [], metrics_token=SecretStr(TOKEN)), host="127.0.0.1", port=0
    )
    await server.start_server()
    base_url = str(server.make_url("/"))
    async with aiohttp.ClientSession(base_url=base_url, headers=AUTHORIZED) as client:
        yield client
    await server.close()


@pytest.fixture
def bot_log() -> Iterator[io.StringIO]:
    """Everything the bot's log set-up writes, at DEBUG, as text."""
    yield from configured("text", "DEBUG")


async def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    """GET url: the status, the WWW-Authenticate header and the body."""
    async with aiohttp.ClientSession() as client, client.get(url, headers=headers) as response:
        return response.status, response.headers.get("WWW-Authenticate", ""), await response.text()


class Listening(logging.Handler):
    """Sets an event when the web server logs that it listens."""

    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        """Watch for the web server's start."""
        if record.name == "crbot.web" and record.getMessage() == "listening":
            self.event.set()


WATCHED = ("crbot.web", "crbot.access")


@contextlib.asynccontextmanager
async def serving(bot: runtime.Runtime) -> AsyncIterator[None]:
    """The web server as `crbot run` starts it, from when it listens until the block ends."""
    listening = Listening()
    web_log = logging.getLogger("crbot.web")
    # bolt gives the loggers it makes the root's level of that moment, and an earlier test may
    # have left a parent of these at WARNING: the lines this test waits for must still come.
    for name in WATCHED:
        logging.getLogger(name).setLevel(logging.INFO)
    web_log.addHandler(listening)
    stop = asyncio.Event()
    task = asyncio.create_task(_serve_platforms(bot, [], {}, stop))
    waiting = asyncio.create_task(listening.event.wait())
    try:
        await asyncio.wait([waiting, task], return_when=asyncio.FIRST_COMPLETED)
        assert not task.done(), task
        yield
    finally:
        waiting.cancel()
        web_log.removeHandler(listening)
        stop.set()
        await task
        for name in WATCHED:
            logging.getLogger(name).setLevel(logging.NOTSET)


async def samples(client: aiohttp.ClientSession) -> Samples:
    """Every sample /metrics serves, by name and labels."""
    async with client.get("/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        body = await response.text()
    found: Samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    """One sample's value, 0 when it has not appeared yet."""
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much a counter grew between two scrapes."""
    return value(after, name, **labels) - value(before, name, **labels)


async def test_metrics_answer_a_scraper_that_sends_the_token(
    scrape: aiohttp.ClientSession,
) -> None:
    async with scrape.get("/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        body = await response.text()

    assert "# TYPE crbot_requests_total counter" in body


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer not-the-token",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}0",
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer \u00e9t\u00e9",
    ],
)
async def test_metrics_refuse_a_request_without_the_token_or_with_a_wrong_one(
    engine: AsyncEngine, authorization: str | None
) -> None:
    server = TestServer(
        build_app(engine, [], metrics_token=SecretStr(TOKEN)), host="127.0.0.1", port=0
    )
    await server.start_server()
    headers = {} if authorization is None else {"Authorization": authorization}
    try:
        status, challenge, body = await get(str(server.make_url("/metrics")), headers)
        health = await get(str(server.make_url("/healthz")))
        ready = await get(str(server.make_url("/readyz")))
    finally:
        await server.close()

    assert (status, challenge) == (401, 'Bearer realm="crbot metrics"')
    assert "crbot_" not in body
    assert (health[0], ready[0]) == (200, 200)


async def test_crbot_run_serves_metrics_only_to_the_token_and_never_logs_it(
    engine: AsyncEngine, core: Core, tmp_path: Path, bot_log: io.StringIO
) -> None:
    settings = Settings(port=free_port(), data_dir=tmp_path, metrics_token=SecretStr(TOKEN))
    url = f"http://127.0.0.1:{settings.port}/metrics"
    async with serving(runtime.Runtime(settings=settings, engine=engine, core=core)):
        scraped = await get(url, AUTHORIZED)
        anonymous = await get(url)
        guessed = await get(url, {"Authorization": f"Bearer {TOKEN[:32]}"})

    assert scraped[0] == 200 and "crbot_requests_total" in scraped[2]
    assert (anonymous[0], guessed[0]) == (401, 401)
    written = bot_log.getvalue()
    assert "GET /metrics 200" in written and "GET /metrics 401" in written
    assert TOKEN[:16] not in written and TOKEN[-16:] not in written
    assert "metrics off" not in written


async def test_with_no_token_metrics_are_off_and_the_start_says_how_to_turn_them_on(
    engine: AsyncEngine, core: Core, tmp_path: Path, bot_log: io.StringIO
) -> None:
    settings = Settings(port=free_port(), data_dir=tmp_path)
    url = f"http://127.0.0.1:{settings.port}"
    async with serving(runtime.Runtime(settings=settings, engine=engine, core=core)):
        anonymous = await get(f"{url}/metrics")
        with_a_token = await get(f"{url}/metrics", AUTHORIZED)
        health = await get(f"{url}/healthz")

    assert (anonymous[0], with_a_token[0], health[0]) == (404, 404, 200)
    told = [line for line in bot_log.getvalue().splitlines() if "CRBOT_METRICS_TOKEN" in line]
    assert len(told) == 1
    assert "metrics off" in told[0]


async def test_requests_are_counted_by_platform_and_outcome(
    scrape: aiohttp.ClientSession, chat: Chat
) -> None:
    before = await samples(scrape)
    chat.tenant = "slack:T1"
    await chat.say("ana", "compassion-steps")
    await chat.say("ana", "section 4")  # only facilitators move the section on: refused
    chat.tenant = "teams:tenant-guid"
    chat.port = BrokenPort()
    await chat.say("ana", "checkin")  # the post fails unexpectedly
    after = await samples(scrape)

    assert grew(before, after, "crbot_requests_total", platform="slack", outcome="served") == 1
    assert grew(before, after, "crbot_requests_total", platform="slack", outcome="refused") == 1
    assert grew(before, after, "crbot_requests_total", platform="teams", outcome="failed") == 1


async def test_command_latency_is_a_histogram_by_command_name_only(
    scrape: aiohttp.ClientSession, chat: Chat
) -> None:
    before = await samples(scrape)
    await chat.say("ana", "practice")
    await chat.say("bea", "practice")
    after = await samples(scrape)

    assert grew(before, after, "crbot_command_seconds_count", command="practice") == 2
    assert grew(before, after, "crbot_command_seconds_bucket", command="practice", le="+Inf") == 2
    names = {frozenset(dict(labels)) - {"le"} for name, labels in after if "command_sec" in name}
    assert names == {frozenset({"command"})}


async def test_adapters_and_the_scheduler_report_through_small_functions(
    scrape: aiohttp.ClientSession,
) -> None:
    before = await samples(scrape)
    metrics.delivery("slack", "sent")
    metrics.delivery("slack", "sent")
    metrics.delivery("teams", "retried")
    metrics.delivery("teams", "failed")
    metrics.deliveries_pending(7)
    metrics.rate_limit_wait("slack", 1.5)
    metrics.scheduler_lag(0.25)
    metrics.leader(True)
    after = await samples(scrape)

    assert grew(before, after, "crbot_deliveries_total", platform="slack", outcome="sent") == 2
    assert grew(before, after, "crbot_deliveries_total", platform="teams", outcome="retried") == 1
    assert grew(before, after, "crbot_deliveries_total", platform="teams", outcome="failed") == 1
    assert value(after, "crbot_deliveries_pending") == 7
    assert grew(before, after, "crbot_rate_limit_waits_total", platform="slack") == 1
    assert grew(before, after, "crbot_rate_limit_wait_seconds_total", platform="slack") == 1.5
    assert value(after, "crbot_scheduler_lag_seconds") == 0.25
    assert value(after, "crbot_scheduler_leader") == 1

    metrics.leader(False)
    assert value(await samples(scrape), "crbot_scheduler_leader") == 0


async def test_no_label_can_carry_a_person_an_answer_or_text(
    scrape: aiohttp.ClientSession, chat: Chat
) -> None:
    chat.tenant = "slack:T1"
    await chat.say("U0SECRETUSER", "checkin 4")
    await chat.say("U0SECRETUSER", "reflect I felt overwhelmed on the ward today")
    await chat.say("U0SECRETUSER", "I felt overwhelmed on the ward today")
    chat.tenant = "U0SECRETUSER"
    await chat.say("U0SECRETUSER", "help")
    # Callers passing the wrong thing must not open a new series either.
    metrics.delivery("U0SECRETUSER", "I felt overwhelmed")
    metrics.rate_limit_wait("#a-private-channel", 1.0)

    allowed = {
        "platform": metrics.PLATFORMS | {metrics.OTHER},
        "outcome": metrics.REQUEST_OUTCOMES | metrics.DELIVERY_OUTCOMES | {metrics.OTHER},
        "command": metrics.COMMANDS,
    }
    found = await samples(scrape)
    assert found
    for name, labels in found:
        assert name.startswith(("crbot_", "python_", "process_")) or name == "target_info"
        for label, label_value in labels:
            if label == "le":
                continue
            assert label in metrics.LABELS, (name, label)
            assert label_value in allowed[label], (name, label, label_value)


async def test_a_web_app_can_be_built_again_and_again(engine: AsyncEngine) -> None:
    first = build_app(engine, [], metrics_token=SecretStr(TOKEN))
    second = build_app(engine, [], metrics_token=SecretStr(TOKEN))
    without = build_app(engine, [])

    assert first is not second
    assert {r.resource.canonical for r in second.router.routes() if r.resource} >= {"/metrics"}
    assert "/metrics" not in {r.resource.canonical for r in without.router.routes() if r.resource}


async def test_slack_web_api_calls_count_their_retries_failures_and_rate_limit_waits(
    scrape: aiohttp.ClientSession, core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with running_slack(core, engine, clock) as stack:
        before = await samples(scrape)
        stack.fake.rate_limit("chat.postMessage", retry_after=0)
        await stack.platform.port.send(CHANNEL, HELLO)  # 429, waited out, then posted
        stack.fake.fail("chat.update", "internal_error", status=503, times=2)
        posted = MessageRef(tenant="slack:T1", address="C1", message_id="1.2")
        with pytest.raises(DeliveryError):  # retried once by slack-sdk, then given up
            await stack.platform.port.update(posted, HELLO)
        after = await samples(scrape)

    calls = "crbot_platform_calls_total"
    assert grew(before, after, calls, platform="slack", outcome="sent") == 1
    assert grew(before, after, calls, platform="slack", outcome="retried") == 2
    assert grew(before, after, calls, platform="slack", outcome="failed") == 1
    assert grew(before, after, "crbot_rate_limit_waits_total", platform="slack") == 1
    # slack-sdk waits Retry-After plus up to a second of jitter.
    assert 0 < grew(before, after, "crbot_rate_limit_wait_seconds_total", platform="slack") < 2
    # A scheduled post is counted by the scheduler, once; the adapter never touches it.
    assert grew(before, after, "crbot_deliveries_total", platform="slack", outcome="sent") == 0


async def test_teams_proactive_sends_count_their_retries_failures_and_rate_limit_waits(
    scrape: aiohttp.ClientSession,
    engine: AsyncEngine,
    bot_connector: FakeBotConnector,
    connector_session: ConnectorSession,
) -> None:
    adapter = CloudAdapter(authentication(Settings(teams_enabled=True), connector_session))
    adapter.on_turn_error = on_turn_error
    references = ReferenceStore(sessions(engine))
    await references.save(
        TEAMS_TENANT, reference(bot_connector, CHANNEL_ID, "channel"), kind="channel", team_id=TEAM
    )
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    port = TeamsPort(adapter, references, "", sleep=sleep)
    channel = Target(tenant=TEAMS_TENANT, address=CHANNEL_ID)
    before = await samples(scrape)
    bot_connector.fail_next(429, "TooManyRequests", retry_after="2")
    bot_connector.fail_next(503, "ServiceUnavailable")
    await port.send(channel, HELLO)  # waited 2 s as asked, backed off once, then sent
    bot_connector.fail_next(403, "BotNotInConversationRoster")
    with pytest.raises(DeliveryError):
        await port.send(channel, HELLO)
    after = await samples(scrape)

    calls = "crbot_platform_calls_total"
    assert grew(before, after, calls, platform="teams", outcome="retried") == 2
    assert grew(before, after, calls, platform="teams", outcome="sent") == 1
    assert grew(before, after, calls, platform="teams", outcome="failed") == 1
    assert grew(before, after, "crbot_rate_limit_waits_total", platform="teams") == 1
    assert grew(before, after, "crbot_rate_limit_wait_seconds_total", platform="teams") == 2
    assert waits[0] == 2.0 and len(waits) == 2


async def test_teams_sends_held_back_by_the_throttle_count_as_rate_limit_waits(
    scrape: aiohttp.ClientSession,
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    throttle = Throttle(sleep, now=lambda: 100.0)
    before = await samples(scrape)
    for _ in range(8):  # the eighth send in one second waits for the conversation's window
        await throttle.wait(TEAMS_TENANT, "19:chat")
    after = await samples(scrape)

    assert len(waits) == 1
    assert grew(before, after, "crbot_rate_limit_waits_total", platform="teams") == 1
    assert grew(before, after, "crbot_rate_limit_wait_seconds_total", platform="teams") == waits[0]
