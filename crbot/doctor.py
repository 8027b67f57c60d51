"""`crbot doctor`: what an operator checks first, one line each, with the fix for each failure.

It reads the same environment as `crbot run` and changes nothing: it does not migrate the
database, create the SQLite file, or post anything to a chat platform.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.pseudonyms import FIX, secret_problem
from bot.settings import ConfigError, Settings, load_settings
from bot.storage.engine import alembic_config, create_engine, current_revision
from bot.storage.tables import DeliveryRow, RolloutRow
from content.loader import ContentError
from crbot import roster, runtime

# `warn`: the bot runs, but some team is not served fully; it does not fail the doctor.
Status = Literal["ok", "FAIL", "warn", "skip"]
T = TypeVar("T")

# A remote check that takes longer than this is as good as down for the operator.
TIMEOUT_SECONDS = 15.0
# A due post still unsent after this long means no scheduler is sending.
OVERDUE = timedelta(minutes=10)
TokenGetter = Callable[[Settings], Awaitable[str]]
ROTATION = "read docs/DEPLOY.md on rotating it first if the bot already stores answers"


@dataclass(frozen=True)
class Check:
    """One check's result; a failure always says how to fix it."""

    status: Status
    name: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        """`ok|FAIL|warn|skip  name: detail` (and the fix, on the same line)."""
        fix = f" -> fix: {self.fix}" if self.status in ("FAIL", "warn") and self.fix else ""
        return f"{self.status:<4}  {self.name}: {self.detail}{fix}"


def ok(name: str, detail: str) -> Check:
    """A check that passed."""
    return Check("ok", name, detail)


def fail(name: str, detail: str, fix: str) -> Check:
    """A check that failed, and what to do about it."""
    return Check("FAIL", name, detail, fix)


def skip(name: str, detail: str) -> Check:
    """A check that does not apply here."""
    return Check("skip", name, detail)


def configuration(settings: Settings) -> list[Check]:
    """Settings that load but cannot work together."""
    checks: list[Check] = []
    platforms = settings.slack_configured or settings.microsoft_app_id is not None
    secret = settings.pseudonym_secret
    # `load_settings` refuses a weak secret by this same rule; settings built in code may not.
    problem = None if secret is None else secret_problem(secret.get_secret_value())
    if platforms and secret is None:
        checks.append(
            fail(
                "pseudonym secret",
                "CRBOT_PSEUDONYM_SECRET is not set, and a chat platform is configured",
                f"CRBOT_PSEUDONYM_SECRET: {FIX}",
            )
        )
    elif problem is not None:
        checks.append(
            fail(
                "pseudonym secret",
                f"CRBOT_PSEUDONYM_SECRET is {problem}",
                f"{FIX}; {ROTATION}",
            )
        )
    elif secret is not None:
        checks.append(ok("pseudonym secret", "set"))
    else:
        checks.append(skip("pseudonym secret", "no chat platform: the shell keeps a local key"))
    half_slack = (settings.slack_bot_token is None) != (settings.slack_signing_secret is None)
    if half_slack and settings.slack_client_id is None:
        checks.append(
            fail(
                "slack settings",
                "only one of SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET is set",
                "set both, from the Slack app's OAuth & Permissions and Basic Information pages",
            )
        )
    app_type = settings.microsoft_app_type
    with_teams = settings.microsoft_app_id is not None
    if with_teams and app_type != "UserAssignedMSI" and settings.microsoft_app_password is None:
        checks.append(
            fail(
                "teams settings",
                "MicrosoftAppId is set without MicrosoftAppPassword",
                "set MicrosoftAppPassword to a client secret of the bot's app registration",
            )
        )
    if with_teams and app_type != "MultiTenant" and not settings.microsoft_app_tenant_id:
        checks.append(
            fail(
                "teams settings",
                f"MicrosoftAppType is {app_type} without MicrosoftAppTenantId",
                "set MicrosoftAppTenantId to the directory (tenant) id of the app",
            )
        )
    if not any(check.name == "slack settings" for check in checks) and (settings.slack_configured):
        checks.append(ok("slack settings", "set"))
    return checks


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite") or ":///" not in url:
        return None
    path = url.split(":///", 1)[1]
    return None if path in ("", ":memory:") else Path(path)


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def database(engine: AsyncEngine) -> list[Check]:
    """The database answers, and its schema is at this version's migration head."""
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        current = await current_revision(engine)
    except Exception as error:
        return [
            fail(
                "database",
                f"cannot connect ({type(error).__name__})",
                "check DATABASE_URL (host, port, user, database) and that the server is running",
            )
        ]
    checks = [ok("database", f"connected ({engine.dialect.name})")]
    head = _head()
    if current == head:
        checks.append(ok("migrations", f"at head {head}"))
    elif current is None:
        checks.append(
            fail(
                "migrations",
                f"empty schema, this version needs {head}",
                "run `crbot db upgrade` (or start the bot, which upgrades at start)",
            )
        )
    else:
        from alembic.script import ScriptDirectory

        known = ScriptDirectory.from_config(alembic_config()).get_revision(current)
        checks.append(
            fail(
                "migrations",
                f"at {current}, this version's head is {head}",
                "run `crbot db upgrade` (or start the bot, which upgrades at start)"
                if known is not None
                else "the database was upgraded by a newer crbot: run that version, or restore "
                "the backup taken before the upgrade",
            )
        )
    return checks


