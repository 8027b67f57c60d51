"""`crbot rollout`: create, import, preview (with --ics), change, and refuse bad plans."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.commandline import crbot

LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d\d:\d\d "
    r"(intro|visual|practice|prompt|checkin|reminder|leader-note|survey|nudge|agreements) "
    r"\d{1,2} \S.*$"
)
CREATE = [
    *("rollout", "create", "--platform", "slack", "--team", "T1", "--channel", "C1"),
    *("--tz", "America/New_York", "--circle", "1=2027-03-02T09:00"),
    *("--circle", "2=2027-03-30T09:00"),
]


@pytest.fixture
def environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "Microsoft"))}
    env["DATABASE_URL"] = database_url
    env["CRBOT_DATA_DIR"] = str(tmp_path / "data")
    env["CRBOT_PSEUDONYM_SECRET"] = "test-pseudonym-secret-0123456789"
    return env


def test_create_prints_an_id_and_preview_prints_each_post_in_time_order_with_an_ics(
    environment: dict[str, str], tmp_path: Path
) -> None:
    created = crbot(environment, *CREATE)
    assert created.returncode == 0, created.stderr
    rollout_id = created.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{12}", rollout_id)
    ics = tmp_path / "plan.ics"
    preview = crbot(environment, "rollout", "preview", rollout_id, "--ics", str(ics))
    assert preview.returncode == 0, preview.stderr
    lines = preview.stdout.splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines[:3]
    # Clocks go forward in New York on 14 March 2027: offsets change, local times do not.
    assert any("-05:00 prompt 1" in line for line in lines)
    assert any("-04:00 prompt 1" in line for line in lines)
    instants = [datetime.fromisoformat(line.split()[0]) for line in lines]
    assert instants == sorted(instants)
    calendar = Calendar.from_ical(ics.read_bytes())
    events = list(calendar.walk("VEVENT"))
    circles = [e for e in events if "circle" in str(e.get("categories").to_ical())]
    assert len(circles) == 2 and len(events) == 2 + len(lines)
    assert all(e.walk("VALARM") for e in circles)
    listed = crbot(environment, "rollout", "list")
    assert f"{rollout_id} slack:T1 C1 America/New_York active" in listed.stdout


@pytest.mark.parametrize(
    ("circles", "message"),
    [
        (["--circle", "13=2027-03-02T09:00"], "Section 13 is not in"),
        (["--circle", "1=2020-03-02T09:00"], "in the past"),
        (["--circle", "1=2027-03-02T09:00", "--circle", "2=2027-03-04T09:00"], "too close"),
        (["--circle", "2=2027-04-02T09:00", "--circle", "1=2027-03-02T09:00"], "order"),
        (["--circle", "1=tomorrow"], "not a date and time"),
    ],
)
def test_an_invalid_plan_is_refused_clearly_and_nothing_is_stored(
    environment: dict[str, str], circles: list[str], message: str
) -> None:
    args = ["rollout", "create", "--platform", "teams", "--team", "X", "--channel", "C"]
    args += ["--tz", "Europe/London"]
    refused = crbot(environment, *args, *circles)
    assert refused.returncode == 2 and message in refused.stderr
    assert "Traceback" not in refused.stderr
    assert crbot(environment, "rollout", "list").stdout == ""


def test_a_bad_time_zone_is_refused(environment: dict[str, str]) -> None:
    refused = crbot(environment, *CREATE[:9], "Mars/Olympus", *CREATE[10:])
    assert refused.returncode == 2 and "not a time zone" in refused.stderr


def test_import_reads_a_plan_file_with_holidays_and_quiet_hours(
    environment: dict[str, str], tmp_path: Path
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "platform: shell\nteam: local\nchannel: '#local'\ntimezone: Europe/London\n"
        "circles: {1: '2027-03-16T09:00', 2: '2027-04-13T09:00'}\n"
        "holidays: [2027-03-24]\nholiday_rules: ['FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=25']\n"
        "quiet_hours: {start: '17:00', end: '09:45'}\n"
    )
    imported = crbot(environment, "rollout", "import", str(plan))
    assert imported.returncode == 0, imported.stderr
    lines = crbot(environment, "rollout", "preview", imported.stdout.strip()).stdout.splitlines()
    assert not any(line.startswith(("2027-03-24", "2027-03-25")) for line in lines)
    # Prompts at 09:30 fall in the quiet hours, so they wait until 09:45.
    assert all("T09:45" in line for line in lines if " prompt " in line)
    bad = tmp_path / "bad.yaml"
    bad.write_text("platform: irc\nteam: x\nchannel: y\ntimezone: UTC\ncircles: {}\n")
    refused = crbot(environment, "rollout", "import", str(bad))
    assert refused.returncode == 2 and "platform" in refused.stderr


def test_move_skip_pause_and_cancel_change_the_plan(environment: dict[str, str]) -> None:
    rollout_id = crbot(environment, *CREATE).stdout.strip()
    moved = crbot(environment, "rollout", "move", rollout_id, "2", "2027-04-06T10:00")
    assert moved.returncode == 0, moved.stderr
    lines = crbot(environment, "rollout", "preview", rollout_id).stdout.splitlines()
    assert any(line.startswith("2027-04-02T09:00") and " intro 2 " in line for line in lines)
    assert crbot(environment, "rollout", "skip", rollout_id, "2").returncode == 0
    lines = crbot(environment, "rollout", "preview", rollout_id).stdout.splitlines()
    assert not any(" intro 2 " in line for line in lines)
    assert crbot(environment, "rollout", "pause", rollout_id).returncode == 0
    assert " paused " in crbot(environment, "rollout", "list").stdout
    assert crbot(environment, "rollout", "cancel", rollout_id).returncode == 0
    assert " cancelled " in crbot(environment, "rollout", "list").stdout
    missing = crbot(environment, "rollout", "pause", "nope")
    assert missing.returncode == 2 and "no rollout" in missing.stderr
