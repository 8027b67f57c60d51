"""Moving a team to another content pack: the posts its running rollouts have still to make are
planned again from the new pack; posts already sent stay as they went out.

A pack decides which posts a section has (a practice only where the section has one) and which
prompt goes out on each day, so a plan made from the old pack would keep the old pack's posts.
The change goes through the rollouts service, as any change of plan does. A circle for a section
the new pack does not have comes off its rollout; a rollout that would be left with no circle at
all refuses the change, which then changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from bot.rollouts.plan import Circle, PlannedPost
from bot.rollouts.service import Rollouts
from bot.storage.ledger_tables import DeliveryRow
from bot.storage.rollouts import SPAWNED_KINDS, RolloutRecord
from content.models import Pack

log = logging.getLogger(__name__)

RUNNING = ("active", "paused")


@dataclass(frozen=True)
class DroppedCircle:
    """A circle whose section the new pack lacks: it comes off its rollout."""

    address: str
    section: int


@dataclass(frozen=True)
class PackChange:
    """What moving to the pack does (or did) to the team's running rollouts."""

    rollouts: int
    # Planned posts that go, come or say something else (another prompt, say).
    posts_changed: int
    dropped: tuple[DroppedCircle, ...]
    # Where a rollout would be left with no circle: the change is refused.
    emptied: tuple[str, ...]

    @property
    def refused(self) -> bool:
        """Whether the change cannot be made as it stands."""
        return bool(self.emptied)


async def change_pack(rollouts: Rollouts, tenant: str, pack: Pack, *, apply: bool) -> PackChange:
    """What re-planning the team's running rollouts from `pack` changes; with `apply`, and
    unless it is refused, the re-planning itself (every rollout checked before any changes)."""
    running = [r for r in await rollouts.store.listing(tenant) if r.status in RUNNING]
    plans: list[tuple[RolloutRecord, list[Circle], list[PlannedPost]]] = []
    dropped: list[DroppedCircle] = []
    emptied: list[str] = []
    changed = 0
    for rollout in running:
        kept = [circle for circle in rollout.circles if pack.section(circle.section) is not None]
        dropped += [
            DroppedCircle(rollout.address, circle.section)
            for circle in rollout.circles
            if pack.section(circle.section) is None
        ]
        if not kept:
            emptied.append(rollout.address)
            continue
        posts = await rollouts.unsent_plan(rollout, kept, pack)
        changed += _differences(await _planned(rollouts, rollout), rollout, posts)
        plans.append((rollout, kept, posts))
    outcome = PackChange(len(running), changed, tuple(dropped), tuple(emptied))
    if apply and not outcome.refused:
        for rollout, kept, _ in plans:
            await rollouts.change(rollout, kept, pack, set())
        log.info(
            "rollouts re-planned for a new pack",
            extra={"tenant": tenant, "status": f"{len(plans)} plans, {changed} posts"},
        )
    return outcome


async def _planned(
    rollouts: Rollouts, rollout: RolloutRecord
) -> tuple[dict[str, str | None], set[str]]:
    """The rollout's posts still to come, as a re-plan replaces them (planned ones: key to
    body) and keeps them (the keys of the rest: sent, or being sent, are never sent again)."""
    query = select(DeliveryRow.key, DeliveryRow.status, DeliveryRow.body).where(
        DeliveryRow.tenant_id == rollout.tenant_id,
        DeliveryRow.rollout_id == rollout.id,
        DeliveryRow.due_at > rollouts.clock.now(),
        DeliveryRow.kind.not_in(SPAWNED_KINDS),
    )
    async with rollouts.store.sessions() as session:
        rows = (await session.execute(query)).all()
    planned = {key: body for key, status, body in rows if status == "planned"}
    return planned, {key for key, status, _ in rows if status != "planned"}


def _differences(
    ledger: tuple[dict[str, str | None], set[str]], rollout: RolloutRecord, posts: list[PlannedPost]
) -> int:
    """How many planned posts a new plan takes away, adds or changes the words of."""
    planned, kept = ledger
    new = {post.key(rollout.id, rollout.address): post.body for post in posts}
    added = new.keys() - planned.keys() - kept
    removed = planned.keys() - new.keys()
    reworded = sum(1 for key in planned.keys() & new.keys() if planned[key] != new[key])
    return len(added) + len(removed) + reworded
