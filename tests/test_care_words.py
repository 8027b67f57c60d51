"""What the bot says about itself: not monitored, not a crisis service, and no country's number
unless the installation names one."""

from __future__ import annotations

import pytest

from bot.core import Core
from bot.settings import load_settings
from tests.conftest import Chat


async def test_help_says_nobody_watches_and_this_is_not_a_crisis_service(chat: Chat) -> None:
    words = (await chat.say("ana", "help")).plain_text()
    assert "I am not a crisis service" in words and "Nobody watches" in words
    assert "local crisis line" in words


async def test_the_first_welcome_says_the_same(core: Core) -> None:
    words = (await core.welcome("test:team")).plain_text()
    assert "I am not a crisis service" in words


def test_the_default_support_line_names_no_country(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRBOT_SUPPORT_RESOURCES", raising=False)
    line = load_settings().support_resources
    assert "988" not in line and "(US)" not in line
    assert "employee assistance programme" in line


async def test_a_low_answer_is_followed_by_the_support_note_only_on_how_someone_is_doing(
    chat: Chat,
) -> None:
    await chat.say("fran", "checkin")  # section 1: "How are you doing right here, right now?"
    first = (await chat.say("ana", "checkin 0")).plain_text()
    assert "A NOTE, JUST FOR YOU" in first and "EAP" in first

    chat.channel = "#clarity"
    await chat.say("fran", "section 5")  # "how clear are you about what is expected of you?"
    await chat.say("fran", "checkin")
    clarity = (await chat.say("ana", "checkin 0")).plain_text()
    assert "your answer is in" in clarity and "A NOTE, JUST FOR YOU" not in clarity
