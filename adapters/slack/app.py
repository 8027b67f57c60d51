"""The Slack platform: a bolt `AsyncApp` on the bot's web server (or Socket Mode), its port,
and the hooks that start and stop it.

Requests are verified once, before anything reads them (`intake.py`: 401 for a bad or stale
signature, 400 for a signed body that is not what Slack sends), and bolt's own check is off.
One workspace runs on SLACK_BOT_TOKEN; many run through OAuth (SLACK_CLIENT_ID/SECRET) with the
installations in the bot's database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt import BoltResponse
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.fallbacks import register_fallbacks
from adapters.slack.home import Home
from adapters.slack.installations import INSTALL_PATH, REDIRECT_PATH, oauth_settings
from adapters.slack.intake import Intake, Refused
from adapters.slack.listeners import Handler, Listeners
from adapters.slack.middleware import Middleware, Next
from adapters.slack.observability import request_id_of, socket_mode_handler
from adapters.slack.port import (
    InstalledClients,
    OneClient,
    SlackPort,
    shared_session,
    tenant_of,
    web_client,
)
from adapters.slack.records import SlackRecords
from adapters.slack.responses import OverSession
from bot import logcontext
from bot.messages import Image
from bot.ports import Clock, SystemClock
from bot.settings import ConfigError, Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Events the app is subscribed to (deploy/slack/manifest.yaml lists the same; a test checks).
BOT_EVENTS = (
    "app_home_opened",
    "app_mention",
    "app_uninstalled",
    "member_joined_channel",
    "message.im",
    "tokens_revoked",
)
UNINSTALL_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})

Json = dict[str, Any]


@dataclass
class SlackPlatform:
    """What the composition root needs: routes to mount, a port, start and stop."""

    app: AsyncApp
    port: SlackPort
    records: SlackRecords
    # The one HTTP session every Web API call of this process goes through (requests and the
    # scheduler's sends alike); `stop` closes it.
    session: aiohttp.ClientSession | None = None
    app_token: str | None = None
    intake: Intake | None = None
    _socket: Any = field(default=None, repr=False)

    def mount(self, server: web.Application) -> None:
        """Add /slack/events, and the OAuth install routes when OAuth is configured."""
        if self.app_token is None:
            server.router.add_post(EVENTS_PATH, self.events)
        if self.app.oauth_flow is not None:
            server.router.add_get(INSTALL_PATH, self.install)
            server.router.add_get(REDIRECT_PATH, self.oauth_redirect)

    async def events(self, request: web.Request) -> web.Response:
        """Commands, interactions and events: verified and checked here, bolt dispatches."""
        assert self.intake is not None  # mounted only over HTTP, where build_slack sets it
        try:
            admitted = self.intake.admit(
                await request.read(), request.headers, request.query_string
            )
        except Refused as refused:
            level = logging.INFO if refused.status == 401 else logging.WARNING
            context = {"platform": "slack", "status": refused.status, **refused.ids}
            log.log(level, "slack request refused: %s", refused.reason, extra=context)
            word = "invalid request" if refused.status == 401 else "bad request"
            return web.json_response({"error": word}, status=refused.status)
        with logcontext.request(request_id_of(admitted.body)):
            return await to_aiohttp_response(await self.app.async_dispatch(admitted))

    async def install(self, request: web.Request) -> web.Response:
        """The "Add to Slack" page, with a fresh OAuth state."""
        assert self.app.oauth_flow is not None
        response = await self.app.oauth_flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def oauth_redirect(self, request: web.Request) -> web.Response:
        """Slack sends the installer back here with a code: exchange and store it."""
        assert self.app.oauth_flow is not None
        response = await self.app.oauth_flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def start(self) -> None:
        """Connect over Socket Mode when an app token is set (HTTP needs nothing)."""
        if self.app_token is None:
            return
        # The app's client, so SLACK_API_URL and the retry handlers apply here too.
        self._socket = socket_mode_handler(self.app, self.app_token, self.app.client)
        await self._socket.connect_async()
        log.info("slack socket mode connected", extra={"platform": "slack"})

    async def stop(self) -> None:
        """Close the Socket Mode connection, if any, then the shared HTTP session."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self.session is not None:
            await self.session.close()


