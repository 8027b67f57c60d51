"""The one place Settings become Bot Framework authentication (its `APP_*` configuration names).

A later move to the Microsoft 365 Agents SDK replaces this module, not the callers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from adapters.teams.connector import ConnectorSession, over_session
from bot.settings import Settings

log = logging.getLogger(__name__)

# Service URLs are few (one per region); the bound only guards against a flood of fake ones.
MAX_CONNECTOR_CLIENTS = 64


@dataclass(frozen=True)
class BotConfig:
    """Exactly the four attributes botbuilder reads; an empty APP_ID turns authentication off."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def bot_config(settings: Settings) -> BotConfig:
    """The configuration object botbuilder expects, from the conventional variables."""
    password = settings.microsoft_app_password
    return BotConfig(
        APP_ID=settings.microsoft_app_id or "",
        APP_PASSWORD=password.get_secret_value() if password is not None else "",
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id or "",
    )


def _app_id(claims_identity: ClaimsIdentity | None) -> str:
    # Where botbuilder itself looks: the audience claim from channels, the appid claim otherwise.
    if claims_identity is None:
        return ""
    claims = claims_identity.claims or {}
    return str(claims.get(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get("appid") or "")


class _ConnectorClients:
    """Connector clients kept per service URL, audience and app id, as the older
    BotFrameworkAdapter did: CloudAdapter builds a new client (serialisers, credentials, an HTTP
    session) on every turn, which costs more than the call to the connector it then makes.
    Every client sends over the one `session`."""

    def __init__(self, call_timeout: float, session: ConnectorSession) -> None:
        self._clients: dict[tuple[str, str, str], ConnectorClient] = {}
        self._call_timeout = call_timeout
        self._session = session

    async def get(
        self, inner: ConnectorFactory, app_id: str, service_url: str, audience: str | None
    ) -> ConnectorClient:
        key = (app_id, service_url, audience or "")
        client = self._clients.get(key)
        if client is None:
            # Over the shared session nothing retries inside the call (msrest's requests
            # driver did, with fixed backoff and no Retry-After): the port retries, on the loop,
            # honouring Retry-After.
            client = over_session(await inner.create(service_url, audience), self._session)
            # A call Teams leaves unanswered fails as a ClientRequestError after this, instead
            # of after msrest's 100 seconds.
            client.config.connection.timeout = self._call_timeout
            if len(self._clients) >= MAX_CONNECTOR_CLIENTS:
                self._clients.pop(next(iter(self._clients)))
            self._clients[key] = client
        return client


class _CachedConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    """A connector factory that hands out the shared, single-try clients."""

    def __init__(self, inner: ConnectorFactory, clients: _ConnectorClients, app_id: str) -> None:
        self._inner = inner
        self._clients = clients
        self._app_id = app_id

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        """The connector client for `service_url`."""
        return await self._clients.get(self._inner, self._app_id, service_url, audience)


class Authentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """botbuilder's configuration-based authentication, with shared single-try connectors whose
    calls give up after `call_timeout` seconds, all over `session`."""

    def __init__(
        self, configuration: Any, *, call_timeout: float, session: ConnectorSession
    ) -> None:
        super().__init__(configuration)
        self.session = session
        self._clients = _ConnectorClients(call_timeout, session)
        self._token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        """Validate the request's token (when an app id is set)."""
        result: AuthenticateRequestResult = await super().authenticate_request(
            activity, auth_header
        )
        if result.connector_factory is not None:
            result.connector_factory = _CachedConnectorFactory(
                result.connector_factory, self._clients, _app_id(result.claims_identity)
            )
        return result

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        """The user token client, one per app id. botbuilder builds one on every turn (an msrest
        client: its configuration, retry policy and requests session), which the bot never
        calls, having no sign-in, and which only the cyclic collector frees: under load the
        heap grows in steps with that garbage."""
        app_id = _app_id(claims_identity)
        client = self._token_clients.get(app_id)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            if len(self._token_clients) >= MAX_CONNECTOR_CLIENTS:
                self._token_clients.pop(next(iter(self._token_clients)))
            self._token_clients[app_id] = client
        return client

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """The factory for proactive sends."""
        inner = super().create_connector_factory(claims_identity)
        return _CachedConnectorFactory(inner, self._clients, _app_id(claims_identity))


def authentication(settings: Settings, session: ConnectorSession | None = None) -> Authentication:
    """Authentication for the Teams endpoint, its connectors over `session` (a new one when
    not given: close `.session` when done); says at start when it is off (Emulator mode)."""
    config: Any = bot_config(settings)
    if not config.APP_ID:
        log.warning(
            "Teams authentication is off (no MicrosoftAppId): local Bot Framework Emulator mode",
            extra={"platform": "teams"},
        )
    else:
        log.info("Teams authentication is on", extra={"platform": "teams"})
    return Authentication(
        config, call_timeout=settings.teams_call_timeout, session=session or ConnectorSession()
    )
