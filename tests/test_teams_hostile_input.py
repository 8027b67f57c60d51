"""Hostile requests to the Teams endpoint over real HTTP: each one is answered with a 4xx or a
success, never a 5xx or a traceback, and the bot still answers the next real message."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TeamsEndpoint
from tests.fakes.bot_connector import FakeBotConnector, activity, members_added
from tests.strategies import fuzzing, json_values

DEEP = 5000


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The records that carry a traceback or report an error (the web server's own included),
    each with its traceback, so a failure shows what broke."""
    return [
        caplog.handler.format(record)
        for record in caplog.records
        if record.exc_info or record.levelno >= logging.ERROR
    ]


async def send(endpoint: TeamsEndpoint, body: bytes, content_type: str = "application/json") -> int:
    """Post raw bytes as the body; the HTTP status."""
    headers = {"Content-Type": content_type}
    async with endpoint.client.post(endpoint.url, data=body, headers=headers) as response:
        await response.read()
        return response.status


def encoded(body: Any) -> bytes:
    """JSON as Teams would send it (non-ASCII escaped, as .NET writes it)."""
    return json.dumps(body).encode()


def hostile(connector: FakeBotConnector) -> dict[str, bytes]:
    """Bodies that are not activities botbuilder can take, by what is wrong with them."""
    nested = activity(connector, text="help")
    return {
        "nested-5000-deep-array": b"[" * DEEP + b"]" * DEEP,
        "nested-5000-deep-in-a-field": encoded(nested)[:-1]
        + b', "value": '
        + b'{"a": ' * DEEP
        + b"1"
        + b"}" * DEEP
        + b"}",
        "type-a-number": encoded({**nested, "type": 5}),
        "type-missing": encoded({k: v for k, v in nested.items() if k != "type"}),
        "service-url-a-list": encoded({**nested, "serviceUrl": [connector.url]}),
        "conversation-id-an-object": encoded({**nested, "conversation": {"id": {"a": 1}}}),
        "sender-a-string": encoded({**nested, "from": "ada"}),
        "sender-id-a-number": encoded({**nested, "from": {"id": 7}}),
        "text-an-object": encoded({**nested, "text": {"a": 1}}),
        "timestamp-not-a-date": encoded({**nested, "timestamp": "yesterday"}),
        "entities-a-string": encoded({**nested, "entities": "mention"}),
        "channel-data-a-list": encoded({**members_added(connector), "channelData": [1]}),
        "members-added-an-object": encoded({**members_added(connector), "membersAdded": {"id": 1}}),
        "invalid-utf-8": b'{"type": "message", "text": "\xff\xfe"}',
        "utf-16": json.dumps(nested).encode("utf-16"),
        "a-lone-surrogate": encoded({**nested, "recipient": {"id": "\udba6x"}}),
        "a-surrogate-as-utf-8": encoded(nested).replace(b"Ada", b"\xed\xa0\x80"),
        "a-string": b'"message"',
        "null": b"null",
        "empty": b"",
    }


# The cases' names, for the test ids (the bodies are built again against the running fake).
HOSTILE = list(hostile(FakeBotConnector(url="http://127.0.0.1:9/")))


