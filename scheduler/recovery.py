"""What the sender settles besides sending: rows the last lease holder left between send and
mark, posts too late to make, and posts it gave up on. Facilitators hear of each; nothing is
sent twice or late."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot import logcontext, metrics
from bot.messages import Target
from bot.ports import ChatPort
from bot.rollouts import leaders, posts, uncertain
from bot.rollouts import missed as missed_posts
from bot.rollouts.kinds import Kind
from bot.services import Services
from bot.storage.rollouts import RolloutRecord
from scheduler.ledger import Claimed, LedgerStore, Missed, Outcome

log = logging.getLogger(__name__)


async def settle_left_behind(
    services: Services, ledger: LedgerStore, ports: Mapping[str, ChatPort]
) -> None:
    """Settle rows still `sending` under a lease that has ended (expired or handed back)."""
    left: dict[str, list[Claimed]] = {}
    for row in await ledger.stale():
        if row.kind in posts.REPEATABLE:
            # It only adds rows under fixed keys: doing it again adds nothing twice.
            await ledger.settle(row.id, "planned")
            continue
        port = ports.get(row.tenant.split(":", 1)[0])
        lookup = getattr(port, "delivered", None)
        if lookup is None:
            # Its holder may have sent it and lost the database before recording it: it is
            # never sent again blindly, but shown to the facilitators by name.
            if await ledger.settle(row.id, "uncertain"):
                left.setdefault(row.rollout_id, []).append(row)
            continue
        # The holder starts no send in its lease's last margin: what the platform does not have
        # by now was never sent.
        ref = await lookup(Target(tenant=row.tenant, address=row.address), row.key)
        await ledger.settle(row.id, "sent" if ref else "planned", ref and ref.message_id)
    for rollout_id, rows in left.items():
        rollout = await services.rollouts.store.get(rows[0].tenant, rollout_id)
        port = ports.get(rows[0].tenant.split(":", 1)[0])
        if rollout is not None and port is not None:
            unsure = [uncertain.Unsure(r.id, r.kind, r.section, r.due_at) for r in rows]
            await uncertain.tell(services, port, rollout, unsure)
    log.info("ledger recovered", extra={"status": f"{sum(map(len, left.values()))} uncertain"})


async def report_missed(
    services: Services,
    ledger: LedgerStore,
    ports: Mapping[str, ChatPort],
    now: datetime,
    grace: timedelta,
) -> None:
    """Mark posts beyond the grace window missed, and tell their facilitators how many."""
    by_rollout: dict[str, list[Missed]] = {}
    for row in await ledger.expire(now, grace):
        by_rollout.setdefault(row.rollout_id, []).append(row)
    for rollout_id, missed in by_rollout.items():
        count = len(missed)
        log.warning("posts missed", extra={"job_id": rollout_id, "status": str(count)})
        tenant = await services.rollouts.store.tenant_of(rollout_id)
        for _ in range(count):
            metrics.delivery(metrics.platform_of(tenant or ""), "failed")
        rollout = await services.rollouts.store.get(tenant, rollout_id) if tenant else None
        port = ports.get(rollout.platform) if rollout else None
        if rollout is None or port is None:
            continue
        pack = services.pack_of(await services.team(rollout.tenant_id)).pack
        named = [(row.kind, row.section, row.due_at) for row in missed]
        await posts.tell_facilitators(
            services, port, rollout, missed_posts.notice(pack, rollout, named)
        )
        # Whoever scheduled a follow-up would otherwise believe it went out.
        for row in missed:
            if row.kind == Kind.FOLLOW_UP:
                with logcontext.delivery(row.id):
                    await leaders.tell_missed(port, rollout, row.section, row.due_at, row.body)


async def given_up(
    services: Services, port: ChatPort, rollout: RolloutRecord, outcome: Outcome, row: Claimed
) -> Outcome:
    """Tell the facilitators when a post failed for good; returns the outcome as it was."""
    if outcome.status == "failed":
        words = (
            f"I tried {outcome.attempts} times to make a post ({row.kind}, section "
            f"{row.section}, {row.local_date}) and the platform kept failing, so I have "
            "stopped trying. The rest of the plan goes on."
        )
        await posts.tell_facilitators(services, port, rollout, words)
    return outcome
