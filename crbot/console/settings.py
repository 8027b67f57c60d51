"""The team's settings in the console: its group size (never below the floor), the section it
is on, where its people turn for support, its calendar (`term_calendar`), its time zone and
content pack (`zone_and_pack`), and who facilitates and who leads (`roles`), changed by
facilitators and shown to everyone signed in."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web

from bot.commands import number
from bot.people import PeopleNames
from bot.ports import ChatPort
from bot.rollouts.term_calendar import MAX_BYTES
from bot.settings import MIN_GROUP_FLOOR
from bot.storage.team_settings import MAX_SUPPORT_CHARS, MAX_SUPPORT_LINES
from crbot.console.actions import READ_ONLY
from crbot.console.context import ConsoleServices, Visitor, read_form
from crbot.console.pages import HEADERS, SETTINGS_PATH, message, page
from crbot.console.roles import ROLES, grant, holders, revoke, user_of
from crbot.console.term_calendar import calendar_view
from crbot.console.zone_and_pack import (
    change_pack,
    change_zone,
    pack_of,
    pack_question,
    running,
    team_zone,
)

log = logging.getLogger(__name__)

# The largest group size the configuration accepts (CRBOT_MIN_GROUP_SIZE).
MAX_GROUP = 1000
# What a change says once made, by its fixed name: the address carries the name, never words.
SAVED = {
    "group-size": "The group size is changed: new figures wait for that many people.",
    "section": "The team is on its new section.",
    "support": "People are pointed to the team's own support resources.",
    "support-default": "People are pointed to the installation's support resources again.",
    "holidays": "The team's public holidays are changed; posts still to come keep off them.",
    "term-calendar": (
        "The term calendar is imported: its breaks are listed below, and posts still to come "
        "keep off them. Events that are not breaks, such as term dates, were left out."
    ),
    "post-anyway": "Posts still to come may go out on that day.",
    "avoid-again": "Posts still to come keep off that day again.",
    "timezone": "The team's time zone is changed; its circles keep their local times.",
    "pack": "The team uses its new content pack; the posts still to come are planned from it.",
    "facilitator-add": "The team has a new facilitator.",
    "facilitator-remove": "That person no longer facilitates.",
    "leader-add": "The team has a new leader.",
    "leader-remove": "That person no longer leads.",
}
# The settings a form changes with one value, and the role changes.
SETTINGS_CHANGES = "group-size|section|support|timezone|pack"
ROLE_CHANGES = "/roles/{role:facilitator|leader}/{verb:add|remove}"


class Settings:
    """The settings page and its changes."""

    def __init__(
        self, services: ConsoleServices, ports: Mapping[str, ChatPort] | None = None
    ) -> None:
        self.services = services
        # Where the team's people are named: its platform's port, by the tenant's prefix.
        self.ports = ports or {}
        self.names = PeopleNames()

    async def show(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """The team's settings as they stand."""
        services, tenant = self.services, visitor.session.tenant
        team = await services.team(tenant)
        loaded = services.pack_of(team)
        today = services.clock.now().date()
        port = self.ports.get(tenant.split(":", 1)[0])
        programmes = await running(services, tenant)
        addresses = [programme.address for programme in programmes]
        return page(
            "settings.html",
            visitor=visitor,
            title="Settings",
            team=team,
            pack_title=loaded.pack.info.title,
            sections=[(s.number, f"{s.number}. {s.title}") for s in loaded.pack.sections],
            support=services.support(team),
            support_chars=MAX_SUPPORT_CHARS,
            support_lines=MAX_SUPPORT_LINES,
            floor=MIN_GROUP_FLOOR,
            largest=MAX_GROUP,
            calendar=calendar_view(await services.calendar.days(tenant), today),
            calendar_kb=MAX_BYTES // 1024,
            facilitators=await holders(services, tenant, "facilitator", self.names, port),
            leaders=await holders(services, tenant, "leader", self.names, port),
            members=await self.names.members(port, tenant, addresses),
            names_looked_up=port is not None,
            timezone=team_zone(team, programmes),
            packs=sorted((key, each.pack.info.title) for key, each in services.packs.items()),
            saved=SAVED.get(request.query.get("saved", ""), ""),
        )

    async def change(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """Change the group size or the section; a value out of range changes nothing."""
        if not visitor.may_change:
            return message("Only facilitators change the settings", READ_ONLY, status=403)
        services, tenant, which = self.services, visitor.session.tenant, request.match_info["which"]
        form = await read_form(request) or {}
        if which == "support":
            return await self._change_support(tenant, str(form.get("value", "")))
        if which == "pack" and form.get("confirmed") != "yes":
            asked = await self._ask_about_pack(visitor, str(form.get("value", ""))[:100])
            if asked is not None:
                return asked
        if which in ("timezone", "pack"):
            team, given = await services.team(tenant), str(form.get("value", ""))[:100]
            change = change_zone if which == "timezone" else change_pack
            refused = await change(services, team, given)
            if refused is not None:
                log.info("console setting refused", extra={"tenant": tenant, "command": which})
                return message("Nothing has changed", refused, status=400)
            raise web.HTTPSeeOther(f"{SETTINGS_PATH}?saved={which}", headers=HEADERS)
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

    async def _ask_about_pack(self, visitor: Visitor, given: str) -> web.StreamResponse | None:
        """The question before a new pack re-plans running programmes; None: nothing to ask."""
        services = self.services
        team = await services.team(visitor.session.tenant)
        loaded, _ = pack_of(services, given)
        if loaded is None or given == team.pack:
            return None  # refused, or no change, without a question
        question = await pack_question(services, team, loaded)
        if not question:
            return None
        return page(
            "confirm.html",
            visitor=visitor,
            title="Change the content pack?",
            question=question,
            path=f"{SETTINGS_PATH}/pack",
            fields={"value": given, "confirmed": "yes"},
            label=f"Use {loaded.pack.info.title}",
            back=SETTINGS_PATH,
        )

    async def _change_support(self, tenant: str, text: str) -> web.StreamResponse:
        """Set the team's support resources; left empty, the installation's are shown again."""
        store, which = self.services.team_settings, "support" if text.strip() else "support-default"
        try:
            await store.set_support_resources(tenant, text if text.strip() else None)
        except ValueError as refused:
            log.info("console setting refused", extra={"tenant": tenant, "command": which})
            return message("Nothing has changed", f"The support resources: {refused}.", status=400)
        log.info("console setting changed", extra={"tenant": tenant, "command": which})
        raise web.HTTPSeeOther(f"{SETTINGS_PATH}?saved={which}", headers=HEADERS)

    async def change_role(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """Add or remove a facilitator or a leader; never the last facilitator."""
        if not visitor.may_change:
            return message("Only facilitators change the settings", READ_ONLY, status=403)
        tenant, role, verb = (
            visitor.session.tenant,
            request.match_info["role"],
            request.match_info["verb"],
        )
        assert role in ROLES  # the route allows no other
        user = user_of(await read_form(request) or {})
        if user is None:
            words = "Choose the person from the list, or give their user id."
            return message("Nothing has changed", words, status=400)
        if verb == "add":
            await grant(self.services, tenant, role, user)
        else:
            refused = await revoke(self.services, tenant, role, user)
            if refused is not None:
                return message("Nothing has changed", refused, status=400)
        raise web.HTTPSeeOther(f"{SETTINGS_PATH}?saved={role}-{verb}", headers=HEADERS)
