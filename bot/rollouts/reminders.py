"""One gentle reminder, privately, to the people who have not answered a check-in poll.

Who answered is known only by pseudonym: the channel's members are turned into pseudonyms here
and compared with the poll's respondents; nothing stores or logs a user id beside an answer, or
who was reminded, and nobody but the person reminded learns they were. The planned `reminder`
post becomes one ledger row per poll (`reminder-dms`, keyed by the poll), so a poll is reminded
about once at most. A person turns reminders off with `checkin reminders off`, kept as a
preference under their pseudonym.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.errors import DeliveryError
from bot.features.checkins import render_poll
from bot.messages import Context, Poll, Reply, Target, Text
from bot.ports import ChatPort
from bot.rollouts.store import RolloutRecord, Spawned, utc
from bot.storage.tables import PollAnswerRow, PreferenceRow
from bot.storage.teams import TeamRecord
from bot.storage.upsert import upsert
from content.models import Pack

if TYPE_CHECKING:
    from bot.core import Core, Turn
    from bot.rollouts.posts import Due

log = logging.getLogger(__name__)

KIND = "reminder-dms"
PREFERENCE = "checkin_reminders"
# A reminder is about this week's poll; an older one is left alone.
FRESH = timedelta(days=7)
TURN_OFF = "This is the only reminder for this check-in. Type `checkin reminders off` to stop them."
USAGE = (
    "Type `checkin reminders off` to stop check-in reminders, or `checkin reminders on` to "
    "have them again."
)


class ReminderStore:
    """Reminder preferences, and which of some pseudonyms answered a poll; within one tenant."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def set_wanted(self, tenant: str, person: str, wanted: bool, now: datetime) -> None:
        """Turn a person's reminders on (the default, so nothing is kept) or off."""
        async with self._sessions.begin() as session:
            if wanted:
                await session.execute(
                    delete(PreferenceRow).where(
                        PreferenceRow.tenant_id == tenant,
                        PreferenceRow.person == person,
                        PreferenceRow.name == PREFERENCE,
                    )
                )
                return
            values = {
                "tenant_id": tenant,
                "person": person,
                "name": PREFERENCE,
                "value": "off",
                "updated_at": now,
            }
            keys = ["tenant_id", "person", "name"]
            await upsert(session, PreferenceRow, values, keys=keys, update=["value", "updated_at"])

    async def forget(self, tenant: str, person: str) -> int:
        """Delete every preference a person set (`privacy delete-me`); returns how many."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(PreferenceRow).where(
                    PreferenceRow.tenant_id == tenant, PreferenceRow.person == person
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def turned_off(self, tenant: str, people: Collection[str]) -> set[str]:
        """Which of these pseudonyms turned reminders off."""
        return await self._among(
            people,
            PreferenceRow.person,
            PreferenceRow.tenant_id == tenant,
            PreferenceRow.name == PREFERENCE,
            PreferenceRow.value == "off",
        )

    async def answered(self, tenant: str, poll_id: str, people: Collection[str]) -> set[str]:
        """Which of these pseudonyms answered the poll (never what they answered)."""
        return await self._among(
            people,
            PollAnswerRow.respondent,
            PollAnswerRow.tenant_id == tenant,
            PollAnswerRow.poll_id == poll_id,
        )

    async def _among(self, people: Collection[str], column: Any, *where: Any) -> set[str]:
        if not people:
            return set()
        async with self._sessions() as session:
            rows = await session.scalars(select(column).where(*where, column.in_(sorted(people))))
            return set(rows.all())


async def command(core: Core, turn: Turn) -> Reply:
    """`checkin reminders off` or `on`, for the person who types it."""
    args = turn.command.args
    choice = args[1] if len(args) > 1 else ""
    if choice not in ("on", "off"):
        return Reply.saying(USAGE)
    wanted = choice == "on"
    await core.reminders.set_wanted(turn.team.tenant_id, turn.person, wanted, core.clock.now())
    if wanted:
        return Reply.saying("Check-in reminders are on: one private nudge per check-in at most.")
    return Reply.saying(
        "Check-in reminders are off. You can still answer any check-in whenever you like.",
        "Type `checkin reminders on` to have them again.",
    )


async def spread(core: Core, rollout: RolloutRecord, due: Due) -> None:
    """Plan the reminders for the channel's open poll, unless that poll has had them."""
    now = core.clock.now()
    context = {"tenant": rollout.tenant_id, "job_id": rollout.id}
    poll = await core.polls.current(rollout.tenant_id, rollout.address)
    if poll is None or now - utc(poll.opened_at) > FRESH:
        log.info("no recent check-in to remind about", extra=context)
        return
    row = Spawned(
        key=f"{rollout.id}:{KIND}:{poll.id}",
        kind=KIND,
        section=due.section,
        local_date=due.local_date,
        due_at=now,
        body={"poll": poll.id},
    )
    if not await core.rollouts.store.spawn(rollout.tenant_id, rollout.id, due.address, row):
        log.info("this check-in has had its reminder", extra=context)


def reminder(shown: Reply) -> Reply:
    """The private nudge: one line, the poll as shown in the channel, and how to stop them."""
    poll_block = next(block for block in shown.blocks if isinstance(block, Poll))
    words = "A gentle nudge: this week's check-in in your team channel is still open."
    return Reply(
        summary=words,
        blocks=(Text(text=words), poll_block, Context(text=TURN_OFF)),
    )


async def send(
    core: Core, port: ChatPort, rollout: RolloutRecord, due: Due, pack: Pack, team: TeamRecord
) -> None:
    """Remind, privately, each member who has not answered and has not turned reminders off."""
    tenant, context = rollout.tenant_id, {"tenant": rollout.tenant_id, "job_id": rollout.id}
    poll = await core.polls.get(tenant, json.loads(due.body or "{}").get("poll", ""))
    if poll is None:
        return
    try:
        members = await port.members(Target(tenant=tenant, address=rollout.address))
    except (AttributeError, NotImplementedError):
        log.info("no check-in reminders: the platform cannot list members", extra=context)
        return
    by_pseudonym = {core.pseudonyms.of(tenant, person.user_id): person for person in members}
    answered = await core.reminders.answered(tenant, poll.id, by_pseudonym)
    quiet = await core.reminders.turned_off(tenant, by_pseudonym)
    published = await core.polls.published(tenant, poll.id, core.policy(team))
    reply = reminder(render_poll(pack, poll, published))
    sent = missed = 0
    # In pseudonym order: nothing about the order reflects who people are.
    for pseudonym, person in sorted(by_pseudonym.items()):
        if pseudonym in answered or pseudonym in quiet:
            continue
        try:
            await port.send_private(person, reply)
            sent += 1
        except DeliveryError as error:
            if sent == 0 and not error.permanent:
                # Nobody has been reminded yet: the whole row can safely wait and try again.
                raise
            missed += 1
        except Exception:
            # One person's direct message failing must not stop, pause or repeat the others.
            missed += 1
    log.info(
        "check-in reminders sent", extra={**context, "status": f"{sent} sent, {missed} missed"}
    )
