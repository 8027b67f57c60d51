"""The `crbot` command line: content validation, the database, roles, and stopping cleanly."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from content.loader import PACKS_DIR
from tests.commandline import crbot, free_port, local_environment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return local_environment(tmp_path / "data")


def test_content_validate_lists_each_packs_sections(environment: dict[str, str]) -> None:
    result = crbot(environment, "content", "validate")
    assert result.returncode == 0, result.stderr
    assert "healthcare (healthcare): 12 sections" in result.stdout
    assert "schools (schools): 12 sections" in result.stdout
    assert " 1. Compassion in action" in result.stdout.replace(
        "Compassion In Action", "Compassion in action"
    )


def test_content_validate_fails_with_file_field_and_line(
    environment: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "our-pack"
    shutil.copytree(PACKS_DIR / "healthcare", broken)
    section = broken / "sections" / "01.yaml"
    section.write_text(section.read_text().replace("number: 1", "number: 13", 1))
    result = crbot(environment, "content", "validate", str(broken))
    assert result.returncode == 2
    assert result.stdout == "" or "sections" not in result.stdout.splitlines()[-1]
    message = result.stderr.strip()
    assert message.startswith(f"crbot: content error: {section}:")
    assert "sections[0].number" in message
    assert "less than or equal to 12" in message


def test_an_organisations_pack_is_served_when_configured(
    environment: dict[str, str], tmp_path: Path
) -> None:
    ours = tmp_path / "our-pack"
    shutil.copytree(PACKS_DIR / "schools", ours)
    pack_file = ours / "pack.yaml"
    pack_file.write_text(pack_file.read_text().replace("key: schools", "key: our-district", 1))
    environment["CRBOT_CONTENT_PATH"] = str(ours)
    result = subprocess.run(
        [sys.executable, "-m", "crbot", "shell"],
        input="scenario\n",
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Scenario 1" in result.stdout


def test_db_upgrade_then_downgrade_reports_the_revision(environment: dict[str, str]) -> None:
    up = crbot(environment, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert up.stdout.startswith("schema at revision ")
    assert "base" not in up.stdout
    assert "slack at slack_0001" in up.stdout and "teams at teams_0001" in up.stdout
    down = crbot(environment, "db", "downgrade", "base")
    assert down.stdout.strip() == "schema at revision base (empty)"


def test_roles_granted_from_the_cli_are_used_in_the_shell(environment: dict[str, str]) -> None:
    granted = crbot(environment, "roles", "grant", "--team", "circle", "fran", "facilitator")
    assert "facilitators: fran" in granted.stdout
    result = subprocess.run(
        [sys.executable, "-m", "crbot", "shell", "--user", "fran", "--team", "circle"],
        input="section 2\n",
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "The team is now on Section 2." in result.stdout


def test_run_stops_cleanly_on_sigterm(environment: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "crbot", "run"],
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stderr is not None
    # Wait until the shell is up (it logs once it starts), without sleeping blindly.
    for line in process.stderr:
        if "running the local shell" in line:
            break
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=10)
    finally:
        process.kill()
        process.stdin.close()
    assert code == 0


def test_the_wheel_ships_the_content_packs_and_migrations(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("crbot-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "content/healthcare/pack.yaml" in names
    assert "content/schools/sections/12.yaml" in names
    assert "bot/storage/migrations/env.py" in names
    assert any(name.startswith("bot/storage/migrations/versions/0001") for name in names)


def test_run_with_a_platform_serves_health_and_stops_on_sigterm(
    environment: dict[str, str],
) -> None:
    import time
    import urllib.request

    port = free_port()
    environment.update({"CRBOT_TEAMS_ENABLED": "true", "PORT": str(port)})
    process = subprocess.Popen(
        [sys.executable, "-m", "crbot", "run"],
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the bot never became ready"
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
    assert process.stderr is not None
    assert "stopping" in process.stderr.read()
