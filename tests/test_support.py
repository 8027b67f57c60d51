"""Where a team's people turn for help: set by its facilitators in chat, shown to anyone, and
pointed to after a low check-in answer and in free-text replies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.features.help import NOT_A_CRISIS_SERVICE
from bot.messages import Buttons, Reply
from bot.storage.engine import sessions
from bot.storage.team_settings import MAX_SUPPORT_CHARS, TeamSettingsStore, support_text
from tests.commandline import crbot, local_environment
from tests.conftest import Chat

NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)
DEFAULT = "Call the EAP at 555-0100."
OURS = "EAP: 0800 555 0100 (24 hours)\nCrisis line: 555 0199"


def buttons(reply: Reply) -> dict[str, str]:
    return {
        b.label: b.command for bl in reply.blocks if isinstance(bl, Buttons) for b in bl.buttons
    }


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("  EAP   555 0100  ", "EAP 555 0100"),
        ("EAP 555 0100\r\n\r\n  crisis line 555 0199 ", "EAP 555 0100\ncrisis line 555 0199"),
        (
            "<!channel> *EAP* <https://x.example|click>",
            "<!channel> *EAP* <https://x.example|click>",
        ),
    ],
)
def test_support_text_is_tidied_and_markup_is_left_for_renderers_to_escape(
    text: str, kept: str
) -> None:
    assert support_text(text) == kept


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("   \n  ", "no words"),
        ("x" * (MAX_SUPPORT_CHARS + 1), "at most 500"),
        ("\n".join(["line"] * 6), "more than 5 lines"),
        ("EAP \u202e0010 555", "do not print"),
        ("EAP \x07 555", "do not print"),
    ],
)
def test_support_text_that_is_empty_long_or_unprintable_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        support_text(text)


async def test_setting_support_through_the_store_is_seen_at_once(engine: AsyncEngine) -> None:
    teams = TeamSettingsStore(sessions(engine))
    assert await teams.set_support_resources("slack:T1", OURS) is False
    assert await teams.get("slack:T1") is None
    await teams.ensure("slack:T1", "schools", 5, NOW)
    assert await teams.set_support_resources("slack:T1", OURS) is True
    assert (await teams.ensure("slack:T1", "schools", 5, NOW)).support_resources == OURS
    await teams.set_support_resources("slack:T1", None)
    team = await teams.get("slack:T1")
    assert team is not None and team.support_resources is None


async def test_anyone_sees_the_default_and_that_the_bot_is_not_a_crisis_service(
    chat: Chat,
) -> None:
    reply = await chat.say("sam", "support")
    assert DEFAULT in reply.plain_text() and NOT_A_CRISIS_SERVICE in reply.plain_text()
    assert buttons(reply) == {}


async def test_a_facilitator_sets_the_teams_support_and_everyone_is_pointed_to_it(
    chat: Chat,
) -> None:
    shown = await chat.say("fran", "support")
    assert buttons(shown) == {"Change": "support set"}
    changed = await chat.say("fran", "support set", form={"text": OURS})
    assert "support resources are changed" in changed.summary
    assert buttons(changed) == {"Change": "support set", "Back to the default": "support clear"}

    for line in OURS.splitlines():
        assert line in (await chat.say("sam", "support")).plain_text()
        assert line in (await chat.say("sam", "banana")).plain_text()
    assert DEFAULT not in (await chat.say("sam", "support")).plain_text()

    await chat.say("fran", "support set EAP 0800 111 2222")
    assert "EAP 0800 111 2222" in (await chat.say("sam", "hello")).plain_text()
    await chat.say("fran", "support clear")
    assert DEFAULT in (await chat.say("sam", "support")).plain_text()


async def test_staff_cannot_change_the_teams_support(chat: Chat) -> None:
    await chat.say("fran", "support set EAP 0800 111 2222")
    for typed in ("support set Call me instead", "support clear"):
        await chat.say("sam", typed)
    assert "EAP 0800 111 2222" in (await chat.say("sam", "support")).plain_text()


async def test_support_that_is_too_long_changes_nothing_and_says_why(chat: Chat) -> None:
    refused = await chat.say("fran", "support set", form={"text": "x" * 600})
    assert "Nothing has changed" in refused.summary and "at most 500" in refused.summary
    assert DEFAULT in (await chat.say("sam", "support")).plain_text()
    assert "Nothing has changed" in (await chat.say("fran", "support set")).summary


async def test_help_shows_staff_support_and_facilitators_how_to_change_it(chat: Chat) -> None:
    assert "support set" not in (await chat.say("sam", "help")).plain_text()
    assert "`support`" in (await chat.say("sam", "help")).plain_text()
    assert "support set TEXT" in (await chat.say("fran", "help")).plain_text()


def test_an_operator_sets_shows_and_clears_a_teams_support_from_the_cli(tmp_path: Path) -> None:
    environment = local_environment(tmp_path / "data")
    unknown = crbot(environment, "support", "show", "circle")
    assert unknown.returncode == 2 and "has not used the bot yet" in unknown.stderr

    assert crbot(environment, "support", "set", "circle", OURS).returncode == 0
    shown = crbot(environment, "support", "show", "circle")
    assert shown.stdout == f"shell:circle shows its own:\n{OURS}\n"
    staff = crbot(environment, "shell", "--user", "sam", "--team", "circle", script="support\n")
    assert all(line in staff.stdout for line in OURS.splitlines())

    refused = crbot(environment, "support", "set", "circle", "x" * 600)
    assert refused.returncode == 2 and "nothing has changed" in refused.stderr
    cleared = crbot(environment, "support", "clear", "shell:circle")
    assert "the default (CRBOT_SUPPORT_RESOURCES)" in cleared.stdout
    assert OURS not in cleared.stdout
