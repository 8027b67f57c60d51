"""Fist-to-five check-ins: record answers under pseudonyms, show only safe aggregates."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.errors import CrbotError, ErrorCode
from bot.messages import Button, Context, Heading, MessageRef, Person, Poll, Reply, Target, Text
from bot.ports import ChatPort, Clock
from bot.pseudonyms import Pseudonyms
from bot.release import Published, ReleasePolicy, privacy_line, status_line
from bot.storage.polls import FIST_TO_FIVE, Answer, PollRecord, PollStore
from bot.storage.team_settings import TeamSettings
from content.models import Pack

log = logging.getLogger(__name__)

DEFAULT_QUESTION = "Fist to five: how are you doing this week?"
# Answers at or below this get a private note with support resources.
LOW_ANSWER = 1


def render_poll(pack: Pack, poll: PollRecord, published: Published) -> Reply:
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
                count_line=status_line(published),
                privacy_line=privacy_line(published.group_size),
            ),
        ),
    )


class Checkins:
    """Opening polls, recording answers, and keeping the poll message's count current."""

    def __init__(self, polls: PollStore, pseudonyms: Pseudonyms, clock: Clock) -> None:
        self._polls = polls
        self._pseudonyms = pseudonyms
        self._clock = clock

    async def open(
        self, pack: Pack, team: TeamSettings, policy: ReleasePolicy, place: Target, port: ChatPort
    ) -> PollRecord:
        """Open a poll for the team's current section and post it to `place`."""
        section = pack.section(team.current_section)
        question = (section.checkin_question if section else None) or DEFAULT_QUESTION
        poll = await self._polls.open(
            team.tenant_id, place.address, team.current_section, question, self._clock.now()
        )
        published = await self._polls.published(team.tenant_id, poll.id, policy)
        ref = await port.send(place, render_poll(pack, poll, published))
        await self._polls.set_message(team.tenant_id, poll.id, ref.message_id)
        log.info("check-in opened", extra={"tenant": team.tenant_id, "poll": poll.id})
        return replace(poll, message_id=ref.message_id)

    async def show(
        self, pack: Pack, team: TeamSettings, policy: ReleasePolicy, place: Target, port: ChatPort
    ) -> Reply:
        """The open poll here, privately, or a new one posted to the place."""
        poll = await self._polls.current(team.tenant_id, place.address)
        if poll is None:
            await self.open(pack, team, policy, place, port)
            # Said privately, which may be in another chat (a personal one), where "here" is wrong.
            words = "I've posted a check-in where you asked. Choose a number from 0 to 5 to answer."
            return Reply.saying(words)
        published = await self._polls.published(team.tenant_id, poll.id, policy)
        return render_poll(pack, poll, published).model_copy(update={"private": True})

    async def answer(
        self,
        pack: Pack,
        team: TeamSettings,
        policy: ReleasePolicy,
        person: Person,
        place: Target,
        port: ChatPort,
        value_text: str,
        poll_id: str | None,
        support: str,
    ) -> Reply:
        """Record or change the person's answer and update the poll message.

        Every answer, whatever its value, makes the same calls in the same order: one update of
        the poll message and the one private acknowledgement this returns. The support note
        for a low answer rides inside that acknowledgement, so neither the platform's traffic,
        the metrics nor the logs tell a low answer from any other.
        """
        if value_text not in ANSWERS:
            raise CrbotError(ErrorCode.BAD_ANSWER)
        value = int(value_text)
        tenant = team.tenant_id
        if poll_id is None:
            # Typed without the poll's id: the one open here, or a new one.
            here = await self._polls.current(tenant, place.address)
            if here is None:
                here = await self.open(pack, team, policy, place, port)
            poll_id = here.id
        respondent = self._pseudonyms.of(tenant, person.user_id)
        # Finding the poll, recording the answer and any release are one transaction.
        given = Answer(tenant, poll_id, respondent, value, self._clock.now())
        answered = await self._polls.answer_open(given, policy)
        if answered is None:
            raise CrbotError(ErrorCode.NO_POLL)
        poll, published = answered.poll, answered.published
        if published is None:
            raise CrbotError(ErrorCode.POLL_CLOSED)
        if poll.message_id is not None:
            ref = MessageRef(tenant=tenant, address=poll.place, message_id=poll.message_id)
            await port.update(ref, render_poll(pack, poll, published))
        section = pack.section(poll.section)
        about_wellbeing = section is None or section.checkin_about_wellbeing
        low = about_wellbeing and value <= LOW_ANSWER
        return acknowledgement(low, support, policy.group_size)


# The typed answers, exactly: `str.isdigit()` also takes digits such as "²" that `int()` refuses.
ANSWERS = frozenset(str(value) for value in FIST_TO_FIVE)

THANKS = (
    "Thank you, your answer is in. You can change it any time by choosing again. "
    "Only figures about the whole group are ever shown."
)


def acknowledgement(low: bool, support: str, group_size: int) -> Reply:
    """What the person alone sees after answering; after a low answer to a question about how
    they are doing, it carries a kind note."""
    blocks: tuple[Heading | Text | Context, ...] = (Text(text=THANKS),)
    if low:
        words = (
            "Thank you for being honest about how you're doing. Weeks like this happen to all "
            "of us who care for others, and you don't have to carry it alone."
        )
        blocks += (Heading(text="A note, just for you"), Text(text=words), Text(text=support))
    return Reply(summary=THANKS, blocks=(*blocks, Context(text=privacy_line(group_size))))
