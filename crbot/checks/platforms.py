"""The chat platforms accept the bot's credentials: Slack its tokens, Entra ID its app secret."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.settings import Settings
from crbot.checks.result import TIMEOUT_SECONDS, Check, fail, ok, skip

T = TypeVar("T")
TokenGetter = Callable[[Settings], Awaitable[str]]


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
