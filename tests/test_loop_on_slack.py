"""The two-way loop in Slack, end to end: signed requests to the real endpoint and bolt app, the
real AsyncWebClient, and the fake Slack Web API on loopback. Asks, suggestions, reports, privacy,
the drivers board, culture agreements and a survey answer, each clicked as people would."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.storage.tables import AskRow
from tests.conftest import FrozenClock
from tests.fakes.slack_api import SlackStack, running_slack

Json = dict[str, Any]
TENANT = "slack:T1"
REPLY_CODE = re.compile(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    await core.services.team_settings.grant(TENANT, "ULEE", "leader")
    async with running_slack(core, engine, clock) as running:
        yield running


def buttons(blocks: list[Json]) -> list[Json]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def button(blocks: list[Json], label: str) -> Json:
    return next(b for b in buttons(blocks) if b["text"]["text"] == label)


def text(blocks: list[Json]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def posted_to(stack: SlackStack, channel: str) -> list[Json]:
    return [m for m in stack.fake.called("chat.postMessage") if m["channel"] == channel]


async def say(stack: SlackStack, line: str, user: str = "U1") -> Json:
    status, body = await stack.slack.command(line, user=user)
    assert status == 200
    return dict(json.loads(body))


async def submit(stack: SlackStack, user: str, values: dict[str, str], choice: str = "") -> None:
    view = stack.fake.called("views.open")[-1]["view"]
    state: Json = {name: {"value": {"value": value}} for name, value in values.items()}
    if choice:
        name, picked = choice.split("=", 1)
        state[name] = {"value": {"selected_option": {"value": picked}}}
    status, _ = await stack.slack.submit(view, state, user=user)
    assert status == 200


async def test_an_ask_is_forwarded_and_answered_in_the_channel_without_the_asker(
    stack: SlackStack,
) -> None:
    asked = await say(stack, "ask Could we have a quiet room on nights?")
    assert "anonymously" in text(asked["blocks"])
    (note,) = posted_to(stack, "Dfran")
    assert "quiet room" in text(note["blocks"]) and "U1" not in text(note["blocks"])

    await stack.slack.click(
        button(note["blocks"], "Forward to leaders"), user="fran", channel="Dfran"
    )
    (forwarded,) = posted_to(stack, "DULEE")
    await stack.slack.click(button(forwarded["blocks"], "Answer"), user="ULEE", channel="DULEE")
    await submit(stack, "ULEE", {"text": "Yes, from May."})

    (answer,) = posted_to(stack, "C1")
    assert "quiet room" in text(answer["blocks"]) and "from May" in text(answer["blocks"])
    assert "U1" not in text(answer["blocks"])


async def forward_and_answer(stack: SlackStack, answer: str) -> None:
    """Fran forwards the newest question and the leader answers it in the form."""
    note = posted_to(stack, "Dfran")[-1]
    await stack.slack.click(
        button(note["blocks"], "Forward to leaders"), user="fran", channel="Dfran"
    )
    forwarded = posted_to(stack, "DULEE")[-1]
    await stack.slack.click(button(forwarded["blocks"], "Answer"), user="ULEE", channel="DULEE")
    await submit(stack, "ULEE", {"text": answer})


async def places_of_asks(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.execute(select(AskRow.place))).scalars())


async def test_an_ask_typed_in_a_dm_keeps_no_place_and_is_answered_in_the_team_channel(
    stack: SlackStack, engine: AsyncEngine
) -> None:
    await say(stack, "schedule 1 2027-03-16 09:00 Europe/London", user="fran")  # a rollout in C1
    typed = {"type": "message", "channel_type": "im", "user": "U1", "channel": "DU1"}
    typed |= {"ts": "1700000000.000200", "text": "ask Could we have a quiet room on nights?"}
    await stack.slack.event(typed, event_id="EvAsk")

    (acknowledged,) = posted_to(stack, "DU1")
    assert "team's channel" in text(acknowledged["blocks"])
    assert await places_of_asks(engine) == [""]
    await forward_and_answer(stack, "Yes, from May.")

    (answer,) = posted_to(stack, "C1")
    assert "quiet room" in text(answer["blocks"]) and "from May" in text(answer["blocks"])
    assert posted_to(stack, "DU1") == [acknowledged]
    told = stack.fake.called("chat.postEphemeral")[-1]
    assert told["user"] == "ULEE" and "team's channel" in text(told["blocks"])


async def test_a_slash_command_ask_in_a_dm_is_read_only_with_its_reply_code(
    stack: SlackStack, engine: AsyncEngine
) -> None:
    status, body = await stack.slack.command("ask Why so many meetings?", channel="DU1")
    assert status == 200
    found = REPLY_CODE.search(body)
    assert found is not None
    assert await places_of_asks(engine) == [""]
    await forward_and_answer(stack, "We are cutting them by half.")

    assert stack.fake.called("chat.postMessage")[-1]["channel"] == "DULEE"  # nothing posted
    told = stack.fake.called("chat.postEphemeral")[-1]
    assert "nothing was posted" in text(told["blocks"])
    status, body = await stack.slack.command(f"ask check {found.group()}", channel="DU1")
    checked = json.loads(body)
    assert checked["response_type"] == "ephemeral"
    assert "meetings" in text(checked["blocks"]) and "by half" in text(checked["blocks"])
    wrong = await say(stack, "ask check ABCDE-FGHJK")
    assert "couldn't find a question with that code, sorry" in text(wrong["blocks"])


async def test_suggestions_reach_the_facilitator_as_one_batch(stack: SlackStack) -> None:
    for user in ("U1", "U2"):
        await say(stack, f"suggest Idea from {user}", user=user)
    assert posted_to(stack, "Dfran") == []
    await say(stack, "suggest Idea from U3", user="U3")
    (batch,) = posted_to(stack, "Dfran")
    assert text(batch["blocks"]).count("Idea from") == 3
    assert "answers from the team" in text(batch["blocks"]) and "C1" not in text(batch["blocks"])


async def test_suggestions_from_one_person_in_a_dm_are_never_released_alone(
    stack: SlackStack,
) -> None:
    for words in ("Protected lunch", "Fewer emails", "A peer buddy"):
        await stack.slack.command(f"suggest {words}", channel="DU1")
    assert posted_to(stack, "Dfran") == []
    for user in ("U2", "U3"):
        await say(stack, f"suggest Idea from {user}", user=user)

    (batch,) = posted_to(stack, "Dfran")
    assert "5 answers from the team" in text(batch["blocks"])
    assert "DU1" not in text(batch["blocks"]) and "C1" not in text(batch["blocks"])


async def test_a_survey_answer_updates_its_poll_and_the_report_shows_it_at_the_group_size(
    stack: SlackStack,
) -> None:
    await say(stack, "survey pre", user="fran")
    (survey,) = posted_to(stack, "C1")
    first_question = buttons(survey["blocks"])[:6]
    assert first_question[0]["text"]["text"] == "0 · Not at all"
    for user in ("U1", "U2", "U3"):
        status, _ = await stack.slack.click(first_question[4], user=user)
        assert status == 200
    update = stack.fake.called("chat.update")[-1]
    released = "3 people have answered. At 3: low (0-1) 0% · middle (2-3) 0% · high (4-5) 100%"
    assert released in text(update["blocks"])
    thanks = stack.fake.responses[-1][1]
    assert thanks["response_type"] == "ephemeral" and "your answer is in" in text(thanks["blocks"])

    report = await say(stack, "report", user="fran")
    assert report["response_type"] == "ephemeral"
    figures = "3 answers, low (0-1) 0% · middle (2-3) 0% · high (4-5) 100% · average about 4.5"
    assert "Pre 1" in text(report["blocks"]) and figures in text(report["blocks"])
    assert "only a facilitator" in text((await say(stack, "report"))["blocks"])


async def test_privacy_show_me_and_delete_me_by_button(stack: SlackStack) -> None:
    await say(stack, "checkin 3")
    shown = await say(stack, "privacy show-me")
    assert "Check-in and survey answers: 1" in text(shown["blocks"])
    confirm = await say(stack, "privacy delete-me")
    await stack.slack.click(button(confirm["blocks"], "Delete my data"), ephemeral=True)
    done = stack.fake.responses[-1][1]
    assert "Deleted 1 check-in and survey answer(s)" in text(done["blocks"])


async def test_the_drivers_board_is_filled_by_form_and_answered_by_a_leader(
    stack: SlackStack,
) -> None:
    board = await say(stack, "drivers")
    await stack.slack.click(button(board["blocks"], "Add a driver"), ephemeral=True)
    await submit(
        stack, "U1", {"text": "Rota published late"}, choice="control=Leadership can control"
    )
    added = stack.fake.called("chat.postEphemeral")[-1]
    assert "Added anonymously as #1" in text(added["blocks"])

    leader_board = await say(stack, "drivers", user="ULEE")
    assert "Rota published late" in text(leader_board["blocks"])
    assert "U1" not in text(leader_board["blocks"])
    answer = button(leader_board["blocks"], "Answer #1")
    await stack.slack.click(answer, user="ULEE", ephemeral=True)
    await submit(stack, "ULEE", {}, choice="answer=Exploring this year")

    (posted,) = posted_to(stack, "C1")
    assert "Rota published late" in text(posted["blocks"])
    assert "Exploring this year" in text(posted["blocks"])


async def test_a_drivers_posted_answer_is_replaced_in_place_then_deleted_by_button(
    stack: SlackStack,
) -> None:
    await say(stack, "drivers add Rota published late")
    await say(stack, "drivers sort 1 leadership")
    await say(stack, "drivers answer 1 this-year", user="ULEE")
    (posted,) = posted_to(stack, "C1")

    asked = await say(stack, "drivers answer 1 next-year", user="ULEE")
    assert stack.fake.called("chat.update") == []
    await stack.slack.click(
        button(asked["blocks"], "Replace the posted answer"), user="ULEE", ephemeral=True
    )
    (updated,) = await stack.fake.wait_for("chat.update")
    assert updated["channel"] == "C1" and "Exploring next year" in text(updated["blocks"])

    asked = await say(stack, "drivers unpost 1", user="ULEE")
    assert stack.fake.called("chat.delete") == []
    await stack.slack.click(
        button(asked["blocks"], "Delete the posted answer"), user="ULEE", ephemeral=True
    )
    (deleted,) = await stack.fake.wait_for("chat.delete")
    assert (deleted["channel"], deleted["ts"]) == ("C1", updated["ts"])
    assert len(posted_to(stack, "C1")) == 1 and "Rota published late" in text(posted["blocks"])


async def test_culture_agreements_are_proposed_starred_agreed_and_posted(
    stack: SlackStack,
) -> None:
    await say(stack, "agreements propose We assume good intent")
    (proposal,) = posted_to(stack, "C1")
    for user in ("U2", "U3"):
        await stack.slack.click(button(proposal["blocks"], "★ Star it"), user=user)
    starred = stack.fake.responses[-1][1]
    assert "★ 2 so far" in text(starred["blocks"])

    listing = await say(stack, "agreements", user="fran")
    await stack.slack.click(button(listing["blocks"], "Agree #1"), user="fran", ephemeral=True)

    agreed = posted_to(stack, "C1")[-1]
    assert "Our culture agreements" in text(agreed["blocks"])
    assert "We assume good intent" in text(agreed["blocks"])
