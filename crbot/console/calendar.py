"""The calendar feed's routes: a facilitator starts or stops a rollout's feed, and a calendar
app fetches it by the secret in its address, without signing in."""

from __future__ import annotations

import logging
import re

from aiohttp import web

from bot.console.changes import Done
from bot.console.feeds import CalendarFeedStore
from bot.rollouts.ics import calendar_file
from crbot.console.actions import READ_ONLY, rollout_of, to_programme
from crbot.console.context import ConsoleServices, Visitor
from crbot.console.pages import message, page

log = logging.getLogger(__name__)

FEED_PATH = "/console/feed.ics"
# A feed's secret as the console makes it: 43 URL-safe characters.
SECRET = re.compile(r"[A-Za-z0-9_-]{20,100}")
STOPPED = "The calendar feed is stopped: its address shows nothing any more."


class Feeds:
    """Starting, stopping and serving calendar feeds."""

    def __init__(self, services: ConsoleServices, public_url: str, session_cookie: str) -> None:
        self.services = services
        self.public_url = public_url
        self.session_cookie = session_cookie
        # Feeds live beside the rollouts they show.
        self.feeds = CalendarFeedStore(services.rollouts.store.sessions)

    async def start(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """A new address for the rollout's feed, shown once; an older one stops working."""
        if not visitor.may_change:
            return message("Only facilitators change the programme", READ_ONLY, status=403)
        rollout = await rollout_of(self.services, request, visitor)
        token = await self.feeds.start(rollout.tenant_id, rollout.id, self.services.clock.now())
        log.info("calendar feed started", extra={"tenant": rollout.tenant_id})
        # The secret travels in the query string, which the access log never writes.
        address = f"{self.public_url}{FEED_PATH}?token={token}"
        return page("feed.html", visitor=visitor, title="Your calendar feed", address=address)

    async def stop(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """The rollout's feed address stops working."""
        if not visitor.may_change:
            return message("Only facilitators change the programme", READ_ONLY, status=403)
        rollout = await rollout_of(self.services, request, visitor)
        await self.feeds.stop(rollout.tenant_id, rollout.id)
        log.info("calendar feed stopped", extra={"tenant": rollout.tenant_id})
        session_token = request.cookies.get(self.session_cookie, "")
        raise to_programme(session_token, rollout.id, Done(STOPPED, None))

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """The rollout's circles as iCalendar, for whoever holds the feed's address."""
        token = request.query.get("token", "")
        found = await self.feeds.rollout_of(token) if SECRET.fullmatch(token) else None
        services = self.services
        rollout = await services.rollouts.store.get(*found) if found else None
        if rollout is None:
            return web.Response(status=404, text="There is no calendar at this address.")
        pack = services.pack_of(await services.team(rollout.tenant_id)).pack
        # Circles only: the bot's own posts would bury them (the console lists those).
        body = calendar_file(rollout, [], pack, services.clock.now())
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )
