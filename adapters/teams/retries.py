"""What a failed Bot Connector call means, and retrying the ones Teams asks bots to retry.

Teams: "retry 429, 412, 502, 503, 504 honouring Retry-After"; what still fails becomes a
`DeliveryError`, permanent when the bot was removed, blocked or the conversation is gone (403,
404), so the scheduler can stop posting there. A call Teams leaves unanswered past the call
timeout (`auth.py`) is handed straight back to the scheduler, retryable: trying again here would
hold the delivery worker for several timeouts.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams.throttle import Throttle
from bot import metrics
from bot.errors import DeliveryError

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

# 500 and 408 are worth one more go besides what Teams names.
TRANSIENT = frozenset({408, 412, 429, 500, 502, 503, 504})
ATTEMPTS = 3
# Longer waits than this are left to the scheduler (DeliveryError.retry_after), not slept here.
MAX_WAIT_SECONDS = 30.0
BACKOFF_BASE_SECONDS = 0.5
# A failure that is neither HTTP nor network: retrying the same call would fail the same way.
UNEXPECTED = "unexpected"
TIMED_OUT = "teams:timeout"


def retry_after(headers: Any) -> float | None:
    """Seconds from a Retry-After header: a number, or an HTTP date."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def timed_out(error: Exception) -> bool:
    """Whether a connector call failed because Teams did not answer within the call timeout."""
    if isinstance(error, TimeoutError):
        return True
    if not isinstance(error, ClientRequestError):
        return False
    # The session's driver (`connector.py`) wraps what aiohttp raised, as msrest wraps requests.
    cause = error.__cause__ or error.__context__
    followed: set[int] = set()
    while cause is not None and id(cause) not in followed:
        if isinstance(cause, TimeoutError):
            return True
        followed.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def delivery_error(error: Exception) -> DeliveryError:
    """What a failed connector call means for the sender."""
    if isinstance(error, DeliveryError):
        return error
    if timed_out(error):
        return DeliveryError(TIMED_OUT, permanent=False)
    if isinstance(error, HttpOperationError) and error.response is not None:
        # The answer as aiohttp gave it (`connector.py`): its status and headers.
        status = int(error.response.status)
        inner = getattr(getattr(error, "error", None), "error", None)
        code = getattr(inner, "code", None) or f"http_{status}"
        return DeliveryError(
            f"teams:{status}:{code}",
            permanent=status not in TRANSIENT,
            retry_after=retry_after(error.response.headers),
        )
    if isinstance(error, ClientRequestError | OSError):
        return DeliveryError("teams:unreachable", permanent=False)
    return DeliveryError(f"teams:{UNEXPECTED}:{type(error).__name__}", permanent=False)


class Retrying:
    """Runs a connector call, paced by the throttle, until it succeeds or should not be tried
    again; then raises its `DeliveryError`."""

    def __init__(
        self,
        throttle: Throttle,
        *,
        sleep: Sleep = asyncio.sleep,
        attempts: int = ATTEMPTS,
        max_wait: float = MAX_WAIT_SECONDS,
    ) -> None:
        self._throttle = throttle
        self._sleep = sleep
        self._attempts = attempts
        self._max_wait = max_wait

    async def __call__(
        self, operation: Callable[[], Awaitable[T]], tenant: str, conversation: str
    ) -> T:
        """The call's result, or its `DeliveryError` once it should not be tried again."""
        for attempt in range(1, self._attempts + 1):
            await self._throttle.wait(tenant, conversation)
            try:
                result = await operation()
                metrics.platform_call("teams", "sent")
                return result
            except Exception as error:
                failure = delivery_error(error)
                context = {"tenant": tenant, "platform": "teams", "status": failure.reason}
                unexpected = UNEXPECTED in failure.reason
                # Another go after a timeout could hold the delivery worker as long again.
                again = attempt < self._attempts and failure.reason != TIMED_OUT
                if failure.permanent or unexpected or not again:
                    metrics.platform_call("teams", "failed")
                    log.warning("Teams delivery failed", extra=context, exc_info=unexpected)
                    raise failure from error
                wait = failure.retry_after
                if wait is None:
                    wait = BACKOFF_BASE_SECONDS * 2 ** (attempt - 1) * (1 + random.random())
                if wait > self._max_wait:
                    metrics.platform_call("teams", "failed")
                    log.warning("Teams asked to wait longer than a send may", extra=context)
                    raise failure from error
                log.info("Teams delivery will be retried", extra=context)
                metrics.platform_call("teams", "retried")
                if failure.retry_after is not None:
                    metrics.rate_limit_wait("teams", wait)
                await self._sleep(wait)
        raise AssertionError("unreachable")
