"""Posts the bot cannot tell went out: facilitators see each by name, with a button to post it.

A scheduler that lost its database while sending may have made posts it could not record. The
replica that takes over never sends those again on its own (each would appear twice if it had
gone out): it marks them `uncertain` and tells the rollout's facilitators what each one was and
when it was planned, with "Post it now" (`rollout post-now <row id>`), which sends that row once.
A post missed (too late to make on time) may be posted now the same way, from the console's
programme page; a kind that only adds rows due at its own time (a note to leaders, a reminder)
cannot, since what it adds would be missed in turn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from bot import logcontext
from bot.messages import Button, Buttons, Context, Reply, Text
from bot.ports import ChatPort
from bot.rollouts import posts
from bot.rollouts.kinds import LABELS, REPEATABLE, Due, split_kind
from bot.rollouts.plan import title, zone_of
from bot.storage.ledger_tables import DeliveryRow
from bot.storage.rollouts import RolloutRecord, utc
from bot.storage.team_settings import TeamSettings
from content.models import Pack

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

POST_NOW = "post-now"
# Who holds a row while a facilitator's "Post it now" sends it (scheduler ids are hex).
CLAIMER = "post-now"
# A notice names this many posts, each with its button; the rest are counted.
LISTED = 10
NOTICE = "Posts I can't be sure went out"
# The longest row id a button carries (a database's 32-bit integer).
ID_DIGITS = 9
# What a row may be for "Post it now" to make it: it was never sent, or nobody knows.
WAITING = ("uncertain", "missed")


def may_post_now(kind: str, status: str | None) -> bool:
    """Whether a row in this state can be posted now, by hand, once."""
    return status in WAITING and split_kind(kind)[0] not in REPEATABLE


@dataclass(frozen=True)
class Unsure:
    """A row marked uncertain: its id, what it was, and when it was planned."""

    id: int
    kind: str
    section: int
    due_at: datetime | None


def describe(
    pack: Pack, rollout: RolloutRecord, kind: str, section: int, due: datetime | None
) -> str:
    """A post as the team knows it: `Daily prompt: Compassion in action, planned for Friday
    19 March at 09:30 (Europe/London)`."""
    base, detail = split_kind(kind)
    known = base in LABELS or base in ("survey", "agreements")
    what = title(pack, base, section, detail) if known else f"A post for Section {section}"
    if due is None:
        return what
    local = utc(due).astimezone(zone_of(rollout.timezone))
    return f"{what}, planned for {local:%A %d %B} at {local:%H:%M} ({rollout.timezone})"


def notice(pack: Pack, rollout: RolloutRecord, rows: list[Unsure]) -> Reply:
    """The facilitators' note: each uncertain post by name, with a button to post it now."""
    words = (
        f"I was making these posts for {rollout.address} when I lost touch with my database, "
        "and I can't tell whether they went out, so I won't make them again on my own. Please "
        "check the channel (and, for private notes, with whoever they were for): for any that "
        "is missing, press “Post it now” and I'll post it once."
    )
    blocks: list[Text | Buttons | Context] = [Text(text=words)]
    for row in rows[:LISTED]:
        blocks.append(Text(text=describe(pack, rollout, row.kind, row.section, row.due_at)))
        button = Button(label="Post it now", command=f"rollout {POST_NOW} {row.id}", primary=True)
        blocks.append(Buttons(buttons=(button,)))
    if len(rows) > LISTED:
        blocks.append(Text(text=f"…and {len(rows) - LISTED} more, planned about the same time."))
    blocks.append(Context(text=f"Rollout {rollout.id} in {rollout.address}"))
    return Reply(summary=NOTICE, blocks=tuple(blocks))


async def tell(
    services: Services, port: ChatPort, rollout: RolloutRecord, rows: list[Unsure]
) -> int:
    """Send the rollout's facilitators the notice; returns how many got it."""
    pack = services.pack_of(await services.team(rollout.tenant_id)).pack
    return await posts.tell_facilitators(services, port, rollout, notice(pack, rollout, rows))


def row_named(words: tuple[str, ...]) -> int | None:
    """The ledger row `rollout post-now N` names, or None when it names none."""
    chosen = words[0] if words else ""
    if not (chosen.isascii() and chosen.isdigit() and len(chosen) <= ID_DIGITS):
        return None
    return int(chosen)


