"""What a facilitator may change from the console, each with the words that confirm it and the
change that undoes it: pause and resume, skip and bring back a section, move or plan a circle.

Every change goes through `Rollouts` (validated whole, re-planned, nothing stored on failure),
as the chat commands do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from bot.console.programme import when
from bot.rollouts.plan import PlanError, local_time, parse_local, zone_of
from bot.rollouts.service import Rollouts
from bot.storage.rollouts import RolloutRecord
from content.models import Pack

log = logging.getLogger(__name__)

# Changes that take something off the plan ask first; the others happen at once, with an undo.
CONFIRMED = frozenset({"pause", "skip"})
ACTIONS = frozenset({"pause", "resume", "skip", "unskip", "move", "plan"})


@dataclass(frozen=True)
class Change:
    """One change a form asks for: what, to which section, to when (a local date and time)."""

    action: str
    section: int | None = None
    date: str = ""
    time: str = ""

    def fields(self) -> dict[str, str]:
        """The change as form fields, for a confirmation or an undo button."""
        found = {"section": str(self.section or ""), "date": self.date, "time": self.time}
        return {name: value for name, value in found.items() if value}

    def local(self) -> datetime:
        """The local date and time asked for; PlanError when it is not one."""
        clock = local_time(self.time).isoformat(timespec="minutes")
        return parse_local(f"{self.date}T{clock}")


@dataclass(frozen=True)
class Done:
    """A change made: what it did, in words, and the change that undoes it, if any."""

    words: str
    undo: Change | None


def question(change: Change, rollout: RolloutRecord, pack: Pack) -> str:
    """What a confirmation asks: `Skip section 3, Compassion in action?`."""
    if change.action == "pause":
        return "Pause the programme? Nothing is posted until you resume it."
    section = pack.section(change.section or 0)
    name = f"section {change.section}, {section.title}" if section else f"section {change.section}"
    return f"Skip {name}? Its circle stays on record; its posts come off the plan."


async def apply(
    rollouts: Rollouts,
    rollout: RolloutRecord,
    change: Change,
    pack: Pack,
    by: str,
    now: datetime,
) -> Done:
    """Make the change; PlanError (nothing changed) when it cannot be made."""
    store, tenant, section = rollouts.store, rollout.tenant_id, change.section
    if change.action in ("pause", "resume"):
        paused = change.action == "pause"
        reason = "by a facilitator" if paused else None
        await store.set_status(tenant, rollout.id, "paused" if paused else "active", reason)
        if paused:
            return Done(
                "The programme is paused: nothing is posted until you resume it.", Change("resume")
            )
        return Done("The programme is running again.", Change("pause"))
    if section is None:
        raise PlanError(["Choose a section."])
    circle = next((c for c in rollout.circles if c.section == section), None)
    if change.action == "skip":
        await rollouts.skip(rollout, section, pack)
        words = f"Section {section} is skipped; its posts are off the plan."
        return Done(words, Change("unskip", section))
    if change.action == "unskip":
        if circle is None:
            raise PlanError([f"This programme has no circle for section {section}."])
        circles = [replace(c, skipped=False) if c is circle else c for c in rollout.circles]
        await rollouts.change(rollout, circles, pack, set())
        return Done(
            f"Section {section} is back on the plan, with its posts.", Change("skip", section)
        )
    local = change.local()
    if change.action == "move" and circle is not None:
        await rollouts.move(rollout, section, local, pack)
        back = Change("move", section, f"{circle.local:%Y-%m-%d}", f"{circle.local:%H:%M}")
        moment = when(local.replace(tzinfo=zone_of(rollout.timezone)), now)
        return Done(f"Section {section}'s circle is now {moment}; its posts moved with it.", back)
    if change.action == "plan" and circle is None:
        await rollouts.schedule(
            tenant=tenant,
            address=rollout.address,
            section=section,
            local=local,
            timezone=rollout.timezone,
            pack=pack,
            by=by,
        )
        moment = when(local.replace(tzinfo=zone_of(rollout.timezone)), now)
        return Done(f"Section {section}'s circle is planned for {moment}, with its posts.", None)
    raise PlanError(
        [f"Section {section} can't be changed that way; reload the page and try again."]
    )
