"""Teams calls that go unanswered: each gives up after the call timeout, the scheduler tries the
post again later, and a person whose reply timed out is told kindly, without a traceback."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.teams.connector import ConnectorSession
from adapters.teams.port import TeamsPort
from adapters.teams.references import ReferenceStore
from adapters.teams.retries import TIMED_OUT
from bot.errors import DeliveryError
from bot.messages import MessageRef, Person, Target
from bot.settings import ConfigError, Settings, load_settings
from bot.storage.engine import sessions
from bot.wording import sorry_reply
from scheduler import sender as sender_module
from tests.conftest import TeamsEndpoint
from tests.fakes.bot_connector import CHANNEL, TENANT, FakeBotConnector, activity
from tests.test_faults import calls, eventually, posts_made, running_bot, sent_by_channel
from tests.test_teams_port import HELLO, TEAMS_TENANT, Sleeps, port_in_a_channel, reference

# Short enough to keep the tests quick, long enough for a loopback answer on a busy machine.
CALL_TIMEOUT = 0.5
# Far longer than any test waits: a call that is not given up on fails its test.
HANG_SECONDS = 120.0
# A generous bound on giving up: the timeout, plus time for a loaded machine.
GIVES_UP_WITHIN = 10.0
ADA = Person(tenant=TEAMS_TENANT, user_id="29:user-ada")

Call = Callable[[TeamsPort], Awaitable[object]]


@pytest.fixture(autouse=True)
def quick_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The endpoint's and the running bot's Settings read it from the environment."""
    monkeypatch.setenv("CRBOT_TEAMS_CALL_TIMEOUT", str(CALL_TIMEOUT))


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def teams_port(
    engine: AsyncEngine,
    bot_connector: FakeBotConnector,
    sleeps: Sleeps,
    connector_session: ConnectorSession,
) -> TeamsPort:
    return await port_in_a_channel(
        ReferenceStore(sessions(engine)),
        bot_connector,
        sleeps,
        Settings(teams_enabled=True, teams_call_timeout=CALL_TIMEOUT),
        connector_session,
    )


async def a_known_personal_chat(engine: AsyncEngine, connector: FakeBotConnector) -> None:
    chat = reference(connector, "a:personal-29:user-ada", "personal")
    await ReferenceStore(sessions(engine)).save(
        TEAMS_TENANT, chat, kind="personal", user_id=ADA.user_id
    )


def test_the_call_timeout_is_fifteen_seconds_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRBOT_TEAMS_CALL_TIMEOUT")
    assert load_settings().teams_call_timeout == 15.0
    monkeypatch.setenv("CRBOT_TEAMS_CALL_TIMEOUT", "4.5")
    assert load_settings().teams_call_timeout == 4.5


@pytest.mark.parametrize("value", ["0", "-1", "soon", "600"])
def test_a_call_timeout_that_is_not_a_sensible_number_of_seconds_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CRBOT_TEAMS_CALL_TIMEOUT", value)
    with pytest.raises(ConfigError, match=r"^CRBOT_TEAMS_CALL_TIMEOUT: "):
        load_settings()


CALLS: dict[str, Call] = {
    "a new channel thread": lambda port: port.send(
        Target(tenant=TEAMS_TENANT, address=CHANNEL), HELLO
    ),
    "a reply in a thread": lambda port: port.send(
        Target(tenant=TEAMS_TENANT, address=f"{CHANNEL};messageid=42"), HELLO
    ),
    "an update": lambda port: port.update(
        MessageRef(tenant=TEAMS_TENANT, address=CHANNEL, message_id="activity-7"), HELLO
    ),
    "a message opening a personal chat": lambda port: port.send_private(ADA, HELLO),
    "a channel's members": lambda port: port.members(Target(tenant=TEAMS_TENANT, address=CHANNEL)),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
async def test_an_unanswered_call_gives_up_as_a_retryable_failure_and_is_counted(
    teams_port: TeamsPort, bot_connector: FakeBotConnector, sleeps: Sleeps, call: Call
) -> None:
    bot_connector.hang_next(HANG_SECONDS)
    failed, retried = calls("teams", "failed"), calls("teams", "retried")
    loop = asyncio.get_running_loop()
    started = loop.time()

    with pytest.raises(DeliveryError) as raised:
        await call(teams_port)

    assert loop.time() - started < GIVES_UP_WITHIN
    assert raised.value.reason == TIMED_OUT and not raised.value.permanent
    # Handed straight back: another wait here would hold the scheduler's worker again.
    assert sleeps.waits == []
    assert calls("teams", "failed") == failed + 1 and calls("teams", "retried") == retried
    assert bot_connector.calls == []
    # Nothing is left stuck: the same call goes through once Teams answers again.
    await call(teams_port)
    assert len(bot_connector.calls) >= 1


async def test_a_message_in_a_known_personal_chat_gives_up_the_same_way(
    engine: AsyncEngine, teams_port: TeamsPort, bot_connector: FakeBotConnector
) -> None:
    await a_known_personal_chat(engine, bot_connector)
    bot_connector.hang_next(HANG_SECONDS)

    with pytest.raises(DeliveryError) as raised:
        await teams_port.send_private(ADA, HELLO)

    assert raised.value.reason == TIMED_OUT and not raised.value.permanent
    sent = await teams_port.send_private(ADA, HELLO)
    [posted] = bot_connector.of_kind("send", "reply")
    assert posted.conversation == sent.address == "a:personal-29:user-ada"


async def test_a_reply_that_times_out_is_followed_by_a_kind_word_and_no_traceback(
    teams_endpoint: TeamsEndpoint,
    bot_connector: FakeBotConnector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot_connector.hang_next(HANG_SECONDS)
    failed = calls("teams", "failed")
    loop = asyncio.get_running_loop()
    started = loop.time()

    status = await teams_endpoint.post(activity(bot_connector, text="compassion-steps"))

    assert status == 201
    assert loop.time() - started < GIVES_UP_WITHIN
    [answer] = bot_connector.of_kind("send", "reply")
    assert answer.body["summary"] == sorry_reply().summary
    [record] = [r for r in caplog.records if r.getMessage() == "Teams reply not delivered"]
    assert getattr(record, "status", None) == TIMED_OUT
    assert getattr(record, "tenant", None) == f"teams:{TENANT}"
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "compassion-steps" not in caplog.text
    assert calls("teams", "failed") == failed + 1


async def test_scheduled_posts_whose_calls_time_out_are_posted_later_exactly_once(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The ledger's backoff between attempts, shortened from seconds so the test stays quick.
    monkeypatch.setattr(sender_module, "BACKOFF_BASE", 0.1)
    caplog.set_level(logging.INFO, logger="scheduler")
    async with running_bot(database_url, tmp_path, 8, timedelta(seconds=0.2)) as (running, rows):
        # Both of the Teams channel's posts meet a Bot Connector that never answers.
        running.connector.hang_next(HANG_SECONDS, times=2)
        failed = calls("teams", "failed")

        async def all_sent() -> bool:
            return (await running.ledger(rows))["sent"] == len(rows)

        await eventually(all_sent, f"all {len(rows)} posts sent")
        assert await running.ledger(rows) == Counter(sent=len(rows))
        assert posts_made(running) == await sent_by_channel(running, rows)
        assert not running.connector.failures  # both hangs were met, and given up on
        assert calls("teams", "failed") - failed >= 2
        postponed = [r.getMessage() for r in caplog.records if r.name.startswith("scheduler")]
        assert postponed.count(f"delivery postponed: {TIMED_OUT}") == 2
