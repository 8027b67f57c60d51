"""The team's time zone and content pack, as facilitators change them on the settings page.

A new zone moves every running programme to it with its circles at the same local times (a
circle at 9:00 stays at 9:00), so its unsent posts are planned again; sent posts stay as they
went out. A zone that a programme cannot run in changes nothing. A new pack plans the
programmes' unsent posts again from it (`bot.rollouts.pack_change`), after a question saying
what changes.
"""

from __future__ import annotations

import logging

from bot.rollouts import pack_change
from bot.rollouts.plan import PlanError, validate
from bot.storage.rollouts import RolloutRecord
from bot.storage.team_settings import TeamSettings, zone_name
from content.loader import LoadedPack
from crbot.console.context import ConsoleServices

log = logging.getLogger(__name__)


async def running(services: ConsoleServices, tenant: str) -> list[RolloutRecord]:
    """The team's programmes still running or paused, oldest first."""
    listed = await services.rollouts.store.listing(tenant)
    return [rollout for rollout in listed if rollout.status in pack_change.RUNNING]


def team_zone(team: TeamSettings, programmes: list[RolloutRecord]) -> str:
    """The team's zone: the one chosen here, else its first programme's, else none yet."""
    return team.timezone or (programmes[0].timezone if programmes else "")


async def change_zone(services: ConsoleServices, team: TeamSettings, given: str) -> str | None:
    """Keep the zone and move the programmes to it; the reason when nothing changed."""
    tenant = team.tenant_id
    try:
        zone = zone_name(given)
    except ValueError as refused:
        return f"{refused}."
    pack, rollouts = services.pack_of(team).pack, services.rollouts
    moving = [r for r in await running(services, tenant) if r.timezone != zone]
    # Every programme is checked before any moves, so a refusal changes nothing.
    for rollout in moving:
        try:
            validate(
                list(rollout.circles),
                zone,
                pack,
                rollouts.cadence,
                services.clock.now(),
                changed=set(),
            )
        except PlanError as error:
            log.info("console time zone refused", extra={"tenant": tenant, "job_id": rollout.id})
            return f"The programme in {rollout.address} can't run in {zone}: " + " ".join(
                error.problems
            )
    for rollout in moving:
        await rollouts.set_timezone(rollout, zone, pack)
    moved = len(moving)
    await services.team_settings.set_timezone(tenant, zone)
    log.info("console time zone changed", extra={"tenant": tenant, "status": f"{moved} moved"})
    return None


def pack_of(services: ConsoleServices, given: str) -> tuple[LoadedPack | None, str]:
    """The installed pack a form names, else None and the reason."""
    loaded = services.packs.get(given)
    if loaded is None:
        return None, f"The content packs installed are {', '.join(sorted(services.packs))}."
    return loaded, ""


async def pack_question(services: ConsoleServices, team: TeamSettings, loaded: LoadedPack) -> str:
    """What moving to the pack does to the running programmes, asked before it is done; empty
    when there is nothing to ask about (no programme runs)."""
    found = await pack_change.change_pack(
        services.rollouts, team.tenant_id, loaded.pack, apply=False
    )
    if not found.rollouts or found.refused:
        return ""  # nothing to ask, or a refusal the change itself gives
    title = loaded.pack.info.title
    words = [
        f"Use {title}? The posts still to come are planned again from it: "
        f"{_posts(found.posts_changed)} of the plan change. Posts already sent stay as they went."
    ]
    for circle in found.dropped:
        words.append(
            f"{title} has no section {circle.section}, so its circle in {circle.address} "
            "comes off the programme."
        )
    return " ".join(words)


async def change_pack(services: ConsoleServices, team: TeamSettings, given: str) -> str | None:
    """Give the team another installed pack and re-plan its programmes' posts still to come
    from it; the reason when nothing changed."""
    loaded, refusal = pack_of(services, given)
    if loaded is None:
        return refusal
    store, tenant = services.team_settings, team.tenant_id
    done = await pack_change.change_pack(services.rollouts, tenant, loaded.pack, apply=True)
    if done.refused:
        where = ", ".join(done.emptied)
        return (
            f"{loaded.pack.info.title} has none of the sections the programme in {where} has "
            "circles for. End that programme first, or keep the pack."
        )
    await store.set_pack(tenant, given)
    if loaded.pack.section(team.current_section) is None:
        # A shorter pack: the team starts it from its first section.
        await store.set_current_section(tenant, 1)
    return None


def _posts(count: int) -> str:
    return "1 post" if count == 1 else f"{count} posts"
