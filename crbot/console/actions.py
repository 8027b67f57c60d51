"""Changing the programme from the console: a confirmation for what takes posts off the plan,
the change itself, and a notice with its undo on the programme page.

The notice travels in the redirect's query string, sealed with the session, so a link made
elsewhere cannot put words on the page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urlencode

from aiohttp import web

from bot.commands import number
from bot.console.access import seal, seal_matches
from bot.console.changes import ACTIONS, CONFIRMED, Change, Done, apply, question
from bot.rollouts.plan import PlanError
from bot.storage.rollouts import RolloutRecord
from content.models import Pack
from crbot.console.context import ConsoleServices, Visitor, read_form
from crbot.console.pages import HEADERS, message, page

log = logging.getLogger(__name__)

NOTICE_FIELDS = ("notice", "rollout", "undo", "section", "date", "time")
READ_ONLY = "Leaders can read the programme here; its facilitators change it."


async def rollout_of(
    services: ConsoleServices, request: web.Request, visitor: Visitor
) -> RolloutRecord:
    """The visitor's own team's rollout the address names; 404 for any other."""
    found = await services.rollouts.store.get(visitor.session.tenant, request.match_info["rollout"])
    if found is None:
        raise web.HTTPNotFound(text="That programme isn't here.", headers=HEADERS)
    return found


def change_of(action: str, fields: Mapping[str, object]) -> Change:
    """The change a form or a link asks for, however odd its fields."""
    section = number(str(fields.get("section", "")))
    return Change(
        action, section, str(fields.get("date", ""))[:10], str(fields.get("time", ""))[:5]
    )


def action_path(rollout_id: str, action: str) -> str:
    """Where a change to a rollout is confirmed (GET) and made (POST)."""
    return f"/console/programme/{rollout_id}/{action}"


def notice_of(query: Mapping[str, str], session_token: str) -> dict[str, object] | None:
    """The sealed notice a change left in the programme page's address, or None."""
    pairs = [(name, query[name]) for name in NOTICE_FIELDS if name in query]
    if not pairs or not seal_matches(session_token, urlencode(pairs), query.get("seal", "")):
        return None
    given = dict(pairs)
    undo = change_of(given.get("undo", ""), given) if given.get("undo") in ACTIONS else None
    return {
        "words": given.get("notice", ""),
        "undo_path": action_path(given.get("rollout", ""), undo.action) if undo else "",
        "undo_fields": undo.fields() if undo else {},
    }


def to_programme(session_token: str, rollout_id: str, done: Done) -> web.HTTPSeeOther:
    """The redirect back to the programme, carrying what was done (and its undo) sealed."""
    pairs = [("notice", done.words), ("rollout", rollout_id)]
    if done.undo is not None:
        pairs += [("undo", done.undo.action), *done.undo.fields().items()]
    query = urlencode(pairs)
    sealed = urlencode([("seal", seal(session_token, query))])
    return web.HTTPSeeOther(f"/console/?{query}&{sealed}#programme-{rollout_id}", headers=HEADERS)


class Actions:
    """The handlers behind the programme page's buttons and forms."""

    def __init__(self, services: ConsoleServices, session_cookie: str) -> None:
        self.services = services
        self.session_cookie = session_cookie

    async def _rollout(self, request: web.Request, visitor: Visitor) -> RolloutRecord:
        if request.match_info["action"] not in ACTIONS:
            raise web.HTTPNotFound(text="That isn't something the console does.", headers=HEADERS)
        return await rollout_of(self.services, request, visitor)

    async def confirm(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """The question before a change that takes posts off the plan."""
        if not visitor.may_change:
            return message("Only facilitators change the programme", READ_ONLY, status=403)
        rollout = await self._rollout(request, visitor)
        change = change_of(request.match_info["action"], request.query)
        if change.action not in CONFIRMED or (change.action == "skip" and not change.section):
            raise web.HTTPSeeOther("/console/", headers=HEADERS)
        pack = await self._pack(visitor)
        return page(
            "confirm.html",
            visitor=visitor,
            title="Are you sure?",
            question=question(change, rollout, pack),
            path=action_path(rollout.id, change.action),
            fields=change.fields(),
            label="Pause" if change.action == "pause" else "Skip it",
        )

    async def change(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """Make the change, then show the programme with what was done and its undo."""
        tenant = visitor.session.tenant
        if not visitor.may_change:
            return message("Only facilitators change the programme", READ_ONLY, status=403)
        rollout = await self._rollout(request, visitor)
        # The form was read and checked on the way in (its token), so it is one.
        change = change_of(request.match_info["action"], await read_form(request) or {})
        services = self.services
        try:
            done = await apply(
                services.rollouts,
                rollout,
                change,
                await self._pack(visitor),
                visitor.session.user_id,
                services.clock.now(),
            )
        except PlanError as error:
            log.info("console change refused", extra={"tenant": tenant, "command": change.action})
            words = "I couldn't make that change, and nothing has changed:"
            return message("Nothing has changed", words, status=400, problems=tuple(error.problems))
        log.info("console change made", extra={"tenant": tenant, "command": change.action})
        session_token = request.cookies.get(self.session_cookie, "")
        raise to_programme(session_token, rollout.id, done)

    async def _pack(self, visitor: Visitor) -> Pack:
        services = self.services
        return services.pack_of(await services.team(visitor.session.tenant)).pack
