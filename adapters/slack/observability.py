"""What the Slack adapter tells the operator: Slack's own id for each request on every log line
it writes, and every Web API retry counted (with the wait, when Slack set it by Retry-After).

slack-sdk retries inside the call: its retry handlers sleep, then the client tries again, so a
retry is visible only to a handler. `Counted` wraps one and reports each retry it grants.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.shapes import problem
from bot import logcontext, metrics

log = logging.getLogger(__name__)

PLATFORM = "slack"
# Where Slack puts its id for a request: Events API deliveries carry an event id; commands,
# clicks and form submissions a trigger id.
ID_FIELDS = ("event_id", "trigger_id")


def request_id_of(body: dict[str, Any]) -> str | None:
    """Slack's id for the request in this body, if it has one."""
    for name in ID_FIELDS:
        value = body.get(name)
        if isinstance(value, str) and value:
            return value
    return None


class Counted(AsyncRetryHandler):
    """A retry handler that counts each retry it grants, and a rate limit's wait."""

    def __init__(self, inner: AsyncRetryHandler) -> None:
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self.inner = inner
        self.rate_limit = isinstance(inner, AsyncRateLimitErrorRetryHandler)

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        """The wrapped handler's verdict."""
        return await self.inner.can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Wait as the wrapped handler does, then count the retry about to be made."""
        started = time.monotonic()
        await self.inner.prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )
        metrics.platform_call(PLATFORM, "retried")
        if self.rate_limit:
            metrics.rate_limit_wait(PLATFORM, time.monotonic() - started)


def counted(handlers: list[AsyncRetryHandler]) -> list[AsyncRetryHandler]:
    """The same retry handlers, each counting its retries."""
    return [Counted(handler) for handler in handlers]


def socket_mode_handler(app: AsyncApp, app_token: str, client: AsyncWebClient) -> Any:
    """A Socket Mode handler that runs each envelope under Slack's id for it, and checks its
    shape as the HTTP intake does."""
    # Imported here: the Socket Mode client is needed only with an app token.
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
    from slack_sdk.socket_mode.response import SocketModeResponse

    class Identified(AsyncSocketModeHandler):  # type: ignore[misc]
        async def handle(self, client: Any, req: SocketModeRequest) -> None:
            with logcontext.request(request_id_of(req.payload) or req.envelope_id):
                wrong = problem(req.payload)
                if wrong is None:
                    await super().handle(client, req)
                    return
                # Not what Slack sends, so bolt would raise on it; acked, or Slack resends it.
                log.warning("slack envelope refused: %s", wrong, extra={"platform": PLATFORM})
                await client.send_socket_mode_response(
                    SocketModeResponse(envelope_id=req.envelope_id)
                )

    return Identified(app, app_token, web_client=client)
