"""Lines from Slack's and Microsoft's SDKs, at DEBUG, through the real stack: each still says what
was called and how it went, and never whose it was, where, or what anyone wrote."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.storage.tables import ReflectionRow
from crbot import logs
from tests.conftest import FrozenClock, TeamsEndpoint
from tests.fakes.bot_connector import FakeBotConnector, activity, mention
from tests.fakes.slack_api import running_slack
from tests.test_logs import configured

Json = dict[str, Any]

# The actors, with ids shaped as the platforms make them.
ADA = "U07QK2M9XJP"
WARD = "C05NB7T3QKL"
TEAMS_ADA = "29:1kQ9f0xZ8Yh3pL2mN4vB6cD7eF8gH9iJ0kL1mN2oP3qR4sT5uV6wX7yZ8aB9cD0eF"
TEAMS_ADA_AAD = "6b0c9a3e-2f1d-4e5a-9b8c-7d6e5f4a3b2c"
TEAMS_ADA_EMAIL = "ada.lovelace@ward7.example.org"
REFLECTION = "My shift left me hollow and I cried in the car park"
# What the bot posts: the poll's question and the private confirmation.
POSTED = ("How are you doing right here", "Saved, privately")


@pytest.fixture(params=["text", "json"])
def debug_log(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """The bot's own log set-up at CRBOT_LOG_LEVEL=DEBUG, in each format."""
    yield from configured(request.param, "DEBUG")


@pytest.fixture
def handled() -> Iterator[list[logging.LogRecord]]:
    """Every record as it leaves the bot's handler (so, as the handler's filters left it)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    logging.getLogger().addHandler(keep)
    yield records
    logging.getLogger().removeHandler(keep)


def lines(stream: io.StringIO) -> list[tuple[str, str]]:
    """(logger, message) for each entry, from text or JSON lines alike."""
    found = []
    for line in stream.getvalue().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            found.append((str(entry["logger"]), str(entry["message"])))
        elif matched := re.match(r"^\S+ [A-Z]+ (\S+): (.*)$", line):
            found.append((matched[1], matched[2]))
    return found


def from_library(stream: io.StringIO, prefix: str) -> list[str]:
    """The messages of one library's loggers."""
    return [message for logger, message in lines(stream) if logger.startswith(prefix)]


def assert_nothing_personal(written: str, *secrets: str) -> None:
    """None of the ids, none of the words."""
    for secret in (*secrets, *REFLECTION.split(" ")[2:], *POSTED):
        if len(secret) > 3:
            assert secret not in written, secret


def buttons(blocks: list[Json]) -> list[Json]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_slack_sdk_and_bolt_lines_keep_the_call_and_lose_the_person_and_the_words(
    debug_log: io.StringIO, core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with running_slack(core, engine, clock) as stack:
        await stack.slack.command("checkin", user=ADA, channel=WARD)
        [poll] = stack.fake.called("chat.postMessage")
        await stack.slack.click(buttons(poll["blocks"])[1], user=ADA, channel=WARD)
        _, body = await stack.slack.command("scenario 1", user=ADA, channel=WARD)
        [reflect] = [b for b in buttons(json.loads(body)["blocks"]) if "Reflect" in str(b)]
        await stack.slack.click(reflect, user=ADA, channel=WARD, ephemeral=True)
        [opened] = stack.fake.called("views.open")
        typed = {"text": {"value": {"type": "plain_text_input", "value": REFLECTION}}}
        status, _ = await stack.slack.submit(opened["view"], typed, user=ADA)

    assert status == 200 and stack.fake.called("chat.update")  # the answer was counted
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(ReflectionRow)) == 1
    assert_nothing_personal(debug_log.getvalue(), ADA, WARD, "D" + ADA)
    sdk = from_library(debug_log, "slack_sdk")
    assert any(m.startswith("Sending a request") and "/api/chat.postMessage" in m for m in sdk)
    assert any("/api/views.open" in m for m in sdk)
    assert any(m.startswith("Received the following response") and "200" in m for m in sdk)
    bolt = from_library(debug_log, "slack_bolt")
    assert any(m.startswith("Responding with status") and "200" in m for m in bolt)


