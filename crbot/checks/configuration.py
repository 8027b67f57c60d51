"""Settings that load but cannot work together, and the content packs they name: nothing here
reaches the network or the database."""

from __future__ import annotations

from bot.checks import Check, fail, ok, skip
from bot.pseudonyms import FIX, secret_problem
from bot.settings import ConfigError, Settings
from content.loader import ContentError
from crbot import platform_registry, runtime
from crbot.platform_registry import credentialed_platforms

ROTATION = "read docs/DEPLOY.md on rotating it first if the bot already stores answers"


def configuration(settings: Settings) -> list[Check]:
    """Settings that load but cannot work together."""
    checks: list[Check] = []
    platforms = credentialed_platforms(settings)
    secret = settings.pseudonym_secret
    # `load_settings` refuses a weak secret by this same rule; settings built in code may not.
    problem = None if secret is None else secret_problem(secret.get_secret_value())
    if platforms and secret is None:
        checks.append(
            fail(
                "pseudonym secret",
                "CRBOT_PSEUDONYM_SECRET is not set, and a chat platform is configured "
                f"({', '.join(platforms)})",
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
    for platform in platform_registry.REGISTERED:
        if platform.configuration is not None:
            checks.extend(platform.configuration(settings))
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
