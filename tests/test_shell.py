"""The scripted shell, end to end: `crbot shell` as a separate process, as a user would run it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.commandline import crbot, local_environment


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return local_environment(tmp_path)


def shell(env: dict[str, str], script: str, *args: str, command: str = "shell") -> str:
    result = crbot(env, command, *args, script=script)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_piping_compassion_steps_prints_the_six_steps(environment: dict[str, str]) -> None:
    out = shell(environment, "compassion-steps\n")
    for name in ("Notice", "Self-check", "Seek to understand", "Cultivate empathy"):
        assert name in out
    assert "Discern best action" in out and "Take action" in out
    assert "*" not in out.split("\n")[1]


# A release as the poll line shows it; the shell adds real noise, so only its shape is known.
RELEASED = re.compile(r"At 3: low \(0-1\) \d+% · middle \(2-3\) \d+% · high \(4-5\) \d+%")


def test_a_whole_circle_can_be_simulated_from_a_script(environment: dict[str, str]) -> None:
    # The smallest group size allowed, so three answers make the first release.
    env = environment | {"CRBOT_MIN_GROUP_SIZE": "3"}
    for user, answer in (("ana", 4), ("ben", 2)):
        out = shell(env, f"checkin {answer}\n", "--user", user, "--team", "ward-7")
        assert "your answer is in" in out
        assert "Figures appear once 3 people have answered" in out
    out = shell(env, "checkin 5\n", "--user", "cam", "--team", "ward-7")
    released = RELEASED.search(out)
    assert released is not None and "3 people have answered. At 3:" in out
    # One more answer changes the count, never the figures.
    out = shell(env, "checkin 0\n", "--user", "dee", "--team", "ward-7")
    assert f"4 people have answered. {released.group(0)}" in out
    other = shell(env, "checkin 3\n", "--user", "ana", "--team", "ward-8")
    assert "1 person has answered" in other


def headers(out: str) -> list[str]:
    """What kind of thing the shell printed, in order (posted, updated, privately...)."""
    return [line.split()[1] for line in out.splitlines() if line.startswith("── ")]


def test_a_low_answer_in_the_shell_brings_its_note_in_the_thanks_like_any_answer(
    environment: dict[str, str],
) -> None:
    low = shell(environment, "checkin 0\n", "--user", "dee", "--team", "low")
    high = shell(environment, "checkin 5\n", "--user", "eve", "--team", "high")
    assert "A NOTE, JUST FOR YOU" in low and "A NOTE" not in high
    assert "your answer is in" in low and "your answer is in" in high
    # The same outputs in the same order: the poll, its update, and no private message apart.
    assert headers(low) == headers(high) == ["posted", "updated"]


def test_walkthrough_next_and_back_are_typed(environment: dict[str, str]) -> None:
    out = shell(environment, "scenario 1\nnext\nnext\nback\nreflect hard morning\nreflections\n")
    assert "STEP 1 OF 6" in out and "STEP 2 OF 6" in out
    assert "[Next: type `next`]" in out
    assert "Scenario 1, step 1: hard morning" in out


def test_nonsense_gets_a_kind_reply_and_the_shell_keeps_going(environment: dict[str, str]) -> None:
    out = shell(environment, "%%%\n\nhelp\n")
    assert "glad you're here" in out
    assert "HELLO! I'M HERE BETWEEN YOUR CIRCLES." in out


def test_run_with_no_platform_runs_the_shell(environment: dict[str, str]) -> None:
    out = shell(environment, "prompt\n", command="run")
    assert "TODAY'S PROMPT" in out
