"""`POST /api/messages`: Bot Framework activities in, authenticated by botbuilder.

`CloudAdapter.process` answers a garbage bearer token or a broken JSON body with a 500 (the
decoding errors escape it, see PLATFORM.md), so this handler does its parsing and authentication
steps itself: bad requests are 4xx, failed authentication is 401, and only then does the activity
go through `CloudAdapter.process_activity` and the bot.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from aiohttp import web
from botbuilder.core import Bot, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from adapters.teams.auth import Authentication
from bot import logcontext

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
Mount = Callable[[web.Application], None]


def _problem(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


def _activity(body: object) -> Activity | None:
    if not isinstance(body, dict):
        return None
    try:
        activity = Activity().deserialize(body)
    except Exception:
        return None
    if not activity.type or not activity.service_url:
        return None
    if activity.conversation is None or not activity.conversation.id:
        return None
    return activity


def messages_handler(
    adapter: CloudAdapter, bot: Bot, authentication: Authentication
) -> Callable[[web.Request], object]:
    """The aiohttp handler for the Bot Framework messaging endpoint."""

    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _problem(415, "expected application/json")
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.info("Teams request refused: not JSON", extra={"platform": "teams"})
            return _problem(400, "invalid JSON")
        activity = _activity(body)
        if activity is None:
            log.info("Teams request refused: not an activity", extra={"platform": "teams"})
            return _problem(400, "not a Bot Framework activity")
        try:
            authenticated = await authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as error:
            # Missing, malformed, expired or foreign tokens all land here; the reason is logged,
            # the caller learns only that it was refused.
            log.warning(
                "Teams request refused: authentication failed",
                extra={"platform": "teams", "status": type(error).__name__},
            )
            return _problem(401, "unauthorized")
        # The turn, its error handler and any sends it makes all log under the activity's id.
        with logcontext.request(activity.id):
            invoke = await adapter.process_activity(authenticated, activity, bot.on_turn)
        if invoke is not None:
            return web.json_response(serializer_helper(invoke.body), status=invoke.status)
        return web.Response(status=201)

    return messages


def mount_for(adapter: CloudAdapter, bot: Bot, authentication: Authentication) -> Mount:
    """A mount for the bot's one web server."""
    handler = messages_handler(adapter, bot, authentication)

    def mount(app: web.Application) -> None:
        app.router.add_post(ROUTE, handler)  # type: ignore[arg-type]

    return mount