@pytest.mark.parametrize("case", HOSTILE)
async def test_a_body_that_is_not_an_activity_is_a_400_with_a_log_line_and_no_traceback(
    teams_endpoint: TeamsEndpoint,
    bot_connector: FakeBotConnector,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    caplog.set_level(logging.INFO)

    status = await send(teams_endpoint, hostile(bot_connector)[case])

    assert status == 400
    assert tracebacks(caplog) == []
    refused = [r for r in caplog.records if r.getMessage().startswith("Teams request refused")]
    assert len(refused) == 1
    assert bot_connector.calls == []


async def test_a_body_far_larger_than_any_activity_is_refused_before_it_is_parsed(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = encoded(activity(bot_connector, text="x" * 300_000))

    assert await send(teams_endpoint, body) == 413
    assert tracebacks(caplog) == []
    assert bot_connector.calls == []


# --- The fuzz: random activities, broken bodies and odd content types, one after another. ---

words = st.sampled_from(
    ["help", "home", "checkin", "checkin 3", "compassion-steps 3", "scenario 1", "steps", "", "ask"]
) | st.text(max_size=30)
invoke_names = st.sampled_from(
    [
        "application/vnd.microsoft.meetingStart",
        "application/vnd.microsoft.readReceipt",
        "adaptiveCard/action",
        "fileConsent/invoke",
        "composeExtension/query",
        "task/fetch",
        "signin/verifyState",
        "actionableMessage/executeAction",
    ]
) | st.text(max_size=20)
accounts = st.fixed_dictionaries(
    {"id": st.sampled_from(["29:user-ada", "29:user-bo", "28:crbot-app-id"]) | st.text(max_size=8)},
    optional={"name": st.text(max_size=8), "aadObjectId": st.text(max_size=8)},
)
executes = st.fixed_dictionaries(
    {
        "action": st.fixed_dictionaries(
            {"type": st.sampled_from(["Action.Execute", "Action.Submit"]) | st.text(max_size=8)},
            optional={
                "verb": words,
                "data": st.dictionaries(
                    st.sampled_from(["command", "crbot_form", "in_text"]), words
                )
                | json_values,
                "id": st.text(max_size=6),
            },
        )
    },
    optional={"trigger": st.just("manual")},
)
consents = st.fixed_dictionaries(
    {"type": st.just("fileUpload"), "action": st.sampled_from(["accept", "decline", "maybe"])},
    optional={"context": json_values, "uploadInfo": json_values},
)
# Fields of an activity as Teams could send them (a name serves invokes and events alike);
# `requests` then spoils some of them.
fields = st.fixed_dictionaries(
    {},
    optional={
        "text": words,
        "value": executes | consents | st.dictionaries(st.sampled_from(["command", "x"]), words),
        "name": invoke_names,
        "action": st.sampled_from(["add", "remove", "add-upgrade"]) | st.text(max_size=6),
        "membersAdded": st.lists(accounts, max_size=2),
        "membersRemoved": st.lists(accounts, max_size=2),
        "reactionsAdded": st.lists(st.fixed_dictionaries({"type": st.just("like")}), max_size=2),
        "replyToId": st.text(max_size=8),
        "from": accounts,
        "recipient": accounts,
        "channelData": st.fixed_dictionaries(
            {},
            optional={
                "eventType": st.sampled_from(["channelCreated", "teamRenamed", "teamDeleted"]),
                "team": st.fixed_dictionaries({"id": st.text(max_size=8)}),
                "channel": st.fixed_dictionaries({"id": st.text(max_size=8)}),
                "tenant": st.fixed_dictionaries({"id": st.text(max_size=8)}),
            },
        ),
        "entities": st.lists(
            st.fixed_dictionaries({"type": st.just("mention")}, optional={"mentioned": accounts}),
            max_size=2,
        ),
        "attachments": st.lists(
            st.fixed_dictionaries({"contentType": st.text(max_size=8), "content": json_values}),
            max_size=2,
        ),
        "timestamp": st.sampled_from(["2027-03-15T09:00:00Z", "2027-03-15T09:00:00.1234567+01:00"]),
    },
)
kinds = st.sampled_from(["personal", "channel", "groupChat"])
types = st.sampled_from(
    [
        *("message", "invoke", "invoke", "conversationUpdate", "installationUpdate"),
        *("messageReaction", "messageUpdate", "messageDelete", "event", "typing"),
        *("endOfConversation", "x"),
    ]
)
json_types = st.sampled_from(["application/json", "application/json; charset=utf-8"])
other_types = st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "", "image/png"])


@st.composite
def requests(draw: st.DrawFn, connector: FakeBotConnector) -> tuple[bytes, str]:
    """A body and its content type: an activity with random fields, or something broken."""
    form = draw(st.sampled_from(["activity"] * 6 + ["spoilt", "broken", "deep", "garbage"]))
    body = activity(
        connector,
        kind=draw(kinds),
        activity_type=draw(types),
        user=draw(st.sampled_from(["29:user-ada", "29:user-bo"])),
    )
    body.update(draw(fields))
    if form == "spoilt":
        # A connector that is not there, or no URL at all, as well as other wrong values.
        body["serviceUrl"] = draw(st.sampled_from(["http://127.0.0.1:9/", "not a url", ""]))
        for key in draw(st.lists(st.sampled_from(sorted(body)), min_size=1, max_size=3)):
            body[key] = draw(json_values)
    content_type = draw(st.sampled_from([json_types] * 9 + [other_types]).flatmap(lambda s: s))
    raw = encoded(body)
    if form == "broken":
        raw = raw[: draw(st.integers(min_value=0, max_value=len(raw) - 1))]
    elif form == "deep":
        depth = draw(st.integers(min_value=60, max_value=6000))
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        raw = raw[:-1] + b', "value": ' + opener * depth + b"1" + closer * depth + b"}"
    elif form == "garbage":
        raw = draw(st.binary(max_size=200))
    return raw, content_type


@fuzzing
@given(data=st.data())
async def test_no_request_gets_a_5xx_or_a_traceback_and_the_bot_answers_after_each(
    teams_endpoint: TeamsEndpoint,
    bot_connector: FakeBotConnector,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    caplog.clear()  # each example answers for its own lines
    raw, content_type = data.draw(requests(bot_connector))

    status = await send(teams_endpoint, raw, content_type)

    assert status < 500
    assert tracebacks(caplog) == []
    before = len(bot_connector.of_kind("reply"))
    assert await teams_endpoint.post(activity(bot_connector, text="compassion-steps 3")) == 201
    [answer] = bot_connector.of_kind("reply")[before:]
    assert answer.conversation == "a:personal-29:user-ada"


async def test_an_emoji_written_as_a_surrogate_pair_escape_is_read_like_any_text(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    body = encoded(activity(bot_connector, text="compassion-steps 3 🙂"))
    assert b"\\ud83d\\ude42" in body

    assert await send(teams_endpoint, body) == 201
    [reply] = bot_connector.of_kind("reply")
    assert reply.conversation == "a:personal-29:user-ada"
