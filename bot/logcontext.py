"""The request or delivery id of the work in hand, added to every log line it writes.

The ids live in a context variable, so they follow the work across awaits and into the tasks it
starts, and two requests served at once never see each other's. A logging filter copies them onto
each record; `crbot.logs` installs it on the handler, so lines from every library carry them too.
Only ids go here, never names or text.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

MAX_ID_CHARS = 64
_NONE: Mapping[str, str] = MappingProxyType({})
_ids: ContextVar[Mapping[str, str]] = ContextVar("crbot_log_ids", default=_NONE)


def new_id() -> str:
    """A short random id: enough to find one request's lines among a day's."""
    return uuid.uuid4().hex[:16]


def current() -> Mapping[str, str]:
    """The ids bound here (e.g. `{"request_id": "..."}`)."""
    return _ids.get()


@contextmanager
def bound(**ids: str) -> Iterator[Mapping[str, str]]:
    """Add ids to every log line written inside the block (and in tasks started from it)."""
    token = _ids.set({**_ids.get(), **ids})
    try:
        yield _ids.get()
    finally:
        _ids.reset(token)


@contextmanager
def request(request_id: str | None = None) -> Iterator[str]:
    """Work for one request: the given id, the one already bound, or a new one.

    An adapter binds the platform's own id for the request (Slack's event or trigger id, a Teams
    activity id) around all its work, so the core's own `request()` inside reuses it.
    """
    # The id may come from an unauthenticated body: bounded, so it cannot flood a log line.
    chosen = (request_id or "")[:MAX_ID_CHARS] or _ids.get().get("request_id") or new_id()
    with bound(request_id=chosen):
        yield chosen


@contextmanager
def delivery(delivery_id: str | int) -> Iterator[str]:
    """Work for one scheduled post, under its ledger row id."""
    with bound(delivery_id=str(delivery_id)):
        yield str(delivery_id)


class ContextFilter(logging.Filter):
    """Copies the bound ids onto each record, unless the call passed its own in `extra`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always lets the record through."""
        for key, value in _ids.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
