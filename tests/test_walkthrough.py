"""Scenario walkthroughs: one step at a time, next and back, private reflections."""

from __future__ import annotations

from bot.messages import Buttons, Heading, Reply
from tests.conftest import Chat


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
