"""The shape of crbot's bolt middlewares.

A middleware as a class rather than a decorated function: bolt calls it directly, without
inspecting its arguments on every request, which slash commands would otherwise pay for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncBoltRequest
from slack_bolt.middleware.async_middleware import AsyncMiddleware

Next = Callable[[], Awaitable[BoltResponse]]


class Middleware(AsyncMiddleware):
    """A bolt middleware that sees the request and what comes next."""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Next,  # bolt passes it by this name
    ) -> BoltResponse | None:
        """Bolt's entry point."""
        return await self.around(req, next)

    async def around(self, req: AsyncBoltRequest, next: Next) -> BoltResponse | None:
        """Answer the request, or `await next()` to let it on."""
        raise NotImplementedError