class _TokenGivenTwice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that the client we give
    it (the same token, with SLACK_API_URL and the retry handlers) wins: true, and expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop only that warning."""
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_BOLT_LOG = logging.getLogger("slack_bolt.AsyncApp")
if not any(isinstance(f, _TokenGivenTwice) for f in _BOLT_LOG.filters):
    _BOLT_LOG.addFilter(_TokenGivenTwice())


def build_slack(
    settings: Settings,
    core: Handler,
    engine: AsyncEngine,
    *,
    image_file: Callable[[Image], str] | None = None,
    clock: Clock | None = None,
) -> SlackPlatform:
    """The Slack app, its listeners and its port, from settings (called on the running loop,
    where the shared HTTP session is made)."""
    records = SlackRecords(engine, clock or SystemClock())
    base_url = settings.slack_api_url
    signing = settings.slack_signing_secret
    intake = None
    if settings.slack_app_token is None:  # over HTTP: Socket Mode needs no signatures
        if signing is None:
            raise ConfigError("SLACK_SIGNING_SECRET: needed to verify Slack's requests over HTTP")
        intake = Intake(signing.get_secret_value())
    # bolt gives each request a client of its own, over the app client's session: so requests,
    # the port and the scheduler's sender all share this one.
    session = shared_session()
    options: Json = {
        "name": "crbot",
        "process_before_response": True,
        "signing_secret": signing.get_secret_value() if signing else None,
        # The intake verifies each request before bolt sees it: once is enough.
        "request_verification_enabled": False,
    }
    if settings.slack_client_id is not None:
        client = web_client(None, base_url, session)
        app = AsyncApp(client=client, oauth_settings=oauth_settings(settings, engine), **options)
        assert app.installation_store is not None
        clients = InstalledClients(app.installation_store, base_url, session)
        port = SlackPort(clients, records, image_file)
    else:
        assert settings.slack_bot_token is not None
        client = web_client(settings.slack_bot_token.get_secret_value(), base_url, session)
        app = AsyncApp(client=client, **options)
        port = SlackPort(OneClient(client), records, image_file)
    app.middleware(DedupeAndForget(records))
    app.middleware(OverSession(session))
    # bolt tries listeners in the order they were added, so the slash command goes first.
    Listeners(core, port).register(app)
    Home(core, port).register(app)
    if app.installation_store is not None:
        app.enable_token_revocation_listeners()
    else:
        for name in UNINSTALL_EVENTS:
            app.event(name)(_noop)
    register_fallbacks(app)  # last: they take whatever no listener above did
    app.error(_on_error)
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
    return SlackPlatform(
        app=app, port=port, records=records, session=session, app_token=app_token, intake=intake
    )


class DedupeAndForget(Middleware):
    """Events API retries and replayed commands answered once (by event id, by trigger id); an
    uninstall forgets the workspace."""

    def __init__(self, records: SlackRecords) -> None:
        self.records = records

    async def around(self, req: AsyncBoltRequest, next: Next) -> BoltResponse | None:
        """Let a first delivery through; answer a repeat at once."""
        body: Json = req.body
        if "command" in body:
            return await self._command(body, next)
        if body.get("type") != "event_callback" or not body.get("event_id"):
            return await next()
        tenant = tenant_of(str(body.get("team_id") or ""))
        context = {"platform": "slack", "tenant": tenant, "request_id": body["event_id"]}
        if not await self.records.first_delivery(tenant, str(body["event_id"])):
            log.info("slack event already handled", extra=context)
            return BoltResponse(status=200, body="")
        event_type = (body.get("event") or {}).get("type")
        if event_type in UNINSTALL_EVENTS and _whole_workspace(body):
            gone = await self.records.forget_workspace(tenant)
            log.info("slack workspace forgotten: %d rows", gone, extra=context)
        return await next()

    async def _command(self, body: Json, next: Next) -> BoltResponse | None:
        """Slack never resends a command, so a second copy of one is a replay of the signed
        request (accepted for five minutes): it gets an empty answer and does nothing."""
        trigger = body.get("trigger_id")
        tenant = tenant_of(str(body.get("team_id") or ""))
        if trigger and not await self.records.first_command(tenant, str(trigger)):
            context = {"platform": "slack", "tenant": tenant, "request_id": str(trigger)}
            log.info("slack command already handled", extra=context)
            return BoltResponse(status=200, body="")
        return await next()


def _whole_workspace(body: Json) -> bool:
    """app_uninstalled, or tokens_revoked naming the bot's tokens (the bot is gone)."""
    event = body.get("event") or {}
    return event.get("type") == "app_uninstalled" or bool((event.get("tokens") or {}).get("bot"))


async def _noop() -> None:
    """Acked automatically: a single workspace keeps no installation to delete."""


async def _on_error(error: Exception, body: Json) -> None:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    log.error(
        "slack request failed: %s",
        type(error).__name__,
        extra={"platform": "slack", "tenant": tenant_of(str(team))},
    )
