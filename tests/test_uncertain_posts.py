"""Posts the bot cannot tell went out: facilitators see each by name, and post one with a button."""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.errors import DeliveryError
from bot.messages import Buttons, MessageRef, Reply, Target, Text
from bot.rollouts import uncertain
from bot.storage.ledger_tables import DeliveryRow
from scheduler.ledger import LedgerStore, Outcome
from tests.conftest import Chat, FakePort, FrozenClock
from tests.test_scheduler_ledger import INTRO_DAY, plan, sender_for


async def left_uncertain(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> Reply:
    """A scheduler claims the intro, the checklist nudge and the survey, and stops before it
    records anything; the next one takes over. Returns the facilitators' notice."""
    await plan(core)
    clock.advance(**INTRO_DAY)
    await LedgerStore(engine).claim("gone", clock.now(), 10)
    await sender_for(core, engine, port).run_due()
    [(person, notice)] = [(p, r) for p, r in port.private if r.summary == uncertain.NOTICE]
    assert person.user_id == "fran" and notice.private
    port.private.clear()
    return notice


def listed(notice: Reply) -> list[tuple[str, str]]:
    """Each post the notice names, and the command of the button beside it."""
    found, blocks = [], list(notice.blocks)
    for text, buttons in itertools.pairwise(blocks):
        if isinstance(text, Text) and isinstance(buttons, Buttons):
            (button,) = buttons.buttons
            assert button.label == "Post it now"
            found.append((text.text, button.command))
    return found


async def status_of(engine: AsyncEngine, kind: str) -> str:
    async with engine.connect() as connection:
        found = await connection.scalar(select(DeliveryRow.status).where(DeliveryRow.kind == kind))
    assert isinstance(found, str)
    return found


async def test_facilitators_see_each_uncertain_post_by_name_and_planned_time(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    notice = await left_uncertain(core, engine, port, clock)

    named = [words for words, _ in listed(notice)]
    assert named == [
        "Pre-programme survey, planned for Tuesday 16 March at 09:00 (Europe/London)",
        "Introduction: Compassion in action, planned for Friday 19 March at 09:00 (Europe/London)",
        "Facilitator checklist: Compassion in action, planned for Friday 19 March at 09:00 "
        "(Europe/London)",
    ]
    assert "can't tell whether they went out" in notice.plain_text()
    assert not port.sent  # none of them was sent again
    assert (await LedgerStore(engine).counts())["uncertain"] == 3


async def test_post_it_now_posts_that_one_post_once(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    notice = await left_uncertain(core, engine, port, clock)
    ((_, intro),) = [(w, c) for w, c in listed(notice) if w.startswith("Introduction")]
    dm = Chat(core, port, channel="D-fran")

    reply = await dm.say("fran", intro)

    assert reply.plain_text().startswith("Posted in C0: Introduction: Compassion in action")
    [(target, posted)] = port.sent
    assert target.address == "C0" and posted.summary.startswith("Coming up: Section 1")
    assert await status_of(engine, "intro") == "sent"
    assert await status_of(engine, "nudge") == "uncertain"

    again = await dm.say("fran", intro)
    assert "gone out already" in again.plain_text() and len(port.sent) == 1


async def test_only_the_teams_facilitators_may_post_it_now(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    notice = await left_uncertain(core, engine, port, clock)
    ((_, intro),) = [(w, c) for w, c in listed(notice) if w.startswith("Introduction")]

    refused = await Chat(core, port, channel="D-sam").say("sam", intro)
    await core.services.team_settings.grant("test:other", "fran", "facilitator")
    elsewhere = await Chat(core, port, tenant="test:other", channel="D-fran").say("fran", intro)

    assert "facilitator" in refused.plain_text().lower()
    assert "isn't waiting" in elsewhere.plain_text()
    assert not port.sent and await status_of(engine, "intro") == "uncertain"


class Failing(FakePort):
    """The platform refuses posts for now."""

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        raise DeliveryError("http_503", permanent=False)


async def test_a_post_it_now_that_fails_leaves_the_post_uncertain_to_try_again(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    notice = await left_uncertain(core, engine, port, clock)
    ((_, intro),) = [(w, c) for w, c in listed(notice) if w.startswith("Introduction")]

    failed = await Chat(core, Failing(), channel="D-fran").say("fran", intro)
    assert "Please try again in a moment" in failed.plain_text()
    assert await status_of(engine, "intro") == "uncertain"

    await Chat(core, port, channel="D-fran").say("fran", intro)
    assert len(port.sent) == 1 and await status_of(engine, "intro") == "sent"


async def test_a_post_its_first_sender_records_late_is_not_posted_again(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    notice = await left_uncertain(core, engine, port, clock)
    ((_, intro),) = [(w, c) for w, c in listed(notice) if w.startswith("Introduction")]
    # The scheduler that made it reaches the database again and records what it sent.
    async with engine.connect() as connection:
        row_id = await connection.scalar(select(DeliveryRow.id).where(DeliveryRow.kind == "intro"))
    assert isinstance(row_id, int)
    await LedgerStore(engine).finish(
        "gone", [Outcome(row_id, "sent", "m0", attempts=1)], clock.now()
    )

    reply = await Chat(core, port, channel="D-fran").say("fran", intro)

    assert "gone out already" in reply.plain_text() and not port.sent
    assert await status_of(engine, "intro") == "sent"
