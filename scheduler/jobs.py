"""The functions APScheduler stores by path (`scheduler.jobs:run_due`, `:prune_history`); keep
these names stable.

Stored jobs hold only these paths and plain ids, never objects: the running service registers
itself here under its name, and a job finds it by that name.
"""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)


class Runner(Protocol):
    """What a job needs from the running scheduler service."""

    async def tick(self, rollout_id: str | None = None) -> None:
        """Send what is due, then set the next wake-up."""
        ...

    async def prune(self) -> None:
        """Summarise and prune the ledger's settled history."""
        ...


_running: dict[str, Runner] = {}


def register(name: str, runner: Runner) -> None:
    """Make a running service reachable by its jobs."""
    _running[name] = runner


def unregister(name: str) -> None:
    """Forget a stopped service."""
    _running.pop(name, None)


async def run_due(service: str, rollout_id: str | None = None) -> None:
    """Wake the sender: a rollout's next post is due (or the periodic sweep)."""
    runner = _running.get(service)
    if runner is None:
        log.warning("job fired with no scheduler running", extra={"job_id": rollout_id or "sweep"})
        return
    await runner.tick(rollout_id)


async def prune_history(service: str) -> None:
    """Summarise and prune the ledger's settled history (daily)."""
    runner = _running.get(service)
    if runner is None:
        log.warning("job fired with no scheduler running", extra={"job_id": "history"})
        return
    await runner.prune()
