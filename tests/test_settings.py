"""Configuration: defaults that run anywhere, and one clear line for a bad value."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.pseudonyms import Pseudonyms, secret_problem
from bot.settings import ConfigError, load_settings
from crbot.runtime import SECRET_FILE, pseudonym_secret
from tests.commandline import crbot, local_environment


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


async def test_role_bootstrap_reads_comma_lists(monkeypatch) -> None:
    monkeypatch.setenv("CRBOT_FACILITATORS", "slack:T1:U1, slack:T1:U2,slack:T2:U1")
    monkeypatch.setenv("CRBOT_LEADERS", " slack:T1:U3 ")
    bootstrap = load_settings().role_bootstrap()
    assert await bootstrap.holders("slack:T1", "facilitator") == ("U1", "U2")
    assert await bootstrap.holders("slack:T2", "facilitator") == ("U1",)
    assert await bootstrap.roles("slack:T1", "U3") == {"leader"}


def test_a_malformed_role_entry_stops_the_command_with_one_line(tmp_path: Path) -> None:
    env = local_environment(tmp_path) | {"CRBOT_FACILITATORS": "slack:T1"}

    result = crbot(env, "shell")

    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("crbot: configuration error: CRBOT_FACILITATORS: 'slack:T1' names no")


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


WEAK_SECRETS = [
    "0123456789",
    "a" * 16,
    "a" * 40,
    "0" * 64,
    "abc" * 12,
    "ab" * 20,
    "password" * 4,
    "password" * 6 + "1234",
    "0123456789" * 4,
    "Tr0ub4dor&3" * 3,
]


@pytest.mark.parametrize("secret", WEAK_SECRETS)
def test_a_short_or_repetitive_pseudonym_secret_is_refused_in_one_line(
    monkeypatch, secret: str
) -> None:
    monkeypatch.setenv("CRBOT_PSEUDONYM_SECRET", secret)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    message = str(refused.value)
    assert message.startswith("CRBOT_PSEUDONYM_SECRET: ")
    assert "openssl rand -hex 32" in message
    assert "\n" not in message and secret not in message


@pytest.mark.parametrize("secret", WEAK_SECRETS)
def test_pseudonyms_refuse_the_secrets_configuration_refuses(secret: str) -> None:
    with pytest.raises(ValueError, match=r"^the pseudonym secret is "):
        Pseudonyms(secret.encode())


def generated_secrets() -> list[str]:
    """What the documentation suggests, from the real tools."""
    found = []
    for flag in ("-hex", "-base64"):
        openssl = subprocess.run(
            ["openssl", "rand", flag, "32"], capture_output=True, text=True, check=True
        )
        found.append(openssl.stdout.strip())
    return found


def test_generated_secrets_and_the_secrets_in_use_are_accepted(monkeypatch) -> None:
    import secrets

    in_use = [
        "test-pseudonym-secret-0123456789",
        "another-secret-of-32-characters!",
        "bench-pseudonym-secret-0123456789",
        "bench-secret-0123456789abcdef0123",
        "soak-pseudonym-secret-0123456789abcdef",
    ]
    drawn = [secrets.token_urlsafe(32) for _ in range(500)]
    drawn += [secrets.token_hex(32) for _ in range(500)]
    for secret in [*generated_secrets(), *in_use, *drawn]:
        monkeypatch.setenv("CRBOT_PSEUDONYM_SECRET", secret)
        assert load_settings().pseudonym_secret is not None
        Pseudonyms(secret.encode())


def test_the_local_pseudonym_key_passes_the_rule(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CRBOT_PSEUDONYM_SECRET", raising=False)
    assert secret_problem(pseudonym_secret(load_settings()).decode()) is None


def test_a_weak_local_key_file_is_refused_naming_the_data_directory(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CRBOT_PSEUDONYM_SECRET", raising=False)
    (tmp_path / SECRET_FILE).write_text("0" * 64 + "\n")
    with pytest.raises(ConfigError, match=f"^CRBOT_DATA_DIR: the local key {SECRET_FILE} is too"):
        pseudonym_secret(load_settings())


@pytest.mark.parametrize(
    ("command", "secret"),
    [("run", "0123456789"), ("shell", "0123456789"), ("run", "a" * 16), ("shell", "abc" * 12)],
)
def test_run_and_shell_stop_on_a_weak_secret_with_one_line_and_no_traceback(
    tmp_path: Path, command: str, secret: str
) -> None:
    env = local_environment(tmp_path) | {"CRBOT_PSEUDONYM_SECRET": secret}

    result = crbot(env, command)

    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("crbot: configuration error: CRBOT_PSEUDONYM_SECRET: ")
    assert "openssl rand -hex 32" in line and secret not in line


def test_a_weak_secret_stops_run_with_a_platform_configured(tmp_path: Path) -> None:
    env = local_environment(tmp_path) | {
        "CRBOT_PSEUDONYM_SECRET": "a" * 16,
        "CRBOT_TEAMS_ENABLED": "true",
        "PORT": "0",
    }

    result = crbot(env, "run")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("crbot: configuration error: CRBOT_PSEUDONYM_SECRET: ")