@dataclass(frozen=True)
class Waiting:
    """A row of the team's that "Post it now" would make, and its rollout."""

    rollout: RolloutRecord
    row: Unsure


async def waiting(services: Services, tenant: str, row_id: int) -> Waiting | None:
    """The team's row, when it may be posted now (read only); None for any other."""
    async with services.rollouts.store.sessions() as session:
        found = (
            await session.execute(
                select(
                    DeliveryRow.rollout_id,
                    DeliveryRow.kind,
                    DeliveryRow.section,
                    DeliveryRow.due_at,
                    DeliveryRow.status,
                ).where(DeliveryRow.id == row_id, DeliveryRow.tenant_id == tenant)
            )
        ).one_or_none()
    if found is None or not may_post_now(found.kind, found.status):
        return None
    rollout = await services.rollouts.store.get(tenant, found.rollout_id)
    if rollout is None:
        return None
    return Waiting(rollout, Unsure(row_id, found.kind, found.section, found.due_at))


async def post_now(
    services: Services, port: ChatPort, team: TeamSettings, pack: Pack, row_id: int
) -> Reply:
    """Send one uncertain or missed post of the facilitator's team, once."""
    tenant, now = team.tenant_id, services.clock.now()
    mine = (DeliveryRow.id == row_id, DeliveryRow.tenant_id == tenant)
    async with services.rollouts.store.sessions() as session, session.begin():
        found = (
            await session.execute(select(DeliveryRow).where(*mine).with_for_update())
        ).scalar_one_or_none()
        if found is None or not may_post_now(found.kind, found.status):
            return _not_waiting(found.status if found else None)
        row = Due(
            found.key,
            tenant,
            found.rollout_id,
            found.kind,
            found.section,
            date.fromisoformat(found.local_date),
            found.address,
            found.body,
        )
        earlier, attempts, due_at = found.claimed_by, found.attempts, found.due_at
        was = found.status
        # Held as a send in flight: a scheduler taking over meanwhile counts it uncertain again.
        # The update names the status it read, since SQLite takes no row lock: of two presses
        # at once, only one changes the row.
        taken = await session.execute(
            update(DeliveryRow)
            .where(*mine, DeliveryRow.status == was)
            .values(status="sending", claimed_by=CLAIMER, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) != 1:
            return _not_waiting("sending")
    rollout = await services.rollouts.store.get(tenant, row.rollout_id)
    what = describe(pack, rollout, row.kind, row.section, due_at) if rollout else ""
    if rollout is None or rollout.status not in ("active", "paused"):
        await _mark(services, row_id, was, claimed_by=earlier)
        return Reply.saying("That team's programme has ended, so I won't post there now.")
    token = posts.delivery_key.set(row.key)
    try:
        with logcontext.delivery(row_id):
            message_id = await posts.deliver(services, port, rollout, row, team)
    except BaseException:
        # Not made: it stays as it was, and the button may be pressed again.
        await _mark(services, row_id, was, claimed_by=earlier)
        raise
    finally:
        posts.delivery_key.reset(token)
    await _mark(services, row_id, "sent", message_id=message_id, attempts=attempts + 1, sent_at=now)
    context = {"tenant": tenant, "job_id": rollout.id, "status": was}
    log.info("post made now by a facilitator", extra=context)
    return Reply.saying(f"Posted in {rollout.address}: {what}.")


async def _mark(services: Services, row_id: int, status: str, **values: object) -> None:
    async with services.rollouts.store.sessions() as session, session.begin():
        await session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id == row_id,
                # Taken over meanwhile, it was marked uncertain and kept its claimer: still ours.
                DeliveryRow.status.in_(("sending", *WAITING)),
                DeliveryRow.claimed_by == CLAIMER,
            )
            .values(status=status, **values)
        )


def _not_waiting(status: str | None) -> Reply:
    if status == "sent":
        return Reply.saying("That post has gone out already, so there is nothing to do.")
    if status == "planned":
        return Reply.saying("It turned out that post was never made, so it goes out as planned.")
    if status == "sending":
        return Reply.saying("That post is being made right now.")
    return Reply.saying("That post isn't waiting to be made any more, so I left it as it is.")