async def slack(settings: Settings) -> list[Check]:
    """Slack accepts the bot token (auth.test), and the app token when Socket Mode is on."""
    if settings.slack_bot_token is None:
        if settings.slack_client_id is not None:
            return [skip("slack token", "OAuth installs: each workspace's token is checked on use")]
        return [skip("slack token", "Slack is not configured")]
    from slack_sdk.errors import SlackApiError, SlackRequestError

    from adapters.slack.port import web_client

    checks: list[Check] = []
    tokens = [("slack token", "SLACK_BOT_TOKEN", settings.slack_bot_token)]
    if settings.slack_app_token is not None:
        tokens.append(("slack app token", "SLACK_APP_TOKEN", settings.slack_app_token))
    for name, variable, token in tokens:
        client = web_client(token.get_secret_value(), settings.slack_api_url)
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                if variable == "SLACK_BOT_TOKEN":
                    answer = await client.auth_test()
                    detail = (
                        f"auth.test ok: team {answer.get('team_id')}, bot {answer.get('user_id')}"
                    )
                else:
                    # Opening a connection URL is the one call an app-level token can make.
                    await client.apps_connections_open(app_token=token.get_secret_value())
                    detail = "apps.connections.open ok (Socket Mode)"
            checks.append(ok(name, detail))
        except SlackApiError as error:
            reason = error.response.get("error") or f"HTTP {error.response.status_code}"
            checks.append(
                fail(
                    name,
                    f"Slack refused {variable}: {reason}",
                    f"copy {variable} again from the Slack app's settings (it may have been "
                    "revoked or regenerated), and reinstall the app if its scopes changed",
                )
            )
        except (SlackRequestError, OSError, TimeoutError) as error:
            checks.append(
                fail(
                    name,
                    f"cannot reach Slack ({type(error).__name__})",
                    "allow outbound HTTPS to slack.com (or fix SLACK_API_URL)",
                )
            )
    return checks


async def _in_thread(work: Callable[[], T]) -> T:
    # A daemon thread rather than asyncio.to_thread: a token request that hangs must not hold
    # the process open after the deadline has passed.
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        try:
            result = work()
        except BaseException as error:
            loop.call_soon_threadsafe(_settle, done, None, error)
        else:
            loop.call_soon_threadsafe(_settle, done, result, None)

    threading.Thread(target=run, name="doctor-token", daemon=True).start()
    return await done


