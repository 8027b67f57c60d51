"""Configuration: defaults that run anywhere, and one clear line for a bad value."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings
from crbot.runtime import pseudonym_secret


def test_the_defaults_use_sqlite_in_the_data_directory(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'crbot.db'}"
    assert settings.min_group_size == 5
    assert not settings.slack_configured and not settings.teams_configured


def test_a_plain_postgres_url_gets_the_async_driver(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/crbot")
    assert load_settings().resolved_database_url == "postgresql+asyncpg://u@db/crbot"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CRBOT_MIN_GROUP_SIZE", "many"),
        ("CRBOT_MIN_GROUP_SIZE", "1"),
        ("DATABASE_URL", "mysql://x"),
        ("PORT", "0"),
        ("MicrosoftAppType", "Sideways"),
    ],
)
def test_a_bad_value_names_its_variable(monkeypatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=f"^{variable}: "):
        load_settings()


def test_a_bad_value_stops_the_command_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "CRBOT_MIN_GROUP_SIZE": "lots", "CRBOT_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "crbot", "shell"],
        input="",
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("crbot: configuration error: CRBOT_MIN_GROUP_SIZE:")


def test_role_bootstrap_reads_comma_lists(monkeypatch) -> None:
    monkeypatch.setenv("CRBOT_FACILITATORS", "U1, U2")
    monkeypatch.setenv("CRBOT_LEADERS", "U3")
    assert load_settings().role_bootstrap() == {
        "U1": "facilitator",
        "U2": "facilitator",
        "U3": "leader",
    }


def test_the_local_pseudonym_key_is_created_once_and_kept_private(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CRBOT_PSEUDONYM_SECRET", raising=False)
    first = pseudonym_secret(load_settings())
    assert first == pseudonym_secret(load_settings())
    assert (tmp_path / "pseudonym.key").stat().st_mode & 0o077 == 0


def test_a_chat_platform_requires_the_pseudonym_secret(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CRBOT_PSEUDONYM_SECRET", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    with pytest.raises(ConfigError, match=r"^CRBOT_PSEUDONYM_SECRET"):
        pseudonym_secret(load_settings())


def test_an_empty_variable_counts_as_unset(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MicrosoftAppId", "PORT"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("CRBOT_LOG_FORMAT", "")
    settings = load_settings()
    assert not settings.slack_configured and not settings.teams_configured
    assert settings.slack_bot_token is None and settings.microsoft_app_id is None
    assert (settings.port, settings.log_format) == (3978, "text")


def test_an_env_file_copied_from_the_example_with_every_line_emptied_runs_the_defaults(
    monkeypatch, tmp_path
) -> None:
    example = (Path(__file__).resolve().parent.parent / "deploy" / ".env.example").read_text()
    names = re.findall(r"^(?:# )?([A-Za-z_][A-Za-z0-9_]*)=", example, flags=re.MULTILINE)
    assert "SLACK_BOT_TOKEN" in names and "CRBOT_PSEUDONYM_SECRET" in names
    for name in names:
        monkeypatch.setenv(name, "")
    emptied = load_settings(data_dir=tmp_path)
    for name in names:
        monkeypatch.delenv(name)
    assert emptied == load_settings(data_dir=tmp_path)
    assert emptied.pseudonym_secret is None and not emptied.slack_configured


def test_an_empty_slack_token_beside_a_real_secret_leaves_slack_off(monkeypatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "a-real-signing-secret")
    monkeypatch.delenv("SLACK_CLIENT_ID", raising=False)
    assert not load_settings().slack_configured
