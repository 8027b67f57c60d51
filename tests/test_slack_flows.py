"""What people do in Slack, end to end: signed requests to the real endpoint, the real bolt app
and AsyncWebClient, and a fake Slack Web API on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.render import render
from bot.core import Core
from bot.messages import Incoming, Reply, Text
from bot.ports import ChatPort
from bot.storage.tables import PollAnswerRow, ReflectionRow, TeamSettingsRow
from content.loader import LoadedPack
from tests.conftest import FrozenClock, build_core
from tests.fakes.slack_api import SlackStack, running_slack

Json = dict[str, Any]


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


def buttons(blocks: list[Json]) -> list[Json]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def button(blocks: list[Json], label: str) -> Json:
    return next(b for b in buttons(blocks) if b["text"]["text"] == label)


def all_text(blocks: list[Json]) -> str:
    return json.dumps(blocks)


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def test_the_slash_command_answers_ephemerally_within_the_ack(stack: SlackStack) -> None:
    status, body = await stack.slack.command("tips")
    assert status == 200
    reply = json.loads(body)
    assert reply["response_type"] == "ephemeral"
    assert reply["blocks"] and reply["text"]
    assert stack.fake.responses == []  # nothing needed the response URL


async def test_a_long_answer_arrives_whole_and_in_order_the_first_part_in_the_ack(
    stack: SlackStack, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = tuple(Text(text=f"part {n} " + "word " * 500) for n in range(40))
    long = Reply(summary="A long answer", blocks=parts, private=True)

    async def long_winded(incoming: Incoming, port: ChatPort) -> Reply:
        return long

    monkeypatch.setattr(core, "handle", long_winded)
    status, body = await stack.slack.command("help")

    assert status == 200
    first = json.loads(body)
    assert first["response_type"] == "ephemeral"
    expected = len(render(long).messages) - 1
    assert expected >= 1
    rest = await stack.fake.wait_for_responses(expected)
    assert all(message["response_type"] == "ephemeral" for message in rest)
    said = " ".join(all_text(message["blocks"]) for message in [first, *rest])
    positions = [said.index(f"part {n} ") for n in range(40)]
    assert positions == sorted(positions)  # every part, once, in order


async def test_share_in_channel_posts_the_same_reply_for_everyone(stack: SlackStack) -> None:
    _, body = await stack.slack.command("")
    private = json.loads(body)
    share = button(private["blocks"], "Share in channel")
    assert share["value"] == "share:compassion-steps"

    status, _ = await stack.slack.click(share, ephemeral=True)

    assert status == 200
    (posted,) = [body for _, body in stack.fake.responses]
    assert posted["response_type"] == "in_channel"
    assert "Share in channel" not in all_text(posted["blocks"])
    assert posted["blocks"][0] == private["blocks"][0]


async def open_poll(stack: SlackStack) -> Json:
    status, _ = await stack.slack.command("checkin")
    assert status == 200
    (poll,) = stack.fake.called("chat.postMessage")
    return poll


async def test_a_poll_click_records_updates_the_count_and_thanks_privately(
    stack: SlackStack, engine: AsyncEngine
) -> None:
    poll = await open_poll(stack)
    four = buttons(poll["blocks"])[4]

    status, _ = await stack.slack.click(four, user="U2", message_ts="1700000000.000001")

    assert status == 200
    assert await count(engine, PollAnswerRow) == 1
    (update,) = stack.fake.called("chat.update")
    assert update["channel"] == "C1" and update["ts"] == "1700000000.000001"
    assert "1 person has answered" in all_text(update["blocks"])
    (thanks,) = [body for _, body in stack.fake.responses]
    assert thanks["response_type"] == "ephemeral"
    assert thanks["replace_original"] is False  # the poll stays for everyone
    assert "Only figures about the whole group are ever shown" in all_text(thanks["blocks"])
    assert stack.fake.called("conversations.open") == []


async def test_a_double_click_records_one_answer(stack: SlackStack, engine: AsyncEngine) -> None:
    poll = await open_poll(stack)
    three = buttons(poll["blocks"])[3]

    await stack.slack.click(three, user="U2")
    await stack.slack.click(three, user="U2")

    assert await count(engine, PollAnswerRow) == 1
    last = stack.fake.called("chat.update")[-1]
    assert "1 person has answered" in all_text(last["blocks"])


async def test_a_low_answer_gets_its_note_in_the_private_thanks_with_the_calls_of_a_high_one(
    stack: SlackStack,
) -> None:
    poll = await open_poll(stack)

    def click_calls() -> tuple[list[str], int]:
        return [call.method for call in stack.fake.calls], len(stack.fake.responses)

    before = click_calls()
    await stack.slack.click(buttons(poll["blocks"])[1], user="U7")
    after_low = click_calls()
    await stack.slack.click(buttons(poll["blocks"])[4], user="U8")
    after_high = click_calls()

    low, high = (body for _, body in stack.fake.responses)
    assert low["response_type"] == "ephemeral" and high["response_type"] == "ephemeral"
    assert "Call the EAP at 555-0100." in all_text(low["blocks"])
    assert "Call the EAP" not in all_text(high["blocks"])
    # The same Web API methods, in the same order, and one private response each.
    low_calls = after_low[0][len(before[0]) :]
    high_calls = after_high[0][len(after_low[0]) :]
    assert low_calls == high_calls == ["chat.update"]
    assert after_low[1] - before[1] == after_high[1] - after_low[1] == 1
    assert stack.fake.called("conversations.open") == []
    assert len(stack.fake.called("chat.postMessage")) == 1  # the poll, nothing else
    assert all(
        "EAP" not in all_text(update["blocks"]) for update in stack.fake.called("chat.update")
    )


async def test_an_events_api_retry_is_processed_once(stack: SlackStack) -> None:
    mention = {"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "channel": "C1"}
    mention["ts"] = "1700000000.000100"

    first, _ = await stack.slack.event(mention, event_id="EvRetry")
    again, _ = await stack.slack.event(mention, event_id="EvRetry", retry=1)

    assert (first, again) == (200, 200)
    assert len(stack.fake.called("chat.postEphemeral")) == 1


async def test_at_crbot_help_answers_the_person(stack: SlackStack) -> None:
    mention = {"type": "app_mention", "user": "U1", "text": "<@UBOT>  help", "channel": "C1"}
    mention["ts"] = "1700000000.000100"

    status, _ = await stack.slack.event(mention, event_id="EvHelp")

    assert status == 200
    (help_reply,) = stack.fake.called("chat.postEphemeral")
    assert help_reply["user"] == "U1" and help_reply["channel"] == "C1"
    assert "compassion-steps" in all_text(help_reply["blocks"])


async def test_walkthrough_next_and_back_replace_the_ephemeral_page(stack: SlackStack) -> None:
    _, body = await stack.slack.command("scenario 1")
    story = json.loads(body)["blocks"]

    await stack.slack.click(button(story, "Next"), ephemeral=True)
    step_one = stack.fake.responses[-1][1]
    await stack.slack.click(button(step_one["blocks"], "Back"), ephemeral=True)
    back = stack.fake.responses[-1][1]

    assert step_one["replace_original"] is True
    assert "Step 1 of 6" in all_text(step_one["blocks"])
    assert back["blocks"][0] == story[0]


async def test_reflect_privately_opens_a_modal_and_keeps_the_submission(
    stack: SlackStack, engine: AsyncEngine
) -> None:
    _, body = await stack.slack.command("scenario 1")
    reflect = button(json.loads(body)["blocks"], "Reflect privately")

    await stack.slack.click(reflect, ephemeral=True)
    (opened,) = stack.fake.called("views.open")
    view = opened["view"]
    assert view["type"] == "modal" and view["blocks"][0]["element"]["multiline"] is True
    status, answer = await stack.slack.submit(
        view, {"text": {"value": {"type": "plain_text_input", "value": "I noticed my breath."}}}
    )

    assert status == 200 and answer in ("", "{}")  # the ack closes the modal
    assert await count(engine, ReflectionRow) == 1
    (saved,) = stack.fake.called("chat.postEphemeral")
    assert saved["user"] == "U1" and saved["channel"] == "C1"
    assert "Saved, privately" in all_text(saved["blocks"])


async def test_opening_app_home_publishes_the_persons_home(stack: SlackStack) -> None:
    status, _ = await stack.slack.event(
        {"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"},
        event_id="EvHome",
    )

    assert status == 200
    (published,) = stack.fake.called("views.publish")
    assert published["user_id"] == "U1"
    assert published["view"]["type"] == "home"
    assert 0 < len(published["view"]["blocks"]) <= 100


async def test_a_home_button_answers_by_direct_message(stack: SlackStack) -> None:
    await stack.slack.event(
        {"type": "app_home_opened", "user": "U1", "tab": "home"}, event_id="EvHome2"
    )
    home = stack.fake.called("views.publish")[0]["view"]["blocks"]

    status, _ = await stack.slack.click(button(home, "This week's practice"), channel=None)

    assert status == 200
    (dm,) = stack.fake.called("chat.postMessage")
    assert dm["channel"] == "DU1"


async def test_the_bot_joining_a_channel_posts_a_welcome(stack: SlackStack) -> None:
    joined = {"type": "member_joined_channel", "user": "UBOT", "channel": "C5", "team": "T1"}

    await stack.slack.event(joined, event_id="EvJoin")

    (welcome,) = stack.fake.called("chat.postMessage")
    assert welcome["channel"] == "C5"


async def test_a_person_joining_gets_a_private_welcome(stack: SlackStack) -> None:
    joined = {"type": "member_joined_channel", "user": "U3", "channel": "C5", "team": "T1"}

    await stack.slack.event(joined, event_id="EvJoin2")

    (welcome,) = stack.fake.called("chat.postEphemeral")
    assert welcome["user"] == "U3" and welcome["channel"] == "C5"


async def test_a_typed_line_in_the_dm_is_answered_there(stack: SlackStack) -> None:
    typed = {"type": "message", "channel_type": "im", "user": "U1", "text": "practice"}
    typed |= {"channel": "D1", "ts": "1700000000.000200"}

    await stack.slack.event(typed, event_id="EvDm")
    await stack.slack.event({**typed, "bot_id": "BBOT"}, event_id="EvDmBot")

    (answer,) = stack.fake.called("chat.postMessage")
    assert answer["channel"] == "D1"


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        pytest.param(None, "v0=" + "0" * 64, id="tampered"),
        pytest.param(int(time.time()) - 600, None, id="stale"),
    ],
)
async def test_a_bad_or_stale_signature_is_refused_before_the_core(
    stack: SlackStack, engine: AsyncEngine, timestamp: int | None, signature: str | None
) -> None:
    status, _ = await stack.slack.command("checkin", timestamp=timestamp, signature=signature)

    assert status == 401
    assert stack.fake.calls == []
    assert await count(engine, TeamSettingsRow) == 0


async def home_of(stack: SlackStack, user: str, event_id: str) -> list[Json]:
    await stack.slack.event(
        {"type": "app_home_opened", "user": user, "tab": "home"}, event_id=event_id
    )
    view: Json = stack.fake.called("views.publish")[-1]["view"]
    return list(view["blocks"])


async def test_a_facilitator_schedules_a_section_from_app_home(stack: SlackStack) -> None:
    home = await home_of(stack, "fran", "EvFran")
    await stack.slack.click(button(home, "Schedule a section"), user="fran", channel=None)
    (opened,) = stack.fake.called("views.open")
    view = opened["view"]
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds["channel"] == "conversations_select" and kinds["date"] == "datepicker"

    status, _ = await stack.slack.submit(
        view,
        {
            "section": {"value": {"selected_option": {"value": "2"}}},
            "channel": {"value": {"selected_conversation": "C9"}},
            "date": {"value": {"selected_date": "2027-04-01"}},
            "time": {"value": {"selected_time": "10:30"}},
            "timezone": {"value": {"selected_option": {"value": "America/Chicago"}}},
        },
        user="fran",
    )

    assert status == 200
    dm = [m for m in stack.fake.called("chat.postMessage") if m["channel"] == "Dfran"]
    assert len(dm) == 1 and "2027-04-01" in all_text(dm[0]["blocks"])


async def test_a_leader_posts_a_follow_up_from_app_home(stack: SlackStack, core: Core) -> None:
    await core.services.team_settings.grant("slack:T1", "lee", "leader")
    home = await home_of(stack, "lee", "EvLee")
    await stack.slack.click(button(home, "Post a follow-up"), user="lee", channel=None)
    (opened,) = stack.fake.called("views.open")

    status, _ = await stack.slack.submit(
        opened["view"],
        {
            "channel": {"value": {"selected_conversation": "C9"}},
            "text": {"value": {"value": "Thank you all for Tuesday."}},
            "as": {"value": {"selected_option": {"value": "the bot"}}},
        },
        user="lee",
    )

    assert status == 200
    # From App Home the preview comes as a direct message; nothing is in the channel yet.
    (preview,) = [m for m in stack.fake.called("chat.postMessage") if m["channel"] == "Dlee"]
    assert "Thank you all for Tuesday." in all_text(preview["blocks"])
    assert not [m for m in stack.fake.called("chat.postMessage") if m["channel"] == "C9"]
    await stack.slack.click(button(preview["blocks"], "Post it"), user="lee", channel="Dlee")
    posted = [m for m in stack.fake.called("chat.postMessage") if m["channel"] == "C9"]
    assert len(posted) == 1 and "Thank you all for Tuesday." in all_text(posted[0]["blocks"])


async def test_app_home_offers_facilitators_the_console_and_its_button_sends_their_link(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack]
) -> None:
    core = build_core(engine, clock, packs, public_url="https://crbot.example.org")
    async with running_slack(core, engine, clock) as running:
        staff = await home_of(running, "sam", "EvSam")
        home = await home_of(running, "fran", "EvFranConsole")
        assert "The console" in all_text(home) and "The console" not in all_text(staff)

        status, _ = await running.slack.click(
            button(home, "Open the console"), user="fran", channel=None
        )

        assert status == 200
        (dm,) = running.fake.called("chat.postMessage")
        assert "https://crbot.example.org/console/signin?token=" in all_text(dm["blocks"])
