"""Log output: readable lines by default, one JSON object per line on request."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

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


def _context(record: logging.LogRecord) -> dict[str, object]:
    return {key: getattr(record, key) for key in CONTEXT_FIELDS if hasattr(record, key)}


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value ...`."""

    def format(self, record: logging.LogRecord) -> str:
        """One readable line (plus a traceback when there is one)."""
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        context = " ".join(f"{k}={v}" for k, v in _context(record).items())
        line = f"{stamp} {record.levelname} {record.name}: {record.getMessage()}"
        line = f"{line} {context}" if context else line
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
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
        if record.exc_info:
            payload["traceback"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure(level: str, fmt: str) -> None:
    """Send logs to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    # On the handler, not a logger: records from every library's logger pass through it.
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic announces every migration at INFO; only its warnings matter to an operator.
    logging.getLogger("alembic").setLevel(logging.WARNING)
