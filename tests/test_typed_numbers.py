"""Numbers people type (or buttons carry) that are not plain ASCII digits get the command's own
kind hint: never "something went wrong", never a logged error."""

from __future__ import annotations

import logging

import pytest

from bot.commands import number
from bot.core import Core
from bot.rollouts.plan import PlanError
from bot.wording import sorry_reply
from crbot import rollout_cli
from tests.conftest import Chat

# Superscript two, Arabic-Indic three, full-width three: `str.isdigit()` takes each of them.
ODD_NUMBERS = ("²", "٣", "\uff13", "-1", "1" * 30)

# (who, the command with `N` where the number goes, a button's form when it is one)
COMMANDS: list[tuple[str, str, dict[str, str] | None]] = [
    ("sam", "checkin N", None),
    ("sam", "checkin 3 N", None),
    ("sam", "scenario N", None),
    ("sam", "scenario 1 N", None),
    ("sam", "reflect N N", {"text": "A thought"}),
    ("sam", "steps N", None),
    ("sam", "compassion-steps N", None),
    ("sam", "survey 1 N", None),
    ("sam", "survey N 3", None),
    ("fran", "section N", None),
    ("sam", "drivers sort N mine", None),
    ("lou", "drivers answer N now", None),
    ("lou", "drivers answer N now replace", None),
    ("lou", "drivers unpost N", None),
    ("lou", "drivers unpost N yes", None),
    ("lou", "drivers progress N We have started", None),
    ("sam", "agreements star N", None),
    ("sam", "agreements unstar N", None),
    ("fran", "agreements agree N", None),
    ("fran", "agreements drop N", None),
    ("fran", "ask forward N", None),
    ("lou", "ask answer N Yes, from May", None),
    ("lou", "ask unpost N", None),
    ("lou", "ask unpost N yes", None),
    ("fran", "schedule N 2027-03-23 09:00 Europe/London", None),
    ("fran", "rollout skip N", None),
    ("fran", "rollout move N 2027-05-11 09:00", None),
    ("fran", "rollout done N 1", None),
    ("fran", "rollout done 1 N", None),
]


async def a_team_with_something_of_everything(core: Core, chat: Chat) -> None:
    """A rollout, a check-in, a survey, a driver, a proposal and a question in the channel."""
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    for line in (
        "schedule 1 2027-03-23 09:00 Europe/London",
        "checkin",
        "survey pre",
        "drivers add Short staffing on weekends",
        "agreements propose We assume good intent",
    ):
        await chat.say("fran", line)
    await chat.say("sam", "ask Could we have a quiet room?")
    await chat.say("sam", "scenario 1")


@pytest.mark.parametrize(("who", "command", "form"), COMMANDS, ids=[c for _, c, _ in COMMANDS])
async def test_a_number_that_is_not_plain_digits_gets_the_commands_kind_hint(
    core: Core,
    chat: Chat,
    caplog: pytest.LogCaptureFixture,
    who: str,
    command: str,
    form: dict[str, str] | None,
) -> None:
    await a_team_with_something_of_everything(core, chat)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        for odd in ODD_NUMBERS:
            reply = await chat.say(who, command.replace("N", odd), form=form)
            assert reply.plain_text(), command
            assert reply.plain_text() != sorry_reply().plain_text(), (command, odd)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert "request failed" not in caplog.text


@pytest.mark.parametrize(
    ("typed", "read"),
    [("3", 3), ("0", 0), ("007", 7), ("#12", 12), ("999999999", 999_999_999)],
)
def test_plain_ascii_digits_are_read_as_a_number(typed: str, read: int) -> None:
    assert number(typed) == read


@pytest.mark.parametrize(
    "typed", [*ODD_NUMBERS, "", "#", "##3", " 3", "3.0", "+3", "1_000", "1234567890"]
)
def test_anything_else_is_no_number(typed: str) -> None:
    assert number(typed) is None


async def test_a_mistyped_question_number_is_a_hint_and_never_a_new_question(
    core: Core, chat: Chat
) -> None:
    await chat.say("sam", "ask Could we have a quiet room?")

    reply = await chat.say("fran", "ask forward ٣")

    assert "Name the question by its number" in reply.plain_text()
    assert [ask.id for ask in await core.services.asks.open_asks(chat.tenant)] == [1]
    missing = await chat.say("fran", "ask forward 7")
    assert "no question #7" in missing.plain_text()


async def test_an_item_named_as_the_board_shows_it_is_found(chat: Chat) -> None:
    await chat.say("sam", "drivers add Short staffing on weekends")

    reply = await chat.say("sam", "drivers sort #1 mine")

    assert "Moved #1" in reply.plain_text()


def test_the_command_line_refuses_a_circle_whose_section_is_not_plain_digits() -> None:
    with pytest.raises(PlanError, match="write a circle as SECTION="):
        rollout_cli._circles(["²=2027-03-16T09:00"])
