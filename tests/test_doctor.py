"""`crbot doctor` against a real database (SQLite, and PostgreSQL when configured) and the
loopback fake of Slack's Web API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import insert

from adapters.running import Platform
from adapters.teams.checks import TokenGetter, token
from adapters.teams.platform import PLATFORM as TEAMS
from bot.checks import Check
from bot.platform import PlatformSpec
from bot.settings import ConfigError, Settings, load_settings
from bot.storage.engine import create_engine, migrate
from bot.storage.ledger_tables import DeliveryRow, RolloutRow
from crbot import doctor
from crbot.__main__ import main
from crbot.checks.configuration import configuration
from crbot.platform_registry import REGISTERED, platform_schemas
from scheduler.leader import AdvisoryLeadership, Lease
from tests.fakes.slack_api import FakeSlack

BOT_TOKEN = "xoxb-doctor-test-token"
SECRET = "doctor-pseudonym-secret-0123456789abcdef"


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlack]:
    """Slack's Web API on 127.0.0.1."""
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def migrated(database_url: str) -> AsyncIterator[str]:
    """A database at the migration head, with some replica leading the scheduler and holding
    its sending lease."""
    engine = create_engine(database_url)
    await migrate(engine, platforms=platform_schemas())
    leadership = AdvisoryLeadership(database_url) if database_url.startswith("postgres") else None
    if leadership is not None:
        assert await leadership.acquire()
    lease = Lease("replica-a")
    assert await lease.take(engine)
    yield database_url
    await lease.release(engine)
    await engine.dispose()
    if leadership is not None:
        await leadership.release()


def slack_settings(database_url: str, slack_api: FakeSlack, tmp_path: Path) -> Settings:
    """One Slack workspace, talking to the fake."""
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        pseudonym_secret=SECRET,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret="signing-secret",
        slack_api_url=slack_api.api_url,
    )


async def token_granted(_: Settings) -> str:
    """What Entra ID answers a good app id and secret."""
    return "eyJ.granted"


async def token_refused(_: Settings) -> str:
    """What msal raises for a wrong client secret."""
    raise PermissionError(
        "Failed to get access token with error: invalid_client, error_description: "
        "AADSTS7000215: Invalid client secret provided."
    )


def teams_token(get: TokenGetter) -> tuple[PlatformSpec[Platform], ...]:
    """The registered platforms, Teams asking `get` for its token rather than Entra ID."""
    teams = replace(TEAMS, checks=partial(token, get=get))
    return tuple(teams if platform is TEAMS else platform for platform in REGISTERED)


def by_name(checks: list[Check]) -> dict[str, Check]:
    """The last check of each name."""
    return {check.name: check for check in checks}


async def test_a_healthy_install_passes_every_check(
    migrated: str, slack_api: FakeSlack, tmp_path: Path
) -> None:
    settings = slack_settings(migrated, slack_api, tmp_path)

    checks = await doctor.run_checks(settings, platforms=teams_token(token_granted))

    assert [c.line() for c in checks if c.status == "FAIL"] == []
    found = by_name(checks)
    assert found["slack token"].line() == "ok    slack token: auth.test ok: team T1, bot UBOT"
    assert found["migrations"].status == "ok"
    assert found["scheduler lease"].status == "ok"
    assert found["scheduler backlog"].status == "ok"
    assert found["content"].detail.startswith("sections per pack: healthcare 12")
    assert [call.token for call in slack_api.calls] == [BOT_TOKEN]


async def test_a_revoked_slack_token_fails_with_its_fix(
    migrated: str, slack_api: FakeSlack, tmp_path: Path
) -> None:
    slack_api.fail("auth.test", "invalid_auth")

    checks = await doctor.run_checks(
        slack_settings(migrated, slack_api, tmp_path), platforms=teams_token(token_granted)
    )

    line = by_name(checks)["slack token"].line()
    assert line.startswith("FAIL  slack token: Slack refused SLACK_BOT_TOKEN: invalid_auth")
    assert "-> fix: copy SLACK_BOT_TOKEN again" in line
    assert BOT_TOKEN not in "\n".join(check.line() for check in checks)


async def test_an_unreachable_slack_is_a_failure_not_a_crash(
    migrated: str, slack_api: FakeSlack, tmp_path: Path
) -> None:
    settings = slack_settings(migrated, slack_api, tmp_path)
    await slack_api.stop()

    checks = await doctor.run_checks(settings, platforms=teams_token(token_granted))

    assert by_name(checks)["slack token"].detail.startswith("cannot reach Slack")


async def test_the_socket_mode_app_token_is_checked_too(
    migrated: str, slack_api: FakeSlack, tmp_path: Path
) -> None:
    settings = slack_settings(migrated, slack_api, tmp_path).model_copy(
        update={"slack_app_token": SecretStr("xapp-token")}
    )
    slack_api.fail("apps.connections.open", "invalid_auth")

    checks = await doctor.run_checks(settings, platforms=teams_token(token_granted))

    assert by_name(checks)["slack app token"].detail == (
        "Slack refused SLACK_APP_TOKEN: invalid_auth"
    )


async def test_a_refused_teams_secret_fails_with_the_error_code(
    migrated: str, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=migrated,
        pseudonym_secret=SECRET,
        **{
            "MicrosoftAppId": "00000000-0000-0000-0000-000000000001",
            "MicrosoftAppPassword": "wrong",
            "MicrosoftAppType": "SingleTenant",
            "MicrosoftAppTenantId": "00000000-0000-0000-0000-000000000002",
        },
    )

    refused = by_name(await doctor.run_checks(settings, platforms=teams_token(token_refused)))
    granted = by_name(await doctor.run_checks(settings, platforms=teams_token(token_granted)))

    assert refused["teams token"].status == "FAIL"
    assert "invalid_client" in refused["teams token"].detail
    assert "MicrosoftAppPassword (secrets expire)" in refused["teams token"].fix
    assert granted["teams token"].line() == "ok    teams token: acquired (SingleTenant)"


