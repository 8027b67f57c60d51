"""`POST /api/messages`: Bot Framework activities in, authenticated by botbuilder.

`CloudAdapter.process` answers a garbage bearer token or a broken JSON body with a 500 (the
decoding errors escape it), so this handler does its parsing and authentication steps itself:
bad requests are 4xx (`inbound` checks the body's size, depth and shape before anything reads
it), failed authentication is 401, and only then does the activity go through
`CloudAdapter.process_activity` and the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from botbuilder.core import Bot, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from msrest.serialization import Model

from adapters.running import Mount
from adapters.teams import inbound
from adapters.teams.auth import Authentication
from bot import logcontext

log = logging.getLogger(__name__)

ROUTE = "/api/messages"


def _problem(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


def _refused(status: int, reason: str, size: int) -> web.Response:
    log.info(
        "Teams request refused: %s (%d bytes)",
        reason.replace("_", " "),
        size,
        extra={"platform": "teams", "status": reason},
    )
    return _problem(status, reason.replace("_", " "))


def messages_handler(
    adapter: CloudAdapter, bot: Bot, authentication: Authentication
) -> Callable[[web.Request], object]:
    """The aiohttp handler for the Bot Framework messaging endpoint."""

    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _problem(415, "expected application/json")
        declared = request.content_length or 0
        if declared > inbound.MAX_BODY_BYTES:
            return _refused(413, "too_large", declared)
        raw = await request.read()
        try:
            activity = inbound.parse(raw)
        except inbound.Refused as refused:
            return _refused(413 if refused.reason == "too_large" else 400, refused.reason, len(raw))
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
        if invoke is None:
            return web.Response(status=201)
        body = serializer_helper(invoke.body) if isinstance(invoke.body, Model) else invoke.body
        if body is None:
            return web.Response(status=invoke.status)
        return web.json_response(body, status=invoke.status)

    return messages


def mount_for(adapter: CloudAdapter, bot: Bot, authentication: Authentication) -> Mount:
    """A mount for the bot's one web server."""
    handler = messages_handler(adapter, bot, authentication)

    def mount(app: web.Application) -> None:
        app.router.add_post(ROUTE, handler)  # type: ignore[arg-type]

    return mount
