"""Posting now, from the programme page, a post that was missed or may not have gone out.

The page names each such post with "Post it now…", which asks first; the answer sends that one
ledger row through `bot.rollouts.uncertain.post_now`, as the chat button does, so pressing twice
(or in two tabs) posts it once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from bot.console.changes import Done
from bot.ports import ChatPort
from bot.rollouts import uncertain
from bot.services import Services
from crbot.console.actions import READ_ONLY, to_programme
from crbot.console.context import Visitor
from crbot.console.pages import message, page

log = logging.getLogger(__name__)

POST_PATH = "/console/posts/{row:[0-9]{1,9}}"
NOTHING = "Nothing to post"
GONE = "That post isn't waiting to be made any more; the programme shows how it stands."
FACILITATORS = "Only facilitators post from the programme"


@dataclass(frozen=True)
class PostNow:
    """The question and the post, for one ledger row of the visitor's team; `ports` by
    platform, and the session cookie's name."""

    services: Services
    ports: Mapping[str, ChatPort]
    session_cookie: str

    async def confirm(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """What will be posted, and where, before it is."""
        if not visitor.may_change:
            return message(FACILITATORS, READ_ONLY, status=403)
        row_id = int(request.match_info["row"])
        found = await uncertain.waiting(self.services, visitor.session.tenant, row_id)
        if found is None:
            return message(NOTHING, GONE, status=404)
        services, row = self.services, found.row
        pack = services.pack_of(await services.team(visitor.session.tenant)).pack
        what = uncertain.describe(pack, found.rollout, row.kind, row.section, row.due_at)
        return page(
            "confirm.html",
            visitor=visitor,
            title="Post it now?",
            question=f"{what}. Post it in {found.rollout.address} now? It goes out once.",
            path=f"/console/posts/{row_id}",
            fields={},
            label="Post it now",
        )

    async def post(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """Send the row once, then show the programme with what became of it."""
        tenant = visitor.session.tenant
        if not visitor.may_change:
            return message(FACILITATORS, READ_ONLY, status=403)
        row_id = int(request.match_info["row"])
        found = await uncertain.waiting(self.services, tenant, row_id)
        if found is None:
            return message(NOTHING, GONE, status=404)
        rollout = found.rollout
        port = self.ports.get(rollout.platform)
        context = {"tenant": tenant, "job_id": rollout.id}
        if port is None:
            log.warning("console post-now refused: no port for its platform", extra=context)
            words = "The bot can't reach this team's chat from here, so nothing was posted."
            return message("Nothing was posted", words, status=503)
        services = self.services
        team = await services.team(tenant)
        try:
            said = await uncertain.post_now(
                services, port, team, services.pack_of(team).pack, row_id
            )
        except Exception as error:
            # post_now put the row back as it was, so the button may be pressed again.
            log.warning(
                "console post-now failed", extra={**context, "status": type(error).__name__}
            )
            words = "The post didn't go out, and it waits as it was. Please try again in a moment."
            return message("Nothing was posted", words, status=502)
        log.info("console post-now", extra=context)
        session_token = request.cookies.get(self.session_cookie, "")
        raise to_programme(session_token, rollout.id, Done(said.plain_text(), None))