async def test_an_empty_schema_says_to_run_the_migrations(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    await migrate(engine, "0002", down=False)
    await engine.dispose()
    settings = Settings(data_dir=tmp_path, database_url=database_url)

    found = by_name(await doctor.run_checks(settings, platforms=teams_token(token_granted)))

    assert found["migrations"].status == "FAIL"
    assert found["migrations"].detail.startswith("at 0002")
    assert "crbot db upgrade" in found["migrations"].fix
    assert found["scheduler"].line() == "skip  scheduler: not checked: fix the database first"


async def test_a_platform_whose_tables_were_never_migrated_says_to_run_the_migrations(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    await migrate(engine)  # the core's history only, as a crbot that knew no platforms left it
    await engine.dispose()
    settings = Settings(data_dir=tmp_path, database_url=database_url)

    found = by_name(await doctor.run_checks(settings, platforms=teams_token(token_granted)))

    assert found["migrations"].status == "ok"
    for schema in platform_schemas():
        check = found[f"{schema.name} migrations"]
        assert check.status == "FAIL", schema.name
        assert check.detail.startswith("empty schema, this version needs ")
        assert "crbot db upgrade" in check.fix
    assert found["scheduler"].status == "skip"


async def test_an_unreachable_database_fails_and_names_the_variable(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens there.
    settings = Settings(data_dir=tmp_path, database_url="postgresql://crbot@127.0.0.1:9/crbot")

    found = by_name(await doctor.run_checks(settings, platforms=teams_token(token_granted)))

    assert found["database"].status == "FAIL"
    assert "DATABASE_URL" in found["database"].fix


async def test_posts_left_unsent_long_after_they_were_due_are_a_backlog(
    migrated: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    engine = create_engine(migrated)
    async with engine.begin() as connection:
        await connection.execute(
            insert(RolloutRow).values(
                id="r1",
                tenant_id="slack:T1",
                address="C1",
                timezone="UTC",
                status="active",
                calendar="{}",
                created_at=now - timedelta(days=3),
            )
        )
        for day in (1, 2):
            await connection.execute(
                insert(DeliveryRow).values(
                    key=f"r1:prompt:1:{day}:C1",
                    tenant_id="slack:T1",
                    rollout_id="r1",
                    kind="prompt",
                    section=1,
                    local_date=f"2026-01-0{day}",
                    address="C1",
                    due_at=now - timedelta(hours=day),
                    status="planned",
                    attempts=0,
                )
            )
    await engine.dispose()

    found = by_name(
        await doctor.run_checks(
            Settings(data_dir=tmp_path, database_url=migrated), platforms=teams_token(token_granted)
        )
    )

    assert found["scheduler backlog"].status == "FAIL"
    assert found["scheduler backlog"].detail.startswith("2 posts due over 10 min ago are unsent")


async def test_a_short_pseudonym_secret_and_half_set_platforms_are_reported(
    tmp_path: Path,
) -> None:
    # Built without validation: `load_settings` would already refuse the secret.
    settings = Settings.model_construct(
        data_dir=tmp_path,
        pseudonym_secret=SecretStr("tiny-k3y"),
        slack_bot_token=SecretStr("xoxb-only-the-token"),
        microsoft_app_id="00000000-0000-0000-0000-000000000001",
        microsoft_app_type="SingleTenant",
    )

    checks = configuration(settings)

    failed = [(check.name, check.detail) for check in checks if check.status == "FAIL"]
    assert failed == [
        ("pseudonym secret", "CRBOT_PSEUDONYM_SECRET is shorter than 32 characters"),
        ("slack settings", "only one of SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET is set"),
        ("teams settings", "MicrosoftAppId is set without MicrosoftAppPassword"),
        ("teams settings", "MicrosoftAppType is SingleTenant without MicrosoftAppTenantId"),
    ]
    assert "tiny-k3y" not in "\n".join(check.line() for check in checks)


def test_crbot_doctor_prints_one_line_per_check_and_exits_zero_when_all_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'crbot.db'}"

    async def prepare() -> None:
        engine = create_engine(url)
        await migrate(engine, platforms=platform_schemas())
        await engine.dispose()

    asyncio.run(prepare())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))

    assert main(["doctor"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].endswith("checks, all ok")
    assert all(line[:6] in ("ok    ", "skip  ") for line in lines[:-1])
    assert "skip  scheduler leader: SQLite: the one running bot always leads" in lines
    assert (
        "skip  scheduler lease: not held (never taken: no scheduler has sent from this database "
        "yet); `crbot run` takes it as it starts"
    ) in lines


def test_crbot_doctor_exits_non_zero_on_a_bad_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CRBOT_MIN_GROUP_SIZE", "1")

    assert main(["doctor"]) == 1

    out = capsys.readouterr().out
    assert out.startswith("FAIL  configuration: CRBOT_MIN_GROUP_SIZE: ")
    assert "-> fix: " in out


async def test_the_real_token_request_reports_an_unreachable_entra_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # botbuilder asks Entra ID through msal and requests; a proxy nobody listens on (port 9 on
    # loopback) stands for a firewall, so no request leaves the machine.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    settings = Settings(
        data_dir=tmp_path,
        **{
            "MicrosoftAppId": "00000000-0000-0000-0000-000000000001",
            "MicrosoftAppPassword": "a-client-secret",
            "MicrosoftAppType": "SingleTenant",
            "MicrosoftAppTenantId": "00000000-0000-0000-0000-000000000002",
        },
    )

    (check,) = await token(settings)

    assert check.status == "FAIL"
    assert check.detail.startswith("cannot reach login.microsoftonline.com")
    assert "a-client-secret" not in check.line()


# Short, repeated, and strong ones (openssl's hex and base64 of 32 bytes, the tests' own).
SECRETS = [
    "0123456789",
    "a" * 16,
    "a" * 64,
    "abc" * 12,
    "password" * 5,
    "0123456789" * 4,
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "n4bQgYhMEwYZ3bIYYd3VlDQwQ3k8QH9e4kL9xWl0qkM=",
    "test-pseudonym-secret-0123456789",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_the_doctor_refuses_exactly_the_secrets_the_bot_refuses(
    secret: str, tmp_path: Path
) -> None:
    try:
        Settings(data_dir=tmp_path, pseudonym_secret=secret)
    except ValidationError:
        refused_by_the_bot = True
    else:
        refused_by_the_bot = False
    unvalidated = Settings.model_construct(data_dir=tmp_path, pseudonym_secret=SecretStr(secret))

    (check,) = [c for c in configuration(unvalidated) if c.name == "pseudonym secret"]

    assert (check.status == "FAIL") is refused_by_the_bot
    assert secret not in check.line()


@pytest.mark.parametrize("secret", ["short-secret", "aaaaaaaaaaaaaaaa", "abcd" * 10])
def test_crbot_doctor_reports_a_weak_secret_with_the_bots_own_words_and_how_to_fix_it(
    secret: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CRBOT_PSEUDONYM_SECRET", secret)
    with pytest.raises(ConfigError) as refused:
        load_settings()

    assert main(["doctor"]) == 1

    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"FAIL  configuration: {refused.value}")
    assert "openssl rand -hex 32" in line and "rotating it" in line
    assert secret not in line
