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
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.errors import DeliveryError
from bot.features.checkins import render_poll
from bot.messages import Context, Poll, Reply, Target, Text
from bot.ports import ChatPort
from bot.rollouts.kinds import Due, Kind
from bot.storage.rollouts import RolloutRecord, Spawned, utc
from bot.storage.team_settings import TeamSettings
from content.models import Pack

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

# A reminder is about this week's poll; an older one is left alone.
FRESH = timedelta(days=7)
TURN_OFF = "This is the only reminder for this check-in. Type `checkin reminders off` to stop them."


async def spread(services: Services, rollout: RolloutRecord, due: Due) -> None:
    """Plan the reminders for the channel's open poll, unless that poll has had them."""
    now = services.clock.now()
    context = {"tenant": rollout.tenant_id, "job_id": rollout.id}
    poll = await services.polls.current(rollout.tenant_id, rollout.address)
    if poll is None or now - utc(poll.opened_at) > FRESH:
        log.info("no recent check-in to remind about", extra=context)
        return
    row = Spawned(
        key=f"{rollout.id}:{Kind.REMINDER_DMS}:{poll.id}",
        kind=Kind.REMINDER_DMS,
        section=due.section,
        local_date=due.local_date,
        due_at=now,
        body={"poll": poll.id},
    )
    if not await services.rollouts.store.spawn(rollout.tenant_id, rollout.id, due.address, row):
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
    services: Services,
    port: ChatPort,
    rollout: RolloutRecord,
    due: Due,
    pack: Pack,
    team: TeamSettings,
) -> None:
    """Remind, privately, each member who has not answered and has not turned reminders off."""
    tenant, context = rollout.tenant_id, {"tenant": rollout.tenant_id, "job_id": rollout.id}
    poll = await services.polls.get(tenant, json.loads(due.body or "{}").get("poll", ""))
    if poll is None:
        return
    try:
        members = await port.members(Target(tenant=tenant, address=rollout.address))
    except (AttributeError, NotImplementedError):
        log.info("no check-in reminders: the platform cannot list members", extra=context)
        return
    by_pseudonym = {services.pseudonyms.of(tenant, person.user_id): person for person in members}
    answered = await services.reminders.answered(tenant, poll.id, by_pseudonym)
    quiet = await services.reminders.turned_off(tenant, by_pseudonym)
    published = await services.polls.published(tenant, poll.id, services.policy(team))
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
