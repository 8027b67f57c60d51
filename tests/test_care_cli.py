"""`crbot report`, `crbot post` and `crbot privacy sweep` from the command line."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import aiohttp
import pytest

from tests.commandline import crbot, local_environment

# A released poll's figures as the report prints them; the command line adds real noise, so
# only their shape is known: whole shares and an average from the band midpoints.
FIGURES = re.compile(
    r"(\d+) answers, low \(0-1\) (\d+)% · middle \(2-3\) (\d+)% · high \(4-5\) (\d+)%"
    r" · average about (\d\.\d)"
)


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    # The smallest group size allowed, so three answers make a release.
    return local_environment(tmp_path / "data") | {"CRBOT_MIN_GROUP_SIZE": "3"}


def shown_figures(text: str) -> tuple[int, list[int], float]:
    """How many answered, the three shares and the average of the first figures in `text`."""
    found = FIGURES.search(text)
    assert found is not None, text
    answered, *shares, average = found.groups()
    return int(answered), [int(share) for share in shares], float(average)


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
    answered, shares, average = shown_figures(result.stdout)
    assert answered == 3 and sum(shares) == 100 and 0.5 <= average <= 4.5
    rows = list(csv.reader(out_csv.open()))
    assert rows[0][1:] == ["channel", "answered", "low %", "middle %", "high %", "average"]
    assert rows[1][1:6] == ["all", "3", *map(str, shares)]
    assert abs(float(rows[1][6]) - average) <= 0.05
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
    assert "%" not in result.stdout
    assert "No check-in has reached 3 answers" in result.stdout
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
    answered, shares, _ = shown_figures(result.stdout)
    assert "Pre 1 “" in result.stdout and answered == 3 and sum(shares) == 100
    assert "Pre 2 “" in result.stdout and "fewer than 3 answers, not shown" in result.stdout
    header, first, second, *_ = list(csv.reader(out_csv.open()))
    assert header[:5] == ["survey", "question", "text", "channel", "answered"]
    assert header[5:] == ["low %", "middle %", "high %", "average"]
    assert first[:2] == ["pre", "1"] and first[3:8] == ["all", "3", *map(str, shares)]
    assert second[:2] == ["pre", "2"] and set(second[4:]) == {"suppressed"}


async def test_post_to_slack_closes_the_platforms_http_session_before_it_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adapters.slack import app as slack_app
    from bot.settings import Settings
    from crbot import care_cli
    from crbot.__main__ import _parser
    from tests.fakes.slack_api import FakeSlack

    made: list[aiohttp.ClientSession] = []

    def recorded_session() -> aiohttp.ClientSession:
        made.append(real_session())
        return made[-1]

    real_session = slack_app.shared_session
    monkeypatch.setattr(slack_app, "shared_session", recorded_session)
    message = tmp_path / "m.md"
    message.write_text("Thank you for Tuesday's circle.")
    fake = await FakeSlack().start()
    try:
        settings = Settings(
            SLACK_BOT_TOKEN="xoxb-test",  # type: ignore[call-arg]
            SLACK_SIGNING_SECRET="secret",
            SLACK_API_URL=fake.api_url,
            data_dir=tmp_path / "data",
            pseudonym_secret="test-pseudonym-secret-0123456789",
            leaders="slack:T1:U1",
        )
        args = _parser().parse_args(
            ["post", "--team", "slack:T1", "--channel", "C1", "--file", str(message), "--as", "U1"]
        )
        assert await care_cli.run(settings, args) == 0
    finally:
        await fake.stop()
    assert fake.called("chat.postMessage")[0]["channel"] == "C1"
    assert made and all(session.closed for session in made)
