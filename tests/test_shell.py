"""The scripted shell, end to end: `crbot shell` as a separate process, as a user would run it."""

from __future__ import annotations

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


def test_a_whole_circle_can_be_simulated_from_a_script(environment: dict[str, str]) -> None:
    for user, answer in (("ana", 4), ("ben", 2)):
        out = shell(environment, f"checkin {answer}\n", "--user", user, "--team", "ward-7")
        assert "your answer is in" in out
        assert "The spread appears at 3" in out
    out = shell(environment, "checkin 5\n", "--user", "cam", "--team", "ward-7")
    assert "3 people have answered. 0: 0  1: 0  2: 1  3: 0  4: 1  5: 1" in out
    other = shell(environment, "checkin 3\n", "--user", "ana", "--team", "ward-8")
    assert "1 person has answered" in other


def test_a_low_answer_in_the_shell_is_followed_up_privately(environment: dict[str, str]) -> None:
    out = shell(environment, "checkin 0\n", "--user", "dee")
    assert "── privately to dee ──" in out


def test_walkthrough_next_and_back_are_typed(environment: dict[str, str]) -> None:
    out = shell(environment, "scenario 1\nnext\nnext\nback\nreflect hard morning\nreflections\n")
    assert "STEP 1 OF 6" in out and "STEP 2 OF 6" in out
    assert "[Next: type `next`]" in out
    assert "Scenario 1, step 1: hard morning" in out


def test_nonsense_gets_a_kind_reply_and_the_shell_keeps_going(environment: dict[str, str]) -> None:
    out = shell(environment, "%%%\n\nhelp\n")
    assert "didn't quite catch" in out
    assert "HELLO! I'M HERE BETWEEN YOUR CIRCLES." in out


def test_run_with_no_platform_runs_the_shell(environment: dict[str, str]) -> None:
    out = shell(environment, "prompt\n", command="run")
    assert "TODAY'S PROMPT" in out
