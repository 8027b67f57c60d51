"""Who facilitates and who leads, as facilitators change it on the settings page.

Roles granted here are stored (`TeamSettingsStore`), as `crbot roles grant` stores them; those
configuration gives (`CRBOT_FACILITATORS`, `CRBOT_LEADERS`) are shown but only configuration
takes them away. The last facilitator cannot be removed: the team would be left with nobody to
run its programme or open the console.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.people import PeopleNames
from bot.ports import ChatPort
from crbot.console.context import ConsoleServices

log = logging.getLogger(__name__)

ROLES = ("facilitator", "leader")
# Slack ids are a dozen characters, Teams ids (`29:1abc...`) up to a hundred or so.
MAX_USER_CHARS = 200


@dataclass(frozen=True)
class Holder:
    """Someone holding a role, by name where chat gives one, and whether the console may take
    it away."""

    user_id: str
    configured: bool
    name: str | None = None

    @property
    def shown(self) -> str:
        """How the person is shown: their name, else their id."""
        return self.name or self.user_id


async def holders(
    services: ConsoleServices,
    tenant: str,
    role: str,
    names: PeopleNames,
    port: ChatPort | None,
) -> list[Holder]:
    """Everyone holding the role, named through `port` where it can: stored ones may be
    removed, configured ones not."""
    given = set(await services.role_bootstrap.holders(tenant, role))
    everyone = await names.named(port, tenant, await services.holders(tenant, role))
    return [Holder(each.user_id, each.user_id in given, each.name) for each in everyone]


def user_of(fields: Mapping[str, object]) -> str | None:
    """The user id a form names (one typed wins over one chosen from the list), or None when
    it is empty or could not be one."""
    typed = str(fields.get("user_id", "")).strip()
    user = typed or str(fields.get("user", "")).strip()
    printable = all(unicodedata.category(c)[0] not in "CZ" for c in user)
    return user if user and len(user) <= MAX_USER_CHARS and printable else None


async def grant(services: ConsoleServices, tenant: str, role: str, user: str) -> None:
    """Give the person the role (again, harmlessly)."""
    await services.team_settings.grant(tenant, user, role)
    log.info("console role granted", extra={"tenant": tenant, "command": role})


async def revoke(services: ConsoleServices, tenant: str, role: str, user: str) -> str | None:
    """Take the role away; the reason when it was not taken."""
    if user in await services.role_bootstrap.holders(tenant, role):
        return (
            "That role is given by the installation's configuration, so only an "
            "administrator can take it away."
        )
    others = len(await services.role_bootstrap.holders(tenant, role))
    if role == "facilitator":
        removed = await services.team_settings.revoke_unless_last(tenant, user, role, others)
        if not removed:
            log.info("console role kept: the last facilitator", extra={"tenant": tenant})
            return "The team needs a facilitator: add another before removing the last one."
    else:
        await services.team_settings.revoke(tenant, user, role)
    log.info("console role revoked", extra={"tenant": tenant, "command": role})
    return None
