"""The doctor's Teams checks: the app registration's settings fit its type, and Microsoft Entra
ID issues the bot a token for its app id and secret."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.checks import TIMEOUT_SECONDS, Check, fail, ok, skip
from bot.settings import Settings

T = TypeVar("T")
TokenGetter = Callable[[Settings], Awaitable[str]]


def configuration(settings: Settings) -> list[Check]:
    """What each app type needs beside the app id: a secret, a tenant."""
    checks: list[Check] = []
    app_type = settings.microsoft_app_type
    if settings.microsoft_app_id is None:
        return checks
    if app_type != "UserAssignedMSI" and settings.microsoft_app_password is None:
        checks.append(
            fail(
                "teams settings",
                "MicrosoftAppId is set without MicrosoftAppPassword",
                "set MicrosoftAppPassword to a client secret of the bot's app registration",
            )
        )
    if app_type != "MultiTenant" and not settings.microsoft_app_tenant_id:
        checks.append(
            fail(
                "teams settings",
                f"MicrosoftAppType is {app_type} without MicrosoftAppTenantId",
                "set MicrosoftAppTenantId to the directory (tenant) id of the app",
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
    # Bot Framework stays out of the doctor's import path unless Teams is configured.
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


async def token(settings: Settings, get: TokenGetter | None = None) -> list[Check]:
    """Microsoft Entra ID issues the bot a token for its app id and secret."""
    if settings.microsoft_app_id is None:
        detail = "local mode, no credentials" if settings.teams_enabled else "not configured"
        return [skip("teams token", detail)]
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await (get or bot_framework_token)(settings)
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