async def test_teams_sdk_lines_keep_the_call_and_lose_the_person_and_the_words(
    debug_log: io.StringIO, teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    ada = {"id": TEAMS_ADA, "name": "Ada", "aadObjectId": TEAMS_ADA_AAD}
    ada["userPrincipalName"] = TEAMS_ADA_EMAIL

    def said(**fields: Any) -> Json:
        fields["from"] = ada  # with her object id and address, as Teams sends them
        return activity(bot_connector, user=TEAMS_ADA, **fields)

    await teams_endpoint.post(said(kind="channel", **mention("checkin")))
    [posted] = bot_connector.new_threads()
    low = posted.card["body"][2]["actions"][0]["data"]
    await teams_endpoint.post(said(kind="channel", value=low, replyToId=posted.activity_id))
    await teams_endpoint.post(said(text="scenario 1"))
    reflected = {"command": "reflect 1 0", "crbot_form": True, "in_text": REFLECTION}
    status = await teams_endpoint.post(said(value=reflected))

    assert status == 201
    written = debug_log.getvalue()
    assert_nothing_personal(written, TEAMS_ADA, TEAMS_ADA_AAD, TEAMS_ADA_EMAIL, TEAMS_ADA[3:20])
    assert "19:team-general" not in written and "thread.tacv2" not in written
    # The calls to the Bot Connector still show, with the conversation and activity ids cut.
    calls = from_library(debug_log, "aiohttp.client")
    call = "Bot Connector call [redacted] POST /v3/conversations/:id/activities/:id status=201"
    assert any(m.startswith(call) for m in calls)


async def test_a_slack_token_given_twice_is_still_not_warned_about(
    debug_log: io.StringIO,
    core: Core,
    engine: AsyncEngine,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")  # bolt reads it by itself
    async with running_slack(core, engine, clock) as stack:
        await stack.slack.command("tips")

    assert not [m for m in from_library(debug_log, "slack_bolt") if m.startswith("As you gave")]
    assert from_library(debug_log, "slack_bolt")  # bolt's other lines still come through


def test_a_library_traceback_keeps_the_exception_type_and_loses_the_body(
    debug_log: io.StringIO, handled: list[logging.LogRecord]
) -> None:
    body = {"ok": False, "error": "channel_not_found", "user": ADA, "text": REFLECTION}
    try:
        raise SlackApiError(f"The server responded with: {body}", body)
    except SlackApiError as error:
        logging.getLogger("slack_bolt.AsyncApp").exception("Failed to run a listener: %s", error)

    written = debug_log.getvalue()
    assert_nothing_personal(written, ADA)
    assert "slack_sdk.errors.SlackApiError" in written
    assert "test_a_library_traceback_keeps_the_exception_type" in written  # the frames stay
    [record] = [r for r in handled if r.name == "slack_bolt.AsyncApp"]
    assert record.args is None and record.exc_info is None


def test_a_library_line_keeps_its_first_words_path_method_status_and_error_code() -> None:
    seen = {
        "Sending a request - url: POST https://slack.com/api/conversations.open, params: {}, "
        "json: {'users': 'U0123ABCD'}, headers: {'Authorization': '(redacted)'}": (
            "Sending a request [redacted] POST /api/conversations.open"
        ),
        "Received the following response - status: 200, headers: {'x': 'y'}, "
        "body: {'ok': False, 'error': 'channel_not_found', 'channel': 'C0123ABCD'}": (
            "Received the following response [redacted] status=200 error=channel_not_found"
        ),
        'Responding with status: 200 body: "I felt hollow" (3 millis)': (
            "Responding with status [redacted] status=200"
        ),
        "Request URL: 'https://smba.trafficmanager.net/amer/v3/conversations/"
        "a%3A1xYz9/activities/1712345%7C0001?x=1'": (
            "Request URL [redacted] /amer/v3/conversations/:id/activities/:id"
        ),
        f'http://127.0.0.1:3978 "POST /{TEAMS_ADA_AAD}/oauth2/v2.0/token HTTP/1.1" 200 1532': (
            "[redacted] POST /:id/:id/v2.0/token status=200"
        ),
        "Bot Connector call failed: PUT https://smba.trafficmanager.net/amer/v3/conversations/"
        "19%3Aabc%40thread.tacv2/activities/1712345?token=s3cr3t": (
            "Bot Connector call failed [redacted] PUT /amer/v3/conversations/:id/activities/:id"
        ),
        "Sending a request - url: https://hooks.slack.com/actions/T0123/4567/AbCdEf9g, body: {}": (
            "Sending a request [redacted] /actions/:id/:id/:id"
        ),
        f"Sent to {TEAMS_ADA_EMAIL} in 8:orgid:{TEAMS_ADA_AAD}": "Sent to [redacted]",
        "Task exception was never retrieved\nfuture: <Task exception=KeyError('U0123ABCD')>": (
            "Task exception was never retrieved [redacted]"
        ),
        "Scheduler started": "Scheduler started",
        "UABCDEFGH said hi": "[redacted]",
        "{'user': 'U0123ABCD', 'text': 'I felt hollow'}": "[redacted]",
    }

    rendered = {
        message: logs.redacted(logging.makeLogRecord({"name": "lib", "msg": message}))
        for message in seen
    }

    assert rendered == seen


def test_our_own_lines_pass_untouched(
    debug_log: io.StringIO, handled: list[logging.LogRecord]
) -> None:
    logging.getLogger("adapters.slack.port").warning("%s failed: %s", "chat.postMessage", "x")
    logging.getLogger("bot.core").info("request served")

    assert [message for _, message in lines(debug_log)] == [
        "chat.postMessage failed: x",
        "request served",
    ]
    assert handled[0].args == ("chat.postMessage", "x")