def _settle(done: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if done.cancelled():
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)


async def bot_framework_token(settings: Settings) -> str:
    """A token for the Bot Connector, acquired the way botbuilder does for a proactive send."""
    # Bot Framework stays out of the CLI's import path unless Teams is configured.
    from botbuilder.integration.aiohttp import (  # type: ignore[import-untyped]
        ConfigurationServiceClientCredentialFactory,
    )
    from botframework.connector.auth import AuthenticationConstants  # type: ignore[import-untyped]

    from adapters.teams.auth import bot_config

    factory = ConfigurationServiceClientCredentialFactory(bot_config(settings))
    credentials = await factory.create_credentials(
        settings.microsoft_app_id,
        AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL,
        True,
    )
    token: str = await _in_thread(credentials.get_access_token)
    return token


async def teams(settings: Settings, token: TokenGetter) -> list[Check]:
    """Microsoft Entra ID issues the bot a token for its app id and secret."""
    if settings.microsoft_app_id is None:
        detail = "local mode, no credentials" if settings.teams_enabled else "not configured"
        return [skip("teams token", detail)]
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await token(settings)
    except Exception as error:
        # Timeouts and requests' connection and proxy errors are OSErrors; so is the
        # PermissionError botbuilder raises when Entra ID refuses the secret.
        if isinstance(error, OSError) and not isinstance(error, PermissionError):
            return [
                fail(
                    "teams token",
                    f"cannot reach login.microsoftonline.com ({type(error).__name__})",
                    "allow outbound HTTPS to login.microsoftonline.com and *.botframework.com",
                )
            ]
        # msal's wording names the error code (e.g. AADSTS7000215: invalid client secret).
        reason = str(error).split(",", 1)[0][:200] or type(error).__name__
        return [
            fail(
                "teams token",
                f"token refused: {reason}",
                "check MicrosoftAppId, MicrosoftAppPassword (secrets expire), MicrosoftAppType "
                "and MicrosoftAppTenantId against the Azure bot's app registration",
            )
        ]
    return [ok("teams token", f"acquired ({settings.microsoft_app_type})")]


def packs(settings: Settings) -> list[Check]:
    """The content packs load, and the default pack is one of them."""
    try:
        loaded = runtime.packs_for(settings)
        default = runtime.default_pack(settings, loaded)
    except (ContentError, ConfigError) as error:
        return [
            fail(
                "content",
                str(error),
                "run `crbot content validate` (with the pack's folder) and fix the named field",
            )
        ]
    sections = ", ".join(f"{key} {len(pack.pack.sections)}" for key, pack in loaded.items())
    return [ok("content", f"sections per pack: {sections}; new teams get {default}")]


async def roles(engine: AsyncEngine, settings: Settings) -> list[Check]:
    """Every team has a facilitator (to read its questions) and a leader (to answer them)."""
    try:
        findings = await roster.findings(engine, settings.role_bootstrap())
    except ConfigError as error:
        return [fail("roles", str(error), "qualify each entry as <tenant>:<user>")]
    return [Check(status, "roles", detail, fix) for status, detail, fix in findings]


async def support(engine: AsyncEngine, settings: Settings) -> list[Check]:
    """Every team's staff are pointed to real support after a low answer, not a generic line."""
    default = Settings.model_fields["support_resources"].default
    findings = await roster.without_support(engine, settings.support_resources == default)
    return [Check(status, "support", detail, fix) for status, detail, fix in findings]


