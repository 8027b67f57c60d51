"""One HTTP session per process for the Bot Connector: every connector client sends over it.

botbuilder's connector clients send through msrest's requests driver: each client a requests
session of its own, each call in a worker thread. Here each client's pipeline ends in the one
aiohttp session instead, on the loop, so the replies made inside requests and the scheduler's
sends reuse its connections (no TCP and TLS handshake per client), and stopping the platform
closes it. Errors keep msrest's shape (`ClientRequestError`, the cause chained), so
`retries.py` reads them as before. Each call is logged at DEBUG, as urllib3 logged msrest's: one
line with its method, URL and status, under aiohttp's client logger, so the log's redaction of
libraries cuts the ids in the path and the query off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
from botframework.connector.aio import ConnectorClient
from msrest.exceptions import ClientRequestError
from msrest.pipeline import AsyncPipeline, SansIOHTTPPolicy
from msrest.pipeline.aiohttp import AioHTTPSender
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.aiohttp import AioHttpClientResponse
from msrest.universal_http.async_abc import AsyncHTTPSender

# aiohttp's own client logger, not ours: a line under it is cut to its method, path and status
# (`crbot/logs.py`), where one of ours would be printed whole, conversation ids and all.
_calls = logging.getLogger("aiohttp.client")


async def _answered(
    _session: aiohttp.ClientSession, _context: object, params: aiohttp.TraceRequestEndParams
) -> None:
    _calls.debug(
        "Bot Connector call: %s %s status=%d", params.method, params.url, params.response.status
    )


async def _failed(
    _session: aiohttp.ClientSession,
    _context: object,
    params: aiohttp.TraceRequestExceptionParams,
) -> None:
    _calls.debug("Bot Connector call failed: %s %s", params.method, params.url)


def _call_log() -> aiohttp.TraceConfig:
    """Tracing that logs each call's outcome (headers and bodies are never handed to it)."""
    tracing = aiohttp.TraceConfig()
    tracing.on_request_end.append(_answered)
    tracing.on_request_exception.append(_failed)
    return tracing


class ConnectorSession:
    """The process's aiohttp session for Bot Connector calls, made on first use (on the loop).

    No connection limit, as Slack's shared session: the scheduler's limiter, not the pool,
    paces a fan-out. Close it on shutdown.
    """

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        """The open session (a new one only before the first call or after `close`)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0), trace_configs=[_call_log()]
            )
        return self._session

    @property
    def current(self) -> aiohttp.ClientSession | None:
        """The session made so far, if any."""
        return self._session

    async def close(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()


class _SessionDriver(AsyncHTTPSender):  # type: ignore[misc]
    """msrest's HTTP driver over the shared session; `timeout` is read at each call."""

    def __init__(self, session: ConnectorSession, timeout: Callable[[], float]) -> None:
        self._session = session
        self._timeout = timeout

    async def __aenter__(self) -> _SessionDriver:
        return self

    async def __aexit__(self, *exc_details: object) -> None:
        """The session outlives every client: `ConnectorSession.close` closes it."""

    async def send(self, request: ClientRequest, **config: Any) -> AioHttpClientResponse:
        """The answer, its body read; a failure to get one as msrest's ClientRequestError."""
        try:
            answer = await self._session.get().request(
                request.method,
                request.url,
                headers=request.headers,
                data=request.data,
                timeout=aiohttp.ClientTimeout(total=self._timeout()),
            )
            response = AioHttpClientResponse(request, answer)
            await response.load_body()
        except (aiohttp.ClientError, TimeoutError) as error:
            message = f"Error occurred in request., {type(error).__name__}: {error}"
            raise ClientRequestError(message, error) from error
        return response


class _Bearer(SansIOHTTPPolicy):  # type: ignore[misc]
    """The credentials' Authorization header on each request.

    msrest's own policy has the credentials sign a requests session, so a session shared by
    clients would carry one client's token into another's calls: here they sign a header holder
    made for the one request."""

    def __init__(self, credentials: Any) -> None:
        self._credentials = credentials

    def on_request(self, request: Any, **kwargs: Any) -> None:
        """Sign the request (credentials without an app id, in local mode, add nothing)."""
        if self._credentials is None:
            return
        holder = SimpleNamespace(headers={})
        self._credentials.signed_session(holder)
        if "Authorization" in holder.headers:
            request.http_request.headers["Authorization"] = holder.headers["Authorization"]


def over_session(client: ConnectorClient, session: ConnectorSession) -> ConnectorClient:
    """`client`, its calls sent over `session` (with the client's own user agent, logging and
    connection timeout)."""
    config = client.config
    policies = [
        config.user_agent_policy,
        _Bearer(config.credentials),
        RawDeserializer(),
        config.http_logger_policy,
    ]
    driver = _SessionDriver(session, lambda: float(config.connection.timeout))
    config.pipeline = AsyncPipeline(policies, AioHTTPSender(driver))
    return client
