"""The scheduler service: elect a leader, and in it run APScheduler to wake the ledger sender.

Being elected (the advisory lock) is not enough to send: the leader must also hold the sending
lease, which it takes only once the last holder's has expired or been handed back, and renews
while it leads. A leader that steps down stops sending at once and hands the lease back when
its run has recorded what it sent.

APScheduler 3's SQLAlchemyJobStore is synchronous and runs on the event loop, so it is kept
cheap and its size fixed: a sweep, a daily pruning of the ledger's history, and one wake-up at
the next due post of any rollout (found by one indexed query after each run, and moved when a
plan changes), ids as arguments, on its own sync engine (and, beside SQLite, its own file);
adding and moving jobs happens in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.events import (  # type: ignore[import-untyped]
    EVENT_JOB_MAX_INSTANCES,
    JobSubmissionEvent,
)
from apscheduler.jobstores.base import JobLookupError  # type: ignore[import-untyped]
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import metrics
from bot.ports import ChatPort
from bot.services import Services
from scheduler import jobs
from scheduler.history import History
from scheduler.leader import (
    LEASE_SECONDS,
    RENEW_AFTER,
    SEND_MARGIN,
    AdvisoryLeadership,
    Leadership,
    Lease,
    SoleLeadership,
)
from scheduler.ledger import LedgerStore, unreachable
from scheduler.limiter import Limiter
from scheduler.sender import Sender

log = logging.getLogger(__name__)

JOB_PATH = "scheduler.jobs:run_due"
HISTORY_PATH = "scheduler.jobs:prune_history"
SWEEP_ID = "sweep"
WAKE_ID = "wake"
HISTORY_ID = "history"
# Jobs of older versions, one per rollout; their wake-up is now the one above.
LEGACY_PREFIX = "rollout:"
# How long stopping waits for a run in progress to record what it sent (SIGTERM allows 10 s).
STOP_GRACE_SECONDS = 5.0


def job_store_url(url: str) -> str:
    """Where APScheduler keeps its jobs, with a sync driver: the bot's own PostgreSQL database
    (psycopg 3); beside a SQLite database, a file of their own (`crbot.db` -> `crbot.jobs.db`).

    SQLite has one writer at a time, and the job store writes synchronously on the event loop: on
    the bot's file it would wait behind the bot's async transactions with the whole loop stopped.
    """
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if not parsed.database or parsed.database == ":memory:":
            return "sqlite://"
        jobs = str(Path(parsed.database).with_suffix(".jobs.db"))
        return parsed.set(drivername="sqlite", database=jobs).render_as_string(False)
    if parsed.drivername == "postgresql+asyncpg":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(False)
    return url


def job_store_engine(url: str) -> Engine:
    """A small sync engine for the job store: WAL and a busy timeout on SQLite."""
    sync = job_store_url(url)
    if sync.startswith("sqlite"):
        engine = create_engine(sync, connect_args={"timeout": 10})

        def pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        event.listen(engine, "connect", pragmas)
        return engine
    return create_engine(sync, pool_size=2, max_overflow=0, pool_pre_ping=True)


class SchedulerService:
    """Campaigns for leadership; the leader runs the jobs that wake the sender."""

    def __init__(
        self,
        *,
        sender: Sender,
        database_url: str,
        leadership: Leadership,
        name: str = "crbot",
        campaign_every: float = 2.0,
        sweep_every: float = 60.0,
        misfire_grace: timedelta = timedelta(hours=2),
        history: History | None = None,
        prune_every: timedelta = timedelta(days=1),
    ) -> None:
        self.sender = sender
        self.leadership = leadership
        self.name = name
        self.campaign_every = campaign_every
        self.sweep_every = sweep_every
        self.misfire_grace = misfire_grace
        self._url = database_url
        self._engine: Engine | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._task: asyncio.Task[None] | None = None
        self.history = history
        self.prune_every = prune_every
        # When the wake-up job is set for (None: no job), and a move under way after a change.
        self._wake_at: datetime | None = None
        self._moving: asyncio.Task[None] | None = None
        self._changes = 0
        # One reader-and-setter at a time, so an older reading never overwrites a newer one.
        self._setting = asyncio.Lock()
        self._first_tick: asyncio.Task[None] | None = None
        self._rewake: asyncio.Task[None] | None = None
        self._runs: set[asyncio.Future[None]] = set()
        self._resigning: asyncio.Future[None] | None = None
        # A run failed or stopped for want of the lease: run again once the lease is ours.
        self._again = False
        self._waiting = False
        self.leading = asyncio.Event()

    async def start(self) -> None:
        """Begin campaigning (and lead at once if the lock is free)."""
        jobs.register(self.name, self)
        self.sender.services.rollouts.store.watch(self._plan_changed)
        self._task = asyncio.create_task(self._campaign(), name=f"scheduler-{self.name}")

    async def stop(self) -> None:
        """Stop sending, step down, release the job store."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sender.services.rollouts.store.unwatch(self._plan_changed)
        await self._step_down()
        for task in (self._moving, self._rewake):
            if task is not None:
                task.cancel()
        waiting = [*self._runs, *([self._resigning] if self._resigning else [])]
        if waiting:
            # The lease is handed back once the runs are done; if they cannot finish (the
            # database is away), it expires on its own.
            await asyncio.wait(waiting, timeout=STOP_GRACE_SECONDS)
        if self._resigning is not None and not self._resigning.done():
            self._resigning.cancel()
        await self.leadership.release()
        jobs.unregister(self.name)
        if self._engine is not None:
            await asyncio.to_thread(self._engine.dispose)

    def busy(self) -> bool:
        """Whether a run of the sender is under way (or a lease being handed back)."""
        resigning = self._resigning is not None and not self._resigning.done()
        return bool(self._runs) or resigning

    async def tick(self, rollout_id: str | None = None) -> None:
        """Send what is due and move the wake-up to the next post."""
        if not self.leading.is_set():
            return
        # Stepping down shuts APScheduler down, which cancels the jobs it is running. The work
        # itself is shielded: a post sent just before is still recorded (not left uncertain),
        # and no database call is cut off halfway, which can spoil its pooled connection.
        work = asyncio.ensure_future(self._tick(rollout_id))
        self._runs.add(work)
        work.add_done_callback(self._runs.discard)
        await asyncio.shield(work)

    async def _tick(self, rollout_id: str | None) -> None:
        context = {"job_id": rollout_id or SWEEP_ID}
        try:
            await self.sender.run_due()
            await self._wake()
        except Exception as error:
            self._again = True
            if unreachable(error):
                log.warning("scheduler tick stopped: database unreachable", extra=context)
            else:
                log.exception("scheduler tick failed", extra=context)
        else:
            self._again = not self.sender.lease.live()

    async def _campaign(self) -> None:
        while True:
            try:
                await self._campaign_once()
            except Exception as error:
                if unreachable(error):
                    log.warning("scheduler campaign: database unreachable")
                else:
                    log.exception("scheduler campaign failed")
            await asyncio.sleep(self.campaign_every)

    async def _campaign_once(self) -> None:
        leads = await self.leadership.acquire()
        if leads and not self.leading.is_set():
            await self._lead()
        elif not leads and self.leading.is_set():
            log.warning("lost the scheduler lock: stepping down")
            await self._step_down()
        elif leads and not await self.sender.keep():
            log.warning("lost the sending lease: stepping down")
            await self._step_down()
        elif leads and self._again:
            # The last run ended early (the database went away): carry on where it stopped.
            self._again = False
            self._first_tick = asyncio.create_task(self.tick())

    async def _lead(self) -> None:
        # Elected, but sending waits for the lease (and the rows its last holder left).
        if not await self.sender.lead():
            if not self._waiting:
                log.info("elected; waiting for the sending lease", extra={"status": self.name})
            self._waiting = True
            return
        self._waiting = False
        if self._engine is None:
            self._engine = job_store_engine(self._url)
        store = SQLAlchemyJobStore(engine=self._engine)
        scheduler = AsyncIOScheduler(
            jobstores={"default": store},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(self.misfire_grace.total_seconds()),
            },
            timezone=UTC,
        )
        scheduler.add_listener(self._wake_skipped, EVENT_JOB_MAX_INSTANCES)
        # Kept before starting, so a stop that interrupts this still shuts it down.
        self._scheduler = scheduler
        scheduler.start()
        self._wake_at = None
        await asyncio.to_thread(self._setup, scheduler)
        self.leading.set()
        metrics.leader(True)
        log.info("scheduler leading", extra={"status": self.name})
        self._first_tick = asyncio.create_task(self.tick())

    def _setup(self, scheduler: AsyncIOScheduler) -> None:
        """The fixed jobs (in a worker thread: the store is synchronous)."""
        for job in scheduler.get_jobs():
            if job.id.startswith(LEGACY_PREFIX):
                scheduler.remove_job(job.id)
        scheduler.add_job(
            JOB_PATH,
            "interval",
            seconds=self.sweep_every,
            id=SWEEP_ID,
            args=[self.name, None],
            replace_existing=True,
        )
        if self.history is not None:
            scheduler.add_job(
                HISTORY_PATH,
                "interval",
                seconds=self.prune_every.total_seconds(),
                id=HISTORY_ID,
                args=[self.name],
                replace_existing=True,
                # Once on taking the lead too: a replica that never leads a whole day still prunes.
                next_run_time=datetime.now(UTC),
            )

    async def _step_down(self) -> None:
        self.leading.clear()
        metrics.leader(False)
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        if self._resigning is None or self._resigning.done():
            self._resigning = asyncio.ensure_future(self._resign())

    async def _resign(self) -> None:
        try:
            await self.sender.resign()
        except Exception as error:
            # It expires on its own; another replica waits for that instead.
            log.warning(
                "could not hand the sending lease back", extra={"status": type(error).__name__}
            )

    async def prune(self) -> None:
        """Summarise and delete the ledger's settled history (the daily job)."""
        # Its job lives in the leader's APScheduler only, and may fire before `leading` is set.
        if self._scheduler is None or self.history is None:
            return
        try:
            await self.history.prune(self.sender.services.clock.now())
        except Exception as error:
            if unreachable(error):
                log.warning("history not pruned: database unreachable")
            else:
                log.exception("history not pruned")

    def _plan_changed(self, earliest: datetime | None) -> None:
        """A plan changed in this process: move the wake-up now rather than at the sweep."""
        if not self.leading.is_set():
            return
        if earliest is not None and self._wake_at is not None and earliest >= self._wake_at:
            return  # rows added after the next wake-up change nothing
        self._changes += 1
        if self._moving is None or self._moving.done():
            self._moving = asyncio.create_task(self._move())

    async def _move(self) -> None:
        try:
            # Changes committed while a reading was under way get a reading of their own.
            seen = -1
            while seen != self._changes:
                seen = self._changes
                await self._wake()
        except Exception as error:
            # The next run or sweep sets it.
            log.warning("wake-up not moved", extra={"status": type(error).__name__})

    async def _wake(self) -> None:
        """Set the one wake-up job to the next thing the sender has to do."""
        async with self._setting:
            scheduler = self._scheduler
            if scheduler is None:
                return
            due = await self.sender.ledger.next_wake()
            # An unchanged time is left alone: a wake-up that fired and found nothing it could
            # send is not set again at once (no busy loop); the sweep looks again.
            if due == self._wake_at or scheduler is not self._scheduler:
                return
            await asyncio.to_thread(self._set_wake, scheduler, due)
            self._wake_at = due

    def _wake_skipped(self, event: JobSubmissionEvent) -> None:
        """A wake-up fell due while the last one was still running (a run sets the next one
        as it ends, and the next post may be due by then): APScheduler runs one at a time and
        drops the other, job and all, so wake again once that run is over."""
        if event.job_id == WAKE_ID:
            self._rewake = asyncio.create_task(self._wake_again(list(self._runs)))

    async def _wake_again(self, running: list[asyncio.Future[None]]) -> None:
        if running:
            await asyncio.wait(running)
        # The dropped job is gone while `_wake_at` still names its time.
        self._wake_at = None
        await self.tick()

    def _set_wake(self, scheduler: AsyncIOScheduler, due: datetime | None) -> None:
        if due is None:
            with contextlib.suppress(JobLookupError):
                scheduler.remove_job(WAKE_ID)
            return
        scheduler.add_job(
            JOB_PATH,
            "date",
            run_date=due,
            id=WAKE_ID,
            args=[self.name, None],
            replace_existing=True,
        )


def build(
    services: Services,
    engine: AsyncEngine,
    database_url: str,
    ports: Mapping[str, ChatPort],
    *,
    limiter: Limiter | None = None,
    lease_seconds: float = LEASE_SECONDS,
    history_days: int | None = None,
) -> SchedulerService:
    """The scheduler for a running bot: advisory-lock leadership on PostgreSQL, sole on SQLite,
    and the sending lease on both (a shorter one lets tests take over sooner)."""
    postgres = database_url.startswith("postgresql")
    leadership: Leadership = AdvisoryLeadership(database_url) if postgres else SoleLeadership()
    instance = uuid.uuid4().hex[:12]
    # The margin and the renewals keep their proportions to the lease.
    share = lease_seconds / LEASE_SECONDS
    lease = Lease(
        instance,
        seconds=lease_seconds,
        margin=SEND_MARGIN * share,
        renew_after=RENEW_AFTER * share,
    )
    sender = Sender(
        services=services,
        ledger=LedgerStore(engine),
        ports=ports,
        instance=instance,
        lease=lease,
        limiter=limiter,
    )
    history = History(engine, timedelta(days=history_days)) if history_days else None
    return SchedulerService(
        sender=sender, database_url=database_url, leadership=leadership, history=history
    )
