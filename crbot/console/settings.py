"""The team's settings in the console: its group size (never below the floor) and the section
it is on, changed by facilitators; who facilitates and who leads, for everyone signed in."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.commands import number
from bot.settings import MIN_GROUP_FLOOR
from crbot.console.actions import READ_ONLY
from crbot.console.context import ConsoleServices, Visitor, read_form
from crbot.console.pages import HEADERS, message, page

log = logging.getLogger(__name__)

SETTINGS_PATH = "/console/settings"
# The largest group size the configuration accepts (CRBOT_MIN_GROUP_SIZE).
MAX_GROUP = 1000
# What a change says once made, by its fixed name: the address carries the name, never words.
SAVED = {
    "group-size": "The group size is changed: new figures wait for that many people.",
    "section": "The team is on its new section.",
}


class Settings:
    """The settings page and its two changes."""

    def __init__(self, services: ConsoleServices) -> None:
        self.services = services

    async def show(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """The team's settings as they stand."""
        services, tenant = self.services, visitor.session.tenant
        team = await services.team(tenant)
        loaded = services.pack_of(team)
        return page(
            "settings.html",
            visitor=visitor,
            title="Settings",
            team=team,
            pack_title=loaded.pack.info.title,
            sections=[(s.number, s.title) for s in loaded.pack.sections],
            floor=MIN_GROUP_FLOOR,
            largest=MAX_GROUP,
            facilitators=await services.holders(tenant, "facilitator"),
            leaders=await services.holders(tenant, "leader"),
            saved=SAVED.get(request.query.get("saved", ""), ""),
        )

    async def change(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """Change the group size or the section; a value out of range changes nothing."""
        if not visitor.may_change:
            return message("Only facilitators change the settings", READ_ONLY, status=403)
        services, tenant, which = self.services, visitor.session.tenant, request.match_info["which"]
        form = await read_form(request) or {}
        chosen = number(str(form.get("value", "")))
        pack = services.pack_of(await services.team(tenant)).pack
        store = services.team_settings
        if which == "group-size" and chosen is not None and MIN_GROUP_FLOOR <= chosen <= MAX_GROUP:
            await store.set_min_group_size(tenant, chosen)
        elif which == "section" and chosen is not None and pack.section(chosen) is not None:
            await store.set_current_section(tenant, chosen)
        else:
            log.info("console setting refused", extra={"tenant": tenant, "command": which})
            words = (
                f"The group size is a whole number from {MIN_GROUP_FLOOR} to {MAX_GROUP}, and "
                f"sections are numbered 1 to {len(pack.sections)}."
            )
            return message("Nothing has changed", words, status=400)
        log.info("console setting changed", extra={"tenant": tenant, "command": which})
        raise web.HTTPSeeOther(f"{SETTINGS_PATH}?saved={which}", headers=HEADERS)