async def scheduling(engine: AsyncEngine, now: datetime) -> list[Check]:
    """Some replica leads the scheduler, and no due post is waiting unsent."""
    checks: list[Check] = []
    if engine.dialect.name == "postgresql":
        from scheduler.leader import LOCK_KEY

        async with engine.connect() as connection:
            holder = await connection.scalar(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND classid = 0 AND objid = :key LIMIT 1"
                ),
                {"key": LOCK_KEY},
            )
        if holder is None:
            checks.append(
                fail(
                    "scheduler leader",
                    "no replica holds the scheduler lock",
                    "start `crbot run`; if it runs, look for 'leader election' in its logs",
                )
            )
        else:
            checks.append(ok("scheduler leader", f"held by database session {holder}"))
    else:
        checks.append(skip("scheduler leader", "SQLite: the one running bot always leads"))
    checks.append(await _backlog(engine, now))
    return checks


async def _backlog(engine: AsyncEngine, now: datetime) -> Check:
    late = now - OVERDUE
    waiting = and_(
        DeliveryRow.status == "planned",
        DeliveryRow.due_at <= late,
        or_(DeliveryRow.not_before.is_(None), DeliveryRow.not_before <= late),
        RolloutRow.status == "active",
    )
    async with engine.connect() as connection:
        overdue, oldest = (
            await connection.execute(
                select(func.count(), func.min(DeliveryRow.due_at))
                .select_from(DeliveryRow)
                .join(RolloutRow, RolloutRow.id == DeliveryRow.rollout_id)
                .where(waiting)
            )
        ).one()
        by_status = dict(
            (
                await connection.execute(
                    select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
                )
            ).all()
        )
    counts = ", ".join(f"{count} {status}" for status, count in sorted(by_status.items()))
    if overdue:
        minutes = OVERDUE.total_seconds() // 60
        return fail(
            "scheduler backlog",
            f"{overdue} posts due over {minutes:.0f} min ago are unsent (oldest due {oldest})",
            "check that `crbot run` is running and leading, and its logs for delivery errors",
        )
    return ok("scheduler backlog", f"nothing overdue ({counts or 'no posts planned'})")


async def run_checks(
    settings: Settings, *, teams_token: TokenGetter = bot_framework_token
) -> list[Check]:
    """Every check, in the order an operator fixes things."""
    checks = [ok("configuration", "environment read"), *configuration(settings)]
    url = settings.resolved_database_url
    sqlite_file = _sqlite_file(url)
    if sqlite_file is not None and not sqlite_file.exists():
        checks.append(ok("database", f"no SQLite file yet at {sqlite_file}; `crbot run` makes it"))
        checks.append(skip("scheduler", "not checked: no database yet"))
    else:
        engine = create_engine(url)
        try:
            found = await database(engine)
            checks.extend(found)
            if all(check.status == "ok" for check in found):
                checks.extend(await scheduling(engine, datetime.now(UTC)))
                checks.extend(await roles(engine, settings))
                checks.extend(await support(engine, settings))
            else:
                checks.append(skip("scheduler", "not checked: fix the database first"))
        finally:
            await engine.dispose()
    checks.extend(await slack(settings))
    checks.extend(await teams(settings, teams_token))
    checks.extend(packs(settings))
    return checks


def main(say: Callable[[str], None], *, teams_token: TokenGetter = bot_framework_token) -> int:
    """Print one line per check; 1 if any failed, else 0."""
    try:
        settings = load_settings()
    except ConfigError as error:
        # The secret's line already says how to fix it; changing it has a cost to warn of.
        secret = str(error).startswith("CRBOT_PSEUDONYM_SECRET:")
        fix = ROTATION if secret else "fix or unset that variable"
        say(fail("configuration", str(error), fix).line())
        return 1
    checks = asyncio.run(run_checks(settings, teams_token=teams_token))
    for check in checks:
        say(check.line())
    failed = sum(check.status == "FAIL" for check in checks)
    warned = sum(check.status == "warn" for check in checks)
    counts = [f"{failed} failed"] if failed else []
    counts += [f"{warned} warning{'s' if warned > 1 else ''}"] if warned else []
    say(f"{len(checks)} checks, {', '.join(counts) or 'all ok'}")
    return 1 if failed else 0
