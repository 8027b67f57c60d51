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


class CrbotError(Exception):
    """A request the bot understood but cannot serve; the code says why."""

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail
