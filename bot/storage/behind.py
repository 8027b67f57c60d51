"""Writes that need not hold up the request making them: the latest value for each key, read
from memory at once and written in the background, as many as are waiting in one transaction.

A committed write is a disk flush (a few milliseconds on SQLite and on PostgreSQL alike), far
more than the rest of a request that only moves someone along. A store keeps here only what can
be lost without harm if the process dies in the moment before it is written (where someone is
in a walkthrough: every button carries its absolute place), never what a person wrote or
answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class WrittenBehind(Generic[K, V]):
    """The latest value of each key, written by one background task, in batches."""

    def __init__(self, write: Callable[[dict[K, V]], Awaitable[None]], what: str) -> None:
        self._write = write
        self._what = what  # for the log line: ids and counts only, never values
        self._waiting: dict[K, V] = {}
        self._writing: dict[K, V] = {}
        self._task: asyncio.Task[None] | None = None

    def put(self, key: K, value: V) -> None:
        """Keep `value` for `key`; it is written soon after, without being waited for."""
        self._waiting[key] = value
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())

    def get(self, key: K) -> V | None:
        """The value not yet stored for `key`, if there is one (the store holds the rest)."""
        if key in self._waiting:
            return self._waiting[key]
        return self._writing.get(key)

    async def drop(self, key: K) -> None:
        """Never write `key`'s value; returns once no write of it is still under way, so a
        delete that follows is not undone by one."""
        self._waiting.pop(key, None)
        if key in self._writing:
            await self.written()

    async def written(self) -> None:
        """Wait until everything kept so far is written (or its write has failed)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _drain(self) -> None:
        while self._waiting:
            self._writing, self._waiting = self._waiting, {}
            try:
                await self._write(self._writing)
            except Exception as error:
                # Nothing is tried again: a value kept here can be lost without harm, and one
                # put back could come after a delete (`drop`) meant it gone for good.
                log.warning(
                    "%s not stored: %s",
                    self._what,
                    type(error).__name__,
                    extra={"count": len(self._writing)},
                )
            finally:
                self._writing = {}
