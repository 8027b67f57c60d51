"""The doctor's Slack checks: the settings make a whole configuration, and Slack accepts the
bot token (and the app token in Socket Mode)."""

from __future__ import annotations

import asyncio

from bot.checks import TIMEOUT_SECONDS, Check, fail, ok, skip
from bot.settings import Settings


def configuration(settings: Settings) -> list[Check]:
    """Slack's settings are set in pairs: a token without its signing secret cannot work."""
    half_set = (settings.slack_bot_token is None) != (settings.slack_signing_secret is None)
    if half_set and settings.slack_client_id is None:
        return [
            fail(
                "slack settings",
                "only one of SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET is set",
                "set both, from the Slack app's OAuth & Permissions and Basic Information pages",
            )
        ]
    return [ok("slack settings", "set")] if settings.slack_configured else []


async def tokens(settings: Settings) -> list[Check]:
    """Slack accepts the bot token (auth.test), and the app token when Socket Mode is on."""
    if settings.slack_bot_token is None:
        if settings.slack_client_id is not None:
            return [skip("slack token", "OAuth installs: each workspace's token is checked on use")]
        return [skip("slack token", "Slack is not configured")]
    # slack-sdk stays out of the doctor's import path unless Slack is configured.
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
