"""Log output: readable lines by default, one JSON object per line on request.

Lines from other libraries (slack_sdk, slack_bolt, botbuilder, aiohttp, the database drivers...)
are cut to what an operator needs, whatever CRBOT_LOG_LEVEL says: at DEBUG they print request and
response bodies, which carry people's ids and what they wrote.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType

from bot.logcontext import ContextFilter

# Context fields passed through `extra`; only ids and counts, never message text or answers.
CONTEXT_FIELDS = (
    "tenant",
    "platform",
    "channel",
    "command",
    "poll",
    "job_id",
    "delivery_id",
    "request_id",
    "file",
    "status",
)


# Loggers whose lines we write ourselves, with ids and counts only.
OUR_PACKAGES = frozenset({"bot", "adapters", "crbot", "scheduler", "content"})
# Most first words kept of another library's line ("Sending a request", "Responding with").
LEAD_WORDS = 6
# Marks where a line was cut, and a path segment that was an id or a token.
CUT = "[redacted]"
ID = ":id"

# A plain word, maybe ending a clause ("status:"); anything else ends the words kept.
_WORD = re.compile(r"([A-Za-z]+(?:['-][A-Za-z]+)*)([:,.;]?)")
# All capitals and long: a Slack id (U0123ABCD, C..., D..., W...) more likely than a word.
_ID_LIKE = re.compile(r"[A-Z][A-Z0-9]{6,}")
# Where a line's own words end and what it carries begins: a dict or list, or a field that holds
# a body. The method, path and status are looked for only before it.
_HEAD_END = re.compile(
    r"[{\[]|\b(?:body|json|data|params|files|headers|payload|text)\b\s*[:=]", re.I
)
_METHOD = r"(?:\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+)"
_URL = re.compile(_METHOD + r"?https?://[^/\s'\"]*(/[^\s'\",)}\]]*)?")
_BARE_PATH = re.compile(_METHOD + r"(/[^\s'\",)}\]]*)")
# A path segment kept as it is: a word or an API method (chat.postMessage), or a version (v3).
_SEGMENT = re.compile(r"v\d{1,2}(?:\.\d{1,2})?|[A-Za-z][A-Za-z._-]{0,39}")
_STATUS = re.compile(r"\bstatus(?:[ _]code)?\W{1,3}(\d{3})\b|HTTP/\d(?:\.\d)?\"?\s+(\d{3})\b", re.I)
# Slack's error codes are snake_case words (channel_not_found, ratelimited).
_ERROR = re.compile(r"""['"]error['"]\s*:\s*['"]([a-z][a-z_]{0,59})['"]""")


def _ours(name: str) -> bool:
    return name.partition(".")[0] in OUR_PACKAGES


def _lead(line: str) -> tuple[str, bool]:
    """The first plain words of a line, and whether they are the whole line."""
    words: list[str] = []
    tokens = line.split(" ")
    for token in tokens[:LEAD_WORDS]:
        matched = _WORD.fullmatch(token)
        if matched is None or _ID_LIKE.fullmatch(matched[1]):
            return " ".join(words), False
        words.append(matched[1])
        if matched[2]:
            return " ".join(words), len(words) == len(tokens) and matched[2] == "."
    return " ".join(words), len(words) == len(tokens)


def _path(path: str) -> str:
    """A URL path with each segment that is not a plain word (an id, a token) cut."""
    path = re.split(r"[?#]", path, maxsplit=1)[0]
    return "/".join(
        segment if not segment or _SEGMENT.fullmatch(segment) else ID for segment in path.split("/")
    )


def redacted(record: logging.LogRecord) -> str:
    """Another library's line as it may be logged: its first words, then only the HTTP method
    and path, the status and Slack's error code found in the rest."""
    try:
        message = record.getMessage()
    except Exception:  # a library's bad format arguments must not cost the line
        message = str(record.msg)
    first, _, more = message.partition("\n")
    lead, whole = _lead(first)
    if whole and not more:
        return lead
    head = _HEAD_END.split(message, maxsplit=1)[0]
    facts = []
    # A method and path first: urllib3 names the host, then the request line; the Bot
    # Connector's calls (aiohttp.client) give the method, then the whole URL.
    if url := _BARE_PATH.search(head) or _URL.search(head):
        facts.append(" ".join(filter(None, (url[1], _path(url[2] or "/")))))
    if status := _STATUS.search(head):
        facts.append(f"status={status[1] or status[2]}")
    if error := _ERROR.search(message):
        facts.append(f"error={error[1]}")
    return " ".join(filter(None, (lead, CUT, *facts)))


def _bare_traceback(error: BaseException, tb: TracebackType | None) -> str:
    """The frames and exception types of a traceback without the messages, which may hold a
    request or response body."""
    chain: list[tuple[BaseException, TracebackType | None]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, tb if current is error else current.__traceback__))
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for link, frames in reversed(chain):
        kind = type(link)
        parts.append("Traceback (most recent call last; message removed):\n")
        parts.extend(traceback.format_tb(frames))
        parts.append(f"{kind.__module__}.{kind.__qualname__}\n")
    return "".join(parts).rstrip("\n")


class LibraryRedaction(logging.Filter):
    """Cuts another library's record to `redacted()` and a bare traceback; ours pass as they are.

    On the handler, so it sees every library's records; the record's arguments are formatted
    first and then dropped, so no later handler or formatter can print them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Always lets the record through, redacted unless it is ours."""
        if _ours(record.name):
            return True
        record.msg, record.args = redacted(record), None
        error, frames = record.exc_info[1:] if record.exc_info else (None, None)
        # Replaces any traceback text formatted earlier, which would carry the message.
        record.exc_text = _bare_traceback(error, frames) if error is not None else None
        record.exc_info = None
        return True


def _context(record: logging.LogRecord) -> dict[str, object]:
    return {key: getattr(record, key) for key in CONTEXT_FIELDS if hasattr(record, key)}


def _traceback(formatter: logging.Formatter, record: logging.LogRecord) -> str | None:
    if record.exc_info:
        return formatter.formatException(record.exc_info)
    return record.exc_text or None


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value ...`."""

    def format(self, record: logging.LogRecord) -> str:
        """One readable line (plus a traceback when there is one)."""
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        context = " ".join(f"{k}={v}" for k, v in _context(record).items())
        line = f"{stamp} {record.levelname} {record.name}: {record.getMessage()}"
        line = f"{line} {context}" if context else line
        if trace := _traceback(self, record):
            line = f"{line}\n{trace}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON."""
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context(record),
        }
        if trace := _traceback(self, record):
            payload["traceback"] = trace
        return json.dumps(payload, default=str)


def configure(level: str, fmt: str) -> None:
    """Send logs to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    # On the handler, not a logger: records from every library's logger pass through them.
    handler.addFilter(LibraryRedaction())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic announces every migration at INFO; only its warnings matter to an operator.
    logging.getLogger("alembic").setLevel(logging.WARNING)
