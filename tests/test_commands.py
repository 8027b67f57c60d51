"""Parsing typed lines and button commands."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.handlers import discover

parse = discover().parse


def test_the_bare_slash_command_means_all_six_steps() -> None:
    assert parse("/compassion-steps").name == "steps"
    assert parse("compassion-steps").args == ()


def test_a_step_number_or_word_stays_an_argument_of_steps() -> None:
    assert parse("compassion-steps 3").args == ("3",)
    assert parse("compassion-steps Empathy").args == ("empathy",)


def test_the_prefix_passes_through_to_other_commands() -> None:
    command = parse("compassion-steps checkin 4")
    assert (command.name, command.args) == ("checkin", ("4",))
    assert parse("compassion-steps scenario 2").name == "scenario"


def test_aliases_and_extra_spaces_are_understood() -> None:
    assert parse("  Check-in   5 ").args == ("5",)
    assert parse("scenarios").name == "scenario"


def test_reflection_text_keeps_its_case_in_rest() -> None:
    assert parse("reflect I Felt Rushed").rest == "I Felt Rushed"


def test_unknown_words_become_the_unknown_command() -> None:
    assert parse("dance now").name == "unknown"


@given(st.text(max_size=200))
def test_any_line_parses_without_raising(line: str) -> None:
    assert parse(line).name


@pytest.mark.parametrize("prefix", ["", "compassion-steps ", "/compassion-steps "])
def test_the_rest_of_a_line_is_the_same_with_or_without_the_slash_commands_name(
    prefix: str,
) -> None:
    typed = parse(f"{prefix}ask Could  we talk About breaks?")

    assert typed.name == "ask"
    assert typed.rest == "Could we talk About breaks?"
