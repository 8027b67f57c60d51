"""Domain errors: each carries a code; adapters and the core map codes to kind words."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Why a request could not be served."""

    UNKNOWN_COMMAND = "unknown_command"
    UNKNOWN_STEP = "unknown_step"
    UNKNOWN_SCENARIO = "unknown_scenario"
    NO_WALKTHROUGH = "no_walkthrough"
    BAD_ANSWER = "bad_answer"
    NO_POLL = "no_poll"
    POLL_CLOSED = "poll_closed"
    NOT_ALLOWED = "not_allowed"
    TOO_LONG = "too_long"
    UNAVAILABLE = "unavailable"
    CANNOT_POST = "cannot_post"


class CrbotError(Exception):
    """A request the bot understood but cannot serve; the code says why."""

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail


class DeliveryError(Exception):
    """A platform refused or failed a send; adapters raise it, the scheduler decides what next.

    `permanent` failures (bot removed, channel gone or archived, app uninstalled) will not succeed
    on retry; the others may, after `retry_after` seconds when the platform said so.
    """

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class ConfigError(Exception):
    """Configuration that stops start-up; its message is one line naming the variable."""
