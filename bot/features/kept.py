"""Replies made only of the pack's words (and the roles that choose among them), built once.

The same object each time, so the router fits it to a place once and a renderer renders it
once (`Reply.fixed`, `Reply.shareable`), rather than on every request. Nothing personal is
ever kept here: a key names the pack and the words asked for, never a person.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from cachetools import LRUCache

from bot.messages import Reply


class KeptReplies:
    """Replies by key, built on first use; the least used go past `size`."""

    def __init__(self, size: int) -> None:
        self._built: LRUCache[Hashable, Reply] = LRUCache(maxsize=size)

    def get(self, key: Hashable, build: Callable[[], Reply]) -> Reply:
        """The reply kept for `key`, else `build()`'s, kept."""
        known = self._built.get(key)
        if known is None:
            known = self._built[key] = build()
        return known
