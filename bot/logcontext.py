"""The request or delivery id of the work in hand, added to every log line it writes.

The ids live in a context variable, so they follow the work across awaits and into the tasks it
starts, and two requests served at once never see each other's. A logging filter copies them onto
each record; `crbot.logs` installs it on the handler, so lines from every library carry them too.
Only ids go here, never names or text.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType

MAX_ID_CHARS = 64
_NONE: Mapping[str, str] = MappingProxyType({})
_ids: ContextVar[Mapping[str, str]] = ContextVar("crbot_log_ids", default=_NONE)


def new_id() -> str:
    """A short random id: enough to find one request's lines among a day's (not a secret, so
    the fast generator will do)."""
    return f"{random.getrandbits(64):016x}"


def current() -> Mapping[str, str]:
    """The ids bound here (e.g. `{"request_id": "..."}`)."""
    return _ids.get()


class _Binding:
    """Ids bound for the duration of a `with` block: a plain class, as it runs per request."""

    __slots__ = ("_ids", "_token", "value")

    def __init__(self, ids: Mapping[str, str] | None, value: str) -> None:
        self._ids = ids
        self._token: Token[Mapping[str, str]] | None = None
        self.value = value

    def __enter__(self) -> str:
        if self._ids is not None:
            self._token = _ids.set({**_ids.get(), **self._ids})
        return self.value

    def __exit__(self, *_: object) -> None:
        if self._token is not None:
            _ids.reset(self._token)


@contextmanager
def bound(**ids: str) -> Iterator[Mapping[str, str]]:
    """Add ids to every log line written inside the block (and in tasks started from it)."""
    with _Binding(ids, ""):
        yield _ids.get()


def request(request_id: str | None = None) -> _Binding:
    """Work for one request: the given id, the one already bound, or a new one.

    An adapter binds the platform's own id for the request (Slack's event or trigger id, a Teams
    activity id) around all its work, so the core's own `request()` inside reuses it.
    """
    # The id may come from an unauthenticated body: bounded, so it cannot flood a log line.
    bound_id = _ids.get().get("request_id")
    chosen = (request_id or "")[:MAX_ID_CHARS] or bound_id or new_id()
    # Already bound by the adapter: nothing to add.
    return _Binding(None if chosen == bound_id else {"request_id": chosen}, chosen)


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
