"""The ledger sender: claims due posts, sends them through each platform's port, marks them.

Only the holder of the sending lease sends: each claim renews it, and no send starts without it
(`scheduler.leader.Lease`). A transient platform error puts the post back with a backoff that
honours Retry-After; a permanent one pauses the cohort and tells its facilitators privately. A
post another holder left half-done is looked up on the platform where the port can, or shown to
the facilitators as uncertain with a button to post it, never silently sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot import logcontext, metrics
from bot.errors import DeliveryError
from bot.ports import ChatPort
from bot.rollouts import posts
from bot.services import Services
from bot.storage.rollouts import RolloutRecord
from bot.storage.team_settings import TeamSettings
from scheduler import recovery
from scheduler.leader import Lease
from scheduler.ledger import Claimed, LedgerStore, Outcome, unreachable
from scheduler.limiter import Limiter

log = logging.getLogger(__name__)

# How often finished sends are written back: fewer, larger transactions in a fan-out.
FLUSH_EVERY = 0.5
# Channel workers started before the loop gets a turn to answer sends already under way.
START_EACH = 50
BACKOFF_BASE = 2.0
# A platform asking to wait this long or less (a rate limit) is waited out in place.
RETRY_HERE = 10.0
BACKOFF_CAP = 900.0


class Sender:
    """Sends every due post once, in the leader only."""

    def __init__(
        self,
        *,
        services: Services,
        ledger: LedgerStore,
        ports: Mapping[str, ChatPort],
        instance: str,
        lease: Lease | None = None,
        limiter: Limiter | None = None,
        grace: timedelta = timedelta(hours=2),
        batch: int = 1000,
        concurrency: int = 1024,
        max_attempts: int = 8,
        retry_horizon: timedelta = timedelta(minutes=5),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.services = services
        self.ledger = ledger
        self.ports = ports
        self.instance = instance
        self.lease = lease or Lease(instance)
        self.limiter = limiter or Limiter()
        self.grace = grace
        self.batch = batch
        self.max_attempts = max_attempts
        self.retry_horizon = retry_horizon
        self._sleep = sleep
        self._gate = asyncio.Semaphore(concurrency)
        self._running = asyncio.Lock()
        self._paused: set[str] = set()
        # A claim failed with the database away: it may have committed all the same, leaving
        # rows claimed by us that no run of ours holds.
        self._orphans = False
        # Rows handed to a run whose outcomes could not be written: sent or not, nobody knows.
        self._unrecorded: set[int] = set()
        self._resigned = False

    async def run_due(self) -> int:
        """Send everything due now (and retries due soon); returns how many were sent."""
        async with self._running:
            # Once resigned, only `lead` takes the lease again: a run that was waiting its turn
            # must not take it back from the replica elected meanwhile.
            if not await self._lead(take=not self._resigned):
                return 0
            if self._orphans:
                await self._release_orphans()
            sent = 0
            while self.lease.live():
                now = self.services.clock.now()
                await recovery.report_missed(
                    self.services, self.ledger, self.ports, now, self.grace
                )
                # Counted before claiming: once rows are claimed, every failure must hand them back.
                backlog = await self.ledger.backlog(now)
                metrics.deliveries_pending(backlog.pending)
                if backlog.oldest is not None:
                    # How late this run began: the oldest due post that was never tried.
                    metrics.scheduler_lag((now - backlog.oldest).total_seconds())
                claimed = await self._claim(now)
                if claimed:
                    sent += await self._send_all(claimed, now)
                    continue
                retry = await self.ledger.next_retry(now)
                if retry is None or retry - now > self.retry_horizon:
                    break
                await self._sleep((retry - now).total_seconds())
            return sent

    async def lead(self) -> bool:
        """Hold the sending lease, taking it if it is free; False while another replica has it.

        Taking it starts a new term, and the rows the last holder left are settled first.
        """
        async with self._running:
            self._resigned = False
            return await self._lead(take=True)

    async def keep(self) -> bool:
        """Renew the lease when it is due (an idle leader); False once it is not ours."""
        return await self.lease.keep(self.ledger.engine)

    async def resign(self) -> None:
        """Start no more sends; once the run under way has recorded its own, hand the lease back."""
        self.lease.drop()
        self._resigned = True
        async with self._running:
            if self._orphans:
                await self._release_orphans()
            await self.lease.release(self.ledger.engine)

    async def recover(self) -> None:
        """Settle rows a stopped scheduler left between send and mark."""
        # A run of ours may still hold rows, waiting for the database to record what it sent:
        # once it is done, what remains `sending` really was left behind.
        async with self._running:
            await recovery.settle_left_behind(self.services, self.ledger, self.ports)

    async def _lead(self, *, take: bool) -> bool:
        if await self.lease.keep(self.ledger.engine):
            return True
        if not take or not await self.lease.take(self.ledger.engine):
            return False
        # Whoever held the lease before has stopped sending (it expired, or was handed back).
        await recovery.settle_left_behind(self.services, self.ledger, self.ports)
        return True

    async def _claim(self, now: datetime) -> list[Claimed]:
        try:
            return await self.ledger.claim(self.instance, now, self.batch, self.lease)
        except Exception as error:
            # The answer was lost, not necessarily the claim: look for its rows later.
            self._orphans = self._orphans or unreachable(error)
            raise

    async def _release_orphans(self) -> None:
        released = await self.ledger.release(self.instance, self._unrecorded)
        self._orphans = False
        if released:
            log.warning("claimed rows nobody sent put back", extra={"status": str(released)})

    async def _send_all(self, claimed: list[Claimed], now: datetime) -> int:
        """Send a claimed slice, claiming the next ones while it sends; returns how many sent."""
        self._paused.clear()
        run = _Run()
        flusher = asyncio.ensure_future(self._flush_while(run))
        try:
            while claimed:
                await self._start(run, claimed)
                if len(claimed) < self.batch or not self.lease.live():
                    break
                # The rest of a fan-out is claimed while its first slice is already sending.
                claimed = await self._claim(now)
        finally:
            # Whatever stopped the claiming, the sends under way finish and are written back.
            for failure in await asyncio.gather(*run.workers, return_exceptions=True):
                if isinstance(failure, Exception):
                    log.error("a channel's sends stopped", exc_info=failure)
            run.done.set()
            await flusher
        return run.sent

    async def _start(self, run: _Run, claimed: list[Claimed]) -> None:
        try:
            rollouts, teams, agreed = await self._context(claimed, run.teams)
        except Exception:
            # Nothing was sent (the database went away, say): the rows go back as they were.
            back = [Outcome(row.id, "planned", attempts=row.attempts) for row in claimed]
            await self._flush(back)
            raise
        # Posts to one channel go one after another anyway (its rate limit): one worker per
        # channel rather than a task per post keeps a large fan-out cheap to start.
        by_channel: dict[tuple[str, str], list[Claimed]] = {}
        for row in claimed:
            by_channel.setdefault((row.tenant, row.address), []).append(row)

        async def work(rows: list[Claimed]) -> None:
            for row in rows:
                rollout = rollouts[row.rollout_id]
                run.finished.append(await self._one(row, rollout, teams[row.tenant], agreed))

        for rows in by_channel.values():
            run.workers.append(asyncio.ensure_future(work(rows)))
            if len(run.workers) % START_EACH == 0:
                # Let the first sends be answered while the rest start, so the loop is never
                # busy long enough to waste the platform's rate.
                await asyncio.sleep(0)

    async def _flush_while(self, run: _Run) -> None:
        """Write outcomes back every so often until the run is done, then the last of them."""
        while not run.done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.done.wait(), timeout=FLUSH_EVERY)
            run.sent += await self._flush(run.finished)
        # The run may have ended while the write above was under way: what finished meanwhile
        # is written too, or those rows would stay claimed and later count as uncertain.
        run.sent += await self._flush(run.finished)

    async def _context(
        self, claimed: list[Claimed], teams: dict[str, TeamSettings]
    ) -> tuple[dict[str, RolloutRecord | None], dict[str, TeamSettings], set[tuple[str, str]]]:
        """What the claimed rows need, fetched once: their rollouts, teams and agreements."""
        found = await self.services.rollouts.store.many({row.rollout_id for row in claimed})
        # A rollout is only ever used by the tenant that owns it.
        rollouts: dict[str, RolloutRecord | None] = {
            row.rollout_id: found[row.rollout_id]
            if row.rollout_id in found and found[row.rollout_id].tenant_id == row.tenant
            else None
            for row in claimed
        }
        # Create each tenant's settings before the sends run side by side (first contact); a
        # run keeps them from one slice to the next.
        for tenant in sorted({row.tenant for row in claimed} - set(teams)):
            try:
                teams[tenant] = await self.services.team(tenant)
            except IntegrityError:
                # Another replica made them at the same moment: they exist now.
                teams[tenant] = await self.services.team(tenant)
        # One question for the whole batch instead of one per daily prompt.
        prompted = {row.tenant for row in claimed if row.kind == "prompt"}
        return rollouts, teams, await self.services.rollouts.store.agreed_places(prompted)

    async def _flush(self, finished: list[Outcome]) -> int:
        if not finished:
            return 0
        batch, finished[:] = list(finished), []
        try:
            await self.ledger.finish(self.instance, batch, self.services.clock.now(), self.lease)
        except Exception:
            self._unrecorded.update(outcome.id for outcome in batch)
            raise
        return sum(1 for outcome in batch if outcome.status == "sent")

    async def _one(
        self,
        row: Claimed,
        rollout: RolloutRecord | None,
        team: TeamSettings,
        agreed: set[tuple[str, str]],
    ) -> Outcome:
        # Every line logged while making this post (ours, the adapter's) carries its row id.
        with logcontext.delivery(row.id):
            outcome = await self._attempt(row, rollout, team, agreed)
        label = _counted_as(outcome)
        if label is not None:
            metrics.delivery(metrics.platform_of(row.tenant), label)
        return outcome

    async def _attempt(
        self,
        row: Claimed,
        rollout: RolloutRecord | None,
        team: TeamSettings,
        agreed: set[tuple[str, str]],
    ) -> Outcome:
        if rollout is None or rollout.status != "active":
            return Outcome(row.id, "planned", attempts=row.attempts)
        port = self.ports.get(rollout.platform)
        if port is None:
            return self._retry(row, "no_port", None)
        due = posts.Due(
            row.key,
            row.tenant,
            row.rollout_id,
            row.kind,
            row.section,
            row.local_date,
            row.address,
            row.body,
        )
        context = {"tenant": row.tenant, "job_id": row.rollout_id}
        token = posts.delivery_key.set(row.key)
        try:
            while True:
                try:
                    async with self.limiter.turn(row.tenant, row.address), self._gate:
                        if rollout.id in self._paused or not self.lease.live():
                            # Paused, or no proof we still hold the lease: not sent, and
                            # handed back as it was.
                            return Outcome(row.id, "planned", attempts=row.attempts)
                        message_id = await posts.deliver(
                            self.services,
                            port,
                            rollout,
                            due,
                            team,
                            has_agreements=(row.tenant, rollout.address) in agreed,
                        )
                    break
                except DeliveryError as error:
                    if error.permanent:
                        await self._pause(rollout, port, error.reason)
                        reason = error.reason[:100]
                        return Outcome(row.id, "planned", error=reason, attempts=row.attempts)
                    if error.retry_after:
                        self.limiter.hold(row.tenant, row.address, error.retry_after)
                    log.info("delivery postponed: %s", error.reason, extra=context)
                    outcome = self._retry(row, error.reason, error.retry_after)
                    if self._again_here(error, outcome):
                        # A short rate-limit wait: the row stays claimed and tries again after
                        # it, rather than going back to the ledger behind the whole fan-out.
                        metrics.delivery(metrics.platform_of(row.tenant), "retried")
                        row = replace(row, attempts=outcome.attempts)
                        await self._sleep(error.retry_after or 0.0)
                        continue
                    return await recovery.given_up(self.services, port, rollout, outcome, row)
        except Exception:
            log.exception("delivery failed", extra=context)
            failed = self._retry(row, "error", None)
            return await recovery.given_up(self.services, port, rollout, failed, row)
        finally:
            posts.delivery_key.reset(token)
        return Outcome(row.id, "sent", message_id=message_id, attempts=row.attempts + 1)

    def _again_here(self, error: DeliveryError, outcome: Outcome) -> bool:
        return (
            outcome.status == "planned"
            and error.retry_after is not None
            and 0 < error.retry_after <= RETRY_HERE
        )

    def _retry(self, row: Claimed, reason: str, retry_after: float | None) -> Outcome:
        attempts = row.attempts + 1
        if attempts >= self.max_attempts:
            return Outcome(row.id, "failed", error=reason[:100], attempts=attempts)
        if retry_after is not None:
            # The platform named its wait (a rate limit): that, not a growing backoff.
            wait = retry_after
        else:
            # Jitter, so retries from many channels do not arrive together.
            wait = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1))
            wait *= 1 + random.random() * 0.2
        not_before = self.services.clock.now() + timedelta(seconds=wait)
        return Outcome(
            row.id, "planned", error=reason[:100], not_before=not_before, attempts=attempts
        )

    async def _pause(self, rollout: RolloutRecord, port: ChatPort, reason: str) -> None:
        if rollout.id in self._paused:
            return
        self._paused.add(rollout.id)
        await self.services.rollouts.store.set_status(
            rollout.tenant_id, rollout.id, "paused", reason[:100]
        )
        log.warning(
            "rollout paused: %s", reason, extra={"tenant": rollout.tenant_id, "job_id": rollout.id}
        )
        words = (
            f"I've paused the rollout in {rollout.address}: the platform says I can no longer "
            f"post there ({reason}). Perhaps the bot was removed or the channel archived. Once "
            "that is fixed, type `rollout resume` there; nothing planned has been lost."
        )
        await posts.tell_facilitators(self.services, port, rollout, words)


def _counted_as(outcome: Outcome) -> str | None:
    """How a finished attempt counts: sent, retried (back in the ledger) or failed."""
    if outcome.status in ("sent", "failed"):
        return outcome.status
    if outcome.not_before is not None:
        return "retried"
    # Back to planned with an error and no retry time: the cohort was paused (a permanent
    # error), which needs a person; without an error the rollout was simply not active.
    return "failed" if outcome.error else None


@dataclass
class _Run:
    """One run of sends: its workers, the outcomes not yet written back, the tenants' teams."""

    workers: list[asyncio.Future[None]] = field(default_factory=list)
    finished: list[Outcome] = field(default_factory=list)
    teams: dict[str, TeamSettings] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    sent: int = 0
