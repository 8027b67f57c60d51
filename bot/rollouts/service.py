"""Creating and changing rollouts: validate, expand with the cadence, store; nothing on failure."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from bot.ports import Clock
from bot.rollouts import rotation
from bot.rollouts.cadence import Cadence, Rhythm
from bot.rollouts.closures import TeamDays
from bot.rollouts.days import CohortCalendar
from bot.rollouts.places import RolloutPlaces
from bot.rollouts.plan import Circle, PlanError, PlannedPost, expand, span, validate
from bot.storage.rollouts import RolloutRecord, RolloutStore
from content.models import Pack

log = logging.getLogger(__name__)


class Rollouts:
    """Facilitators' rollouts: every change is validated whole before anything is stored."""

    def __init__(
        self,
        store: RolloutStore,
        cadence: Cadence,
        clock: Clock,
        team_days: Callable[[str], Awaitable[TeamDays]] | None = None,
    ) -> None:
        self.store = store
        self.places = RolloutPlaces(store)
        self.cadence = cadence
        self.clock = clock
        self._team_days = team_days

    def calendar(self, **changes: Any) -> CohortCalendar:
        """The cadence's calendar with a cohort's own working days, quiet hours, holidays."""
        try:
            return CohortCalendar.from_cadence(self.cadence, **changes)
        except ValueError as error:
            raise PlanError([str(error).splitlines()[-1].strip()]) from None

    async def posts(self, rollout: RolloutRecord, pack: Pack) -> list[PlannedPost]:
        """Every post of the rollout's plan, past and future."""
        circles = list(rollout.circles)
        closed = await self.closed_days(rollout.tenant_id, circles)
        return expand(
            circles, rollout.timezone, rollout.calendar, self.cadence, pack, closed=closed
        )

    async def closed_days(self, tenant: str, circles: Sequence[Circle]) -> dict[date, str]:
        """The team's days to avoid that a plan of these circles could reach, each with the
        name of its holiday or break."""
        live = [circle for circle in circles if not circle.skipped]
        if self._team_days is None or not live:
            return {}
        return (await self._team_days(tenant)).closed_between(*span(live))

    async def replan_team(self, tenant: str, pack: Pack) -> int:
        """Re-plan the unsent posts of the team's running and paused rollouts, after its
        calendar changed; returns how many rollouts were re-planned."""
        now = self.clock.now()
        changed = 0
        for rollout in await self.store.listing(tenant):
            if rollout.status not in ("active", "paused"):
                continue
            circles = list(rollout.circles)
            posts = await self._replan(rollout, circles, rollout.calendar, pack, now)
            await self.store.replan(tenant, rollout.id, circles, posts, now)
            changed += 1
        log.info("team calendar applied", extra={"tenant": tenant, "status": f"{changed} plans"})
        return changed

    async def create(
        self,
        *,
        tenant: str,
        address: str,
        timezone: str,
        circles: list[Circle],
        pack: Pack,
        calendar: CohortCalendar | None = None,
        created_by: str | None = None,
    ) -> str:
        """Validate and store a new rollout with its posts; returns its id."""
        now = self.clock.now()
        validate(circles, timezone, pack, self.cadence, now)
        calendar = calendar or self.calendar()
        posts = await self._plan(tenant, address, circles, timezone, calendar, pack, now)
        rollout_id = await self.store.create(
            tenant=tenant,
            address=address,
            timezone=timezone,
            calendar=calendar,
            circles=circles,
            created_by=created_by,
            posts=posts,
            now=now,
        )
        log.info(
            "rollout created",
            extra={"tenant": tenant, "job_id": rollout_id, "status": f"{len(posts)} posts"},
        )
        return rollout_id

    async def change(
        self, rollout: RolloutRecord, circles: list[Circle], pack: Pack, changed: set[int]
    ) -> None:
        """Replace the rollout's circles, re-plan its unsent posts."""
        now = self.clock.now()
        ordered = sorted(circles, key=lambda circle: circle.local)
        validate(ordered, rollout.timezone, pack, self.cadence, now, changed=changed)
        posts = await self._replan(rollout, ordered, rollout.calendar, pack, now)
        await self.store.replan(rollout.tenant_id, rollout.id, ordered, posts, now)

    def rhythm(self, rollout: RolloutRecord) -> Rhythm:
        """How often the rollout's prompts come: the facilitator's choice, or the cadence's."""
        chosen = rollout.calendar.prompt_rhythm
        return chosen or (self.cadence.prompt.rhythm if self.cadence.prompt else "daily")

    async def set_rhythm(self, rollout: RolloutRecord, rhythm: Rhythm, pack: Pack) -> int:
        """Keep the team's prompt rhythm with the rollout and re-plan its unsent prompts;
        returns how many prompts are still to come."""
        now = self.clock.now()
        calendar = rollout.calendar.model_copy(update={"prompt_rhythm": rhythm})
        circles = list(rollout.circles)
        posts = await self._replan(rollout, circles, calendar, pack, now)
        await self.store.replan(rollout.tenant_id, rollout.id, circles, posts, now, calendar)
        return sum(1 for post in posts if post.kind == "prompt")

    async def set_timezone(self, rollout: RolloutRecord, timezone: str, pack: Pack) -> None:
        """Run the rollout in another zone, its circles and posts at the same local times."""
        now, circles = self.clock.now(), list(rollout.circles)
        validate(circles, timezone, pack, self.cadence, now, changed=set())
        posts = await self._plan(
            rollout.tenant_id, rollout.address, circles, timezone, rollout.calendar, pack, now
        )
        await self.store.replan(
            rollout.tenant_id, rollout.id, circles, posts, now, timezone=timezone
        )

    async def unsent_plan(
        self, rollout: RolloutRecord, circles: list[Circle], pack: Pack
    ) -> list[PlannedPost]:
        """The posts still to come that these circles and `pack` would give the rollout."""
        return await self._replan(rollout, circles, rollout.calendar, pack, self.clock.now())

    async def _replan(
        self,
        rollout: RolloutRecord,
        circles: list[Circle],
        calendar: CohortCalendar,
        pack: Pack,
        now: datetime,
    ) -> list[PlannedPost]:
        tenant, address, zone = rollout.tenant_id, rollout.address, rollout.timezone
        return await self._plan(tenant, address, circles, zone, calendar, pack, now)

    async def _plan(
        self,
        tenant: str,
        address: str,
        circles: list[Circle],
        timezone: str,
        calendar: CohortCalendar,
        pack: Pack,
        now: datetime,
    ) -> list[PlannedPost]:
        """The posts still to come, each prompt chosen on from what the channel was sent."""
        closed = await self.closed_days(tenant, circles)
        posts = expand(circles, timezone, calendar, self.cadence, pack, after=now, closed=closed)
        history = rotation.PromptHistoryStore(self.store.sessions)
        sent = await history.sent(tenant, address, kept=now)
        return rotation.assign(pack, posts, sent)

    async def team_zone(
        self, tenant: str, address: str | None, chosen: str | None = None
    ) -> str | None:
        """The zone a new circle starts in: this channel's rollout's (a channel's circles share
        one), else the one the team `chosen` in its settings, else the team's newest rollout's;
        None when nothing says. With no `address` (a home view), no channel is asked."""
        here = await self.store.for_place(tenant, address) if address is not None else None
        if here is not None:
            return here.timezone
        if chosen is not None:
            return chosen
        rollouts = await self.store.listing(tenant)
        return rollouts[-1].timezone if rollouts else None

    async def move(self, rollout: RolloutRecord, section: int, local: datetime, pack: Pack) -> None:
        """Move one circle; its posts move with it."""
        if not any(circle.section == section for circle in rollout.circles):
            raise PlanError([f"This rollout has no circle for section {section}."])
        circles = [
            replace(circle, local=local, skipped=False) if circle.section == section else circle
            for circle in rollout.circles
        ]
        await self.change(rollout, circles, pack, {section})

    async def skip(self, rollout: RolloutRecord, section: int, pack: Pack) -> None:
        """Skip a section: its circle stays on record, its posts are dropped."""
        if not any(circle.section == section for circle in rollout.circles):
            raise PlanError([f"This rollout has no circle for section {section}."])
        circles = [
            replace(circle, skipped=True) if circle.section == section else circle
            for circle in rollout.circles
        ]
        await self.change(rollout, circles, pack, set())

    async def unskip(self, rollout: RolloutRecord, section: int, pack: Pack) -> None:
        """Take a skipped section back on: its circle where it was, its posts planned again."""
        circle = next((c for c in rollout.circles if c.section == section), None)
        if circle is None:
            raise PlanError([f"This rollout has no circle for section {section}."])
        await self.move(rollout, section, circle.local, pack)

    async def schedule(
        self,
        *,
        tenant: str,
        address: str,
        section: int,
        local: datetime,
        timezone: str,
        pack: Pack,
        by: str,
    ) -> tuple[str, bool]:
        """Add or move one section's circle in the channel's rollout, creating it if need be.

        Returns the rollout id and whether it was created.
        """
        rollout = await self.store.for_place(tenant, address)
        circle = Circle(section=section, local=local)
        if rollout is None or rollout.timezone != timezone:
            if rollout is not None:
                raise PlanError(
                    [f"This channel's rollout runs in {rollout.timezone}; schedule in that zone."]
                )
            created = await self.create(
                tenant=tenant,
                address=address,
                timezone=timezone,
                circles=[circle],
                pack=pack,
                created_by=by,
            )
            return created, True
        others = [c for c in rollout.circles if c.section != section]
        await self.change(rollout, [*others, circle], pack, {section})
        return rollout.id, False
