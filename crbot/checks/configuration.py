"""Settings that load but cannot work together, and the content packs they name: nothing here
reaches the network or the database."""

from __future__ import annotations

from bot.pseudonyms import FIX, secret_problem
from bot.settings import ConfigError, Settings
from content.loader import ContentError
from crbot import runtime
from crbot.checks.result import Check, fail, ok, skip

ROTATION = "read docs/DEPLOY.md on rotating it first if the bot already stores answers"


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
