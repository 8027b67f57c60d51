"""Scenario walkthroughs: one step at a time, next and back, private reflections."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.messages import Buttons, Heading, Reply
from bot.pseudonyms import Pseudonyms
from bot.storage.engine import create_engine, sessions
from bot.storage.tables import WalkthroughRow
from bot.storage.walkthroughs import Position, WalkthroughStore
from tests.conftest import TEST_SECRET, Chat


def heading(reply: Reply) -> str:
    return next(block.text for block in reply.blocks if isinstance(block, Heading))


def button_commands(reply: Reply) -> dict[str, str]:
    return {
        b.label: b.command
        for block in reply.blocks
        if isinstance(block, Buttons)
        for b in block.buttons
    }


async def test_scenario_without_a_number_lists_all_four_healthcare_scenarios(chat: Chat) -> None:
    reply = await chat.say("sam", "scenario")
    assert [label for label in button_commands(reply)] == [f"Scenario {n}" for n in range(1, 5)]


async def test_a_walkthrough_goes_story_then_each_step_then_the_end(chat: Chat) -> None:
    story = await chat.say("sam", "scenario 1")
    assert heading(story).startswith("Scenario 1")
    seen = []
    reply = story
    for _ in range(7):
        reply = await chat.say("sam", "next")
        seen.append(heading(reply))
    assert [title.split(":")[0] for title in seen[:6]] == [f"Step {n} of 6" for n in range(1, 7)]
    assert "My reflections" in button_commands(reply)
    back = await chat.say("sam", "back")
    assert heading(back).startswith("Step 6 of 6")


async def test_buttons_carry_absolute_positions_so_a_double_click_moves_once(chat: Chat) -> None:
    story = await chat.say("sam", "scenario 2")
    next_command = button_commands(story)["Next"]
    first = await chat.say("sam", next_command)
    again = await chat.say("sam", next_command)
    assert heading(first) == heading(again) == heading(first)
    assert heading(first).startswith("Step 1 of 6")


async def test_next_without_a_walkthrough_explains_how_to_start(chat: Chat) -> None:
    reply = await chat.say("sam", "next")
    assert "scenario" in reply.plain_text()


async def test_reflections_are_visible_only_to_their_author(chat: Chat) -> None:
    await chat.say("sam", "scenario 3")
    await chat.say("sam", "next")
    saved = await chat.say("sam", "reflect I would want to fix it for her")
    assert "privately" in saved.plain_text()
    mine = await chat.say("sam", "reflections")
    assert "I would want to fix it for her" in mine.plain_text()
    theirs = await chat.say("lee", "reflections")
    assert "fix it" not in theirs.plain_text()


async def test_a_reflection_from_a_form_lands_on_the_step_the_button_was_on(chat: Chat) -> None:
    step_two = await chat.say("sam", "scenario 4 2")
    reflect = button_commands(step_two)["Reflect privately"]
    await chat.say("sam", "scenario 1")
    await chat.say("sam", reflect, form={"text": "Lunch is not the place, but I can listen."})
    mine = (await chat.say("sam", "reflections")).plain_text()
    assert "Scenario 4, step 2: Lunch is not the place" in mine


async def test_an_empty_or_oversized_reflection_is_refused_kindly(chat: Chat) -> None:
    await chat.say("sam", "scenario 1")
    assert "Write your reflection" in (await chat.say("sam", "reflect")).plain_text()
    too_long = await chat.say("sam", "reflect " + "x" * 3001)
    assert "shorten" in too_long.plain_text()


async def test_an_unknown_scenario_is_a_kind_reply(chat: Chat) -> None:
    assert "don't have that scenario" in (await chat.say("sam", "scenario 42")).plain_text()


async def test_a_page_turned_is_stored_for_another_replica_soon_after_its_answer(
    chat: Chat, engine: AsyncEngine
) -> None:
    await chat.say("sam", "scenario 2 3")
    elsewhere = WalkthroughStore(sessions(engine))  # another replica's view: the database only
    await chat.core.services.walkthroughs.saved()
    person = Pseudonyms(TEST_SECRET).of(chat.tenant, "sam")
    assert await elsewhere.position(chat.tenant, person) == Position(2, 3)
    await chat.say("sam", "next")
    await chat.core.services.walkthroughs.saved()
    assert await elsewhere.position(chat.tenant, person) == Position(2, 4)


async def test_many_pages_turned_at_once_are_stored_each_at_its_latest_place(
    chat: Chat, engine: AsyncEngine
) -> None:
    people = [f"p{n}" for n in range(12)]
    await asyncio.gather(*(chat.say(who, "scenario 1 1") for who in people))
    await asyncio.gather(*(chat.say(who, "next") for who in people))
    await chat.core.services.walkthroughs.saved()
    elsewhere = WalkthroughStore(sessions(engine))
    for who in people:
        person = Pseudonyms(TEST_SECRET).of(chat.tenant, who)
        assert await elsewhere.position(chat.tenant, person) == Position(1, 2)


async def test_delete_me_right_after_a_page_turn_leaves_no_place_stored(
    chat: Chat, engine: AsyncEngine
) -> None:
    await chat.say("sam", "scenario 3 2")
    await chat.say("sam", "privacy delete-me confirm")  # while the place may still be in flight
    await chat.core.services.walkthroughs.saved()
    async with sessions(engine)() as session:
        assert (await session.scalars(select(WalkthroughRow))).all() == []
    assert "scenario" in (await chat.say("sam", "next")).plain_text()


async def test_a_place_that_cannot_be_stored_is_logged_and_the_next_one_is_still_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}")
    store = WalkthroughStore(sessions(empty))
    now = datetime(2026, 3, 2, tzinfo=UTC)
    try:
        await store.move("test:team", "who", 1, 2, now)
        assert await store.position("test:team", "who") == Position(1, 2)  # from memory
        with caplog.at_level(logging.WARNING):
            await store.saved()
        assert "walkthrough places not stored: OperationalError" in caplog.text
        await store.move("test:team", "who", 1, 3, now)
        assert await store.position("test:team", "who") == Position(1, 3)
        await store.saved()
    finally:
        await empty.dispose()
