"""`crbot report`, `crbot post` and `crbot privacy sweep` from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.commandline import crbot, local_environment


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return local_environment(tmp_path / "data")


def test_report_prints_weeks_and_writes_csv_and_png(
    environment: dict[str, str], tmp_path: Path
) -> None:
    for user, value in (("a", 4), ("b", 2), ("c", 5)):
        crbot(environment, "shell", "--user", user, "--team", "ward", script=f"checkin {value}\n")
    out_csv, out_png = tmp_path / "r.csv", tmp_path / "r.png"
    result = crbot(
        environment, "report", "--team", "ward", "--csv", str(out_csv), "--png", str(out_png)
    )
    assert result.returncode == 0, result.stderr
    assert "3 answers, average 3.7. 0: 0  1: 0  2: 1  3: 0  4: 1  5: 1" in result.stdout
    rows = list(csv.reader(out_csv.open()))
    assert rows[1][1:9] == ["all", "3", "0", "0", "1", "0", "1", "1"]
    assert out_png.read_bytes().startswith(b"\x89PNG")
    assert "nothing can be shown" not in result.stdout and "no chart" not in result.stdout


def test_a_report_below_the_group_size_shows_nothing_and_writes_no_chart(
    environment: dict[str, str], tmp_path: Path
) -> None:
    crbot(environment, "shell", "--user", "a", "--team", "small", script="checkin 0\n")
    out_png = tmp_path / "r.png"
    result = crbot(
        environment, "report", "--team", "small", "--channel", "#small", "--png", str(out_png)
    )
    assert result.returncode == 0, result.stderr
    assert "fewer than 3 answers, not shown" in result.stdout
    assert "0: 1" not in result.stdout
    assert "Every week so far has fewer than 3 answers" in result.stdout
    assert f"no chart written to {out_png}" in result.stdout
    assert not out_png.exists()


def test_post_needs_a_leader_or_facilitator(environment: dict[str, str], tmp_path: Path) -> None:
    message = tmp_path / "message.md"
    message.write_text("Thank you for Tuesday's circle.")
    refused = crbot(
        environment,
        "post",
        "--team",
        "ward",
        "--channel",
        "#ward",
        "--file",
        str(message),
        "--as",
        "sam",
    )
    assert refused.returncode == 2
    assert "not_allowed" in refused.stderr
    crbot(environment, "roles", "grant", "--team", "ward", "lou", "leader")
    posted = crbot(
        environment,
        "post",
        "--team",
        "ward",
        "--channel",
        "#ward",
        "--file",
        str(message),
        "--as",
        "lou",
    )
    assert posted.returncode == 0, posted.stderr
    assert "── posted in #ward ──" in posted.stdout
    assert "Thank you for Tuesday's circle." in posted.stdout


def test_post_to_an_unconfigured_platform_says_so(
    environment: dict[str, str], tmp_path: Path
) -> None:
    message = tmp_path / "m.md"
    message.write_text("hello")
    result = crbot(
        environment,
        "post",
        "--team",
        "slack:T1",
        "--channel",
        "C1",
        "--file",
        str(message),
        "--as",
        "U1",
    )
    assert result.returncode == 2
    assert "slack is not configured here" in result.stderr


def test_privacy_sweep_runs(environment: dict[str, str]) -> None:
    result = crbot(environment, "privacy", "sweep")
    assert result.returncode == 0, result.stderr
    assert "older than 90 days deleted" in result.stdout


def test_report_prints_the_surveys_and_writes_their_csv(
    environment: dict[str, str], tmp_path: Path
) -> None:
    env = environment | {"CRBOT_FACILITATORS": "fran"}
    crbot(env, "shell", "--user", "fran", "--team", "ward", script="survey pre\n")
    for user, value in (("a", 4), ("b", 2), ("c", 5)):
        crbot(env, "shell", "--user", user, "--team", "ward", script=f"survey 1 {value}\n")
    crbot(env, "shell", "--user", "a", "--team", "ward", script="survey 2 3\n")
    out_csv = tmp_path / "surveys.csv"

    result = crbot(env, "report", "--team", "shell:ward", "--surveys-csv", str(out_csv))

    assert result.returncode == 0, result.stderr
    assert "Pre 1 “" in result.stdout and "3 answers, average 3.7" in result.stdout
    assert "Pre 2 “" in result.stdout and "fewer than 3 answers, not shown" in result.stdout
    header, first, second, *_ = list(csv.reader(out_csv.open()))
    assert header[:5] == ["survey", "question", "text", "channel", "answered"]
    assert first[:2] == ["pre", "1"] and first[3:10] == ["all", "3", "0", "0", "1", "0", "1"]
    assert second[:2] == ["pre", "2"] and set(second[4:]) == {"suppressed"}
