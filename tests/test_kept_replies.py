"""Replies made only of the pack's words are built once and rendered once, for everyone."""

from __future__ import annotations

import pytest

from adapters.slack.render import render
from tests.conftest import Chat


@pytest.mark.parametrize(
    "command", ["help", "scenario", "practice", "prompt", "steps 3", "scenario 1", "scenario 2 3"]
)
async def test_the_packs_words_are_one_reply_for_everyone_and_rendered_once(
    chat: Chat, command: str
) -> None:
    first = await chat.say("sam", command)
    second = await chat.say("lee", command)
    assert first is second
    assert first.fixed or first.shareable
    assert render(first) is render(second)


async def test_a_personal_reply_is_never_kept_or_rendered_once(chat: Chat) -> None:
    await chat.say("sam", "scenario 1")
    first = await chat.say("sam", "reflect A note only for me")
    second = await chat.say("sam", "reflect A note only for me")
    assert not (first.fixed or first.shareable)
    assert render(first) is not render(second)
