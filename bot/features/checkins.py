"""Fist-to-five check-ins: record answers under pseudonyms, show only safe aggregates."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.errors import CrbotError, ErrorCode
from bot.messages import Button, Context, Heading, MessageRef, Person, Poll, Reply, Target, Text
from bot.ports import ChatPort, Clock
from bot.pseudonyms import Pseudonyms
from bot.storage.polls import FIST_TO_FIVE, PollRecord, PollStore, Tally
from bot.storage.teams import TeamRecord
from content.models import Pack

log = logging.getLogger(__name__)

DEFAULT_QUESTION = "Fist to five: how are you doing this week?"
# Answers at or below this get a private note with support resources.
LOW_ANSWER = 1


def privacy_line(min_group_size: int) -> str:
    """Exactly who can see what, in one line."""
    return (
        f"Only counts are shown, and only once {min_group_size} people have answered; "
        "nobody, leaders included, can see your answer."
    )


def count_line(tally: Tally) -> str:
    """How many answered, and the spread only when the group is big enough."""
    answered = (
        "1 person has answered" if tally.total == 1 else f"{tally.total} people have answered"
    )
    if tally.distribution is None:
        return f"{answered}. The spread appears at {tally.min_group_size}."
    spread = "  ".join(f"{value}: {count}" for value, count in enumerate(tally.distribution))
    return f"{answered}. {spread}"


def render_poll(pack: Pack, poll: PollRecord, tally: Tally) -> Reply:
    """The poll message everyone in the channel sees."""
    labels = pack.fist_to_five.labels
    options = tuple(
        Button(label=labels[value], command=f"checkin {value} {poll.id}") for value in FIST_TO_FIVE
    )
    return Reply(
        summary=poll.question,
        private=False,
        blocks=(
            Heading(text="Check-in"),
            Poll(
                poll_id=poll.id,
                question=poll.question,
                options=options,
                count_line=count_line(tally),
                privacy_line=privacy_line(tally.min_group_size),
            ),
        ),
    )


class Checkins:
    """Opening polls, recording answers, and keeping the poll message's count current."""

    def __init__(self, polls: PollStore, pseudonyms: Pseudonyms, clock: Clock) -> None:
        self._polls = polls
        self._pseudonyms = pseudonyms
        self._clock = clock

    async def open(self, pack: Pack, team: TeamRecord, place: Target, port: ChatPort) -> PollRecord:
        """Open a poll for the team's current section and post it to `place`."""
        section = pack.section(team.current_section)
        question = (section.checkin_question if section else None) or DEFAULT_QUESTION
        poll = await self._polls.open(
            team.tenant_id, place.address, team.current_section, question, self._clock.now()
        )
        tally = await self._polls.tally(team.tenant_id, poll.id, team.min_group_size)
        ref = await port.send(place, render_poll(pack, poll, tally))
        await self._polls.set_message(team.tenant_id, poll.id, ref.message_id)
        log.info("check-in opened", extra={"tenant": team.tenant_id, "poll": poll.id})
        return replace(poll, message_id=ref.message_id)

    async def show(self, pack: Pack, team: TeamRecord, place: Target, port: ChatPort) -> Reply:
        """The open poll here, privately, or a new one posted to the place."""
        poll = await self._polls.current(team.tenant_id, place.address)
        if poll is None:
            await self.open(pack, team, place, port)
            words = "I've posted a check-in here. Choose a number from 0 to 5 to answer."
            return Reply.saying(words)
        tally = await self._polls.tally(team.tenant_id, poll.id, team.min_group_size)
        return render_poll(pack, poll, tally).model_copy(update={"private": True})

    async def answer(
        self,
        pack: Pack,
        team: TeamRecord,
        person: Person,
        place: Target,
        port: ChatPort,
        value_text: str,
        poll_id: str | None,
        support: str,
    ) -> Reply:
        """Record or change the person's answer; update the poll; follow up privately if low."""
        if not value_text.isdigit() or int(value_text) not in FIST_TO_FIVE:
            raise CrbotError(ErrorCode.BAD_ANSWER)
        value = int(value_text)
        tenant = team.tenant_id
        poll = (
            await self._polls.get(tenant, poll_id)
            if poll_id
            else await self._polls.current(tenant, place.address)
        )
        if poll is None and poll_id:
            raise CrbotError(ErrorCode.NO_POLL)
        if poll is None:
            poll = await self.open(pack, team, place, port)
        if poll.closed:
            raise CrbotError(ErrorCode.POLL_CLOSED)
        respondent = self._pseudonyms.of(tenant, person.user_id)
        await self._polls.answer(tenant, poll.id, respondent, value, self._clock.now())
        tally = await self._polls.tally(tenant, poll.id, team.min_group_size)
        if poll.message_id is not None:
            ref = MessageRef(tenant=tenant, address=poll.place, message_id=poll.message_id)
            await port.update(ref, render_poll(pack, poll, tally))
        if value <= LOW_ANSWER:
            await port.send_private(person, support_reply(support))
        words = (
            "Thank you, your answer is in. You can change it any time by choosing again. "
            "Only counts are ever shown."
        )
        return Reply(
            summary=words,
            blocks=(Text(text=words), Context(text=privacy_line(team.min_group_size))),
        )


def support_reply(support: str) -> Reply:
    """The private, kind note after a low check-in."""
    words = (
        "Thank you for being honest about how you're doing. Weeks like this happen to all of us "
        "who care for others, and you don't have to carry it alone."
    )
    return Reply(
        summary="A note, just for you",
        blocks=(
            Heading(text="A note, just for you"),
            Text(text=words),
            Text(text=support),
            Context(text="Nobody else has been told about your answer."),
        ),
    )
