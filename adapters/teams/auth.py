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
    ClaimsIdentity,
    ConnectorFactory,
)

from bot.settings import Settings

log = logging.getLogger(__name__)

# A connector call that hangs must not hold a scheduler send forever.
CONNECTOR_TIMEOUT_SECONDS = 30


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


class _SingleTryConnectorFactory(ConnectorFactory):
    """Connector clients without msrest's own retries.

    msrest retries inside a worker thread with fixed backoff and no Retry-After for 429; the port
    retries instead, on the loop, honouring Retry-After (see `adapters.teams.port`).
    """

    def __init__(self, inner: ConnectorFactory) -> None:
        self._inner = inner

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        """A connector client for `service_url` that tries each call once."""
        client: ConnectorClient = await self._inner.create(service_url, audience)
        client.config.retry_policy.retries = 0
        client.config.connection.timeout = CONNECTOR_TIMEOUT_SECONDS
        return client


class Authentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """botbuilder's configuration-based authentication, with single-try connector clients."""

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        """Validate the request's token (when an app id is set)."""
        result: AuthenticateRequestResult = await super().authenticate_request(
            activity, auth_header
        )
        if result.connector_factory is not None:
            result.connector_factory = _SingleTryConnectorFactory(result.connector_factory)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """The factory for proactive sends."""
        return _SingleTryConnectorFactory(super().create_connector_factory(claims_identity))


def authentication(settings: Settings) -> Authentication:
    """Authentication for the Teams endpoint; says at start when it is off (Emulator mode)."""
    config: Any = bot_config(settings)
    if not config.APP_ID:
        log.warning(
            "Teams authentication is off (no MicrosoftAppId): local Bot Framework Emulator mode",
            extra={"platform": "teams"},
        )
    else:
        log.info("Teams authentication is on", extra={"platform": "teams"})
    return Authentication(config)
