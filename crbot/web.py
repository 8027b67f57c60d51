"""The bot's one web server: health, readiness and metrics, plus whatever each platform mounts."""

from __future__ import annotations

import hmac
import logging
import socket
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import metrics

log = logging.getLogger(__name__)
# The access log is ours, not aiohttp's: its lines are built here, from the path alone, so they
# pass the log set-up untouched, where aiohttp's own loggers are cut to their first words.
access_log = logging.getLogger("crbot.access")

Mount = Callable[[web.Application], None]
# Where the local shell serves the console: this computer only, never the network.
LOCALHOST = "127.0.0.1"


# RFC 6750's challenge; the realm names what the token is for, never the token.
CHALLENGE = 'Bearer realm="crbot metrics"'


def build_app(
    engine: AsyncEngine, mounts: list[Mount], *, metrics_token: SecretStr | None = None
) -> web.Application:
    """An aiohttp application with /healthz, /readyz, /metrics and each platform's routes.

    /metrics answers only a request carrying `metrics_token` as a bearer token; without a token
    it is not served at all (404).
    """
    app = web.Application(client_max_size=1024 * 1024)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            log.warning("readiness check failed: database unreachable")
            return web.json_response({"status": "database unreachable"}, status=503)
        return web.json_response({"status": "ready"})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    token = metrics_token.get_secret_value() if metrics_token is not None else ""
    if token:
        app.router.add_get("/metrics", _metrics_handler(token.encode()))
    else:
        log.info("metrics off: set CRBOT_METRICS_TOKEN to serve /metrics to a bearer token")
    for mount in mounts:
        mount(app)
    return app


def _metrics_handler(token: bytes) -> Callable[[web.Request], Awaitable[web.Response]]:
    """/metrics behind a bearer token: counters over few people can hint at their answers."""

    async def metrics_text(request: web.Request) -> web.Response:
        if not _bearer_matches(request.headers.get("Authorization", ""), token):
            return web.Response(status=401, headers={"WWW-Authenticate": CHALLENGE})
        body, content_type = metrics.exposition()
        # The content type carries Prometheus' format version, so it is set as a raw header.
        return web.Response(body=body, headers={"Content-Type": content_type})

    return metrics_text


def _bearer_matches(header: str, token: bytes) -> bool:
    """Whether an Authorization header carries the token, compared in constant time."""
    scheme, _, given = header.partition(" ")
    # Compared even when the scheme is wrong, so the time taken says nothing either way.
    matches = hmac.compare_digest(given.strip().encode(errors="replace"), token)
    return scheme.lower() == "bearer" and matches


class AccessLog(AbstractAccessLogger):
    """One line per request with its path but never its query string: Slack's OAuth redirect
    carries a one-time code and state there, and neither belongs in a log."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Method, path, status and milliseconds."""
        self.logger.info(
            "%s %s %d %.1f ms",
            request.method,
            request.path,
            response.status,
            time * 1000,
            extra={"status": response.status},
        )


async def serve(
    app: web.Application, host: str, port: int, *, listening: socket.socket | None = None
) -> Callable[[], Awaitable[None]]:
    """Start serving (on `listening`, a socket already bound, when given); returns the
    coroutine function that stops it."""
    runner = web.AppRunner(
        app, handle_signals=False, access_log_class=AccessLog, access_log=access_log
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port) if listening is None else web.SockSite(runner, listening)
    await site.start()
    log.info("listening", extra={"status": f"{host}:{port}"})
    return runner.cleanup


def bind_locally(port: int) -> socket.socket | None:
    """A socket listening on `port` on this computer alone (127.0.0.1), or None when the port
    is taken, so that the address is known to work before the server starts."""
    listening = socket.socket()
    # As aiohttp does for its own sites: a port left in TIME_WAIT by the last run is free.
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((LOCALHOST, port))
        # Listening at once holds the port: two shells started together cannot both bind it.
        listening.listen()
    except OSError:
        listening.close()
        log.info("local port taken", extra={"status": str(port)})
        return None
    return listening
