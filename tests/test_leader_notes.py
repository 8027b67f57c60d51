"""After each circle every leader gets a note of their own, and posts a follow-up now or later."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.errors import DeliveryError
from bot.features.checkins import Checkins
from bot.messages import Buttons, MessageRef, Person, Reply, Target
from bot.rollouts import posts
from bot.rollouts.plan import Circle, parse_local
from bot.storage.ledger_tables import DeliveryRow
from tests.conftest import Chat, FakePort, FrozenClock
from tests.test_scheduler_ledger import TENANT, plan, sender_for

# The circle is on Tuesday 23 March 2027 at 09:00 in London (UTC then); the leader note is due
# the next morning at 08:30. The clock starts on Monday 15 March at 09:00.
NOTE_DAY = {"days": 9}
LATE = timedelta(days=30)


def notes(port: FakePort) -> list[tuple[str, Reply]]:
    return [(p.user_id, r) for p, r in port.private if r.summary.startswith("For leaders")]


def follow_up_button(reply: Reply) -> tuple[str, dict[str, str]]:
    """The note's button: its command, and its form filled in as it comes (the draft)."""
    (buttons,) = [block for block in reply.blocks if isinstance(block, Buttons)]
    (button,) = buttons.buttons
    assert button.form is not None
    return button.command, {field.name: field.initial or "" for field in button.form.fields}


async def rows_of(engine: AsyncEngine, kind: str) -> list[tuple[str, str, str | None]]:
    async with engine.connect() as connection:
        found = await connection.execute(
            select(DeliveryRow.key, DeliveryRow.status, DeliveryRow.body)
            .where(DeliveryRow.kind == kind)
            .order_by(DeliveryRow.key)
        )
        return [tuple(row) for row in found.all()]  # type: ignore[misc]


class OneLeaderUnreachable(FakePort):
    """Direct messages to one person fail the first `times` times (a platform hiccup)."""

    def __init__(self, user: str, times: int) -> None:
        super().__init__()
        self.user, self.times = user, times

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        if person.user_id == self.user and self.times > 0:
            self.times -= 1
            raise DeliveryError("http_503", permanent=False)
        return await super().send_private(person, reply)


async def test_each_leader_has_a_ledger_row_and_a_failure_for_one_resends_to_no_one_else(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    await core.services.team_settings.grant(TENANT, "lee", "leader")
    await core.services.team_settings.grant(TENANT, "lin", "leader")
    await plan(core)
    port = OneLeaderUnreachable("lin", times=2)
    clock.advance(**NOTE_DAY)
    await sender_for(core, engine, port, grace=LATE).run_due()

    assert sorted(user for user, _ in notes(port)) == ["lee", "lin"]
    rows = await rows_of(engine, "leader-dm")
    assert [status for _, status, _ in rows] == ["sent", "sent"]
    assert sorted(json.loads(body or "")["leader"] for _, _, body in rows) == ["lee", "lin"]
    # Each key is the planned note's key plus the leader's own part.
    ((parent, status, _),) = await rows_of(engine, "leader-note")
    assert status == "sent" and all(key.startswith(parent + ":") for key, _, _ in rows)


async def test_the_note_holds_the_considerations_a_safe_check_in_and_a_draft_follow_up(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await core.services.team_settings.grant(TENANT, "lee", "leader")
    await plan(core)
    team = await core.services.team(TENANT)
    pack = core.services.packs["healthcare"].pack
    poll = await Checkins(core.services.polls, core.services.pseudonyms, core.services.clock).open(
        pack, team, core.services.policy(team), Target(tenant=TENANT, address="C0"), port
    )
    answering = Chat(core, port, channel="C0")
    for person, value in (("ann", "4"), ("ben", "1")):
        await answering.say(person, f"checkin {value} {poll.id}")
    clock.advance(**NOTE_DAY)
    await sender_for(core, engine, port, grace=LATE).run_due()

    ((_, reply),) = notes(port)
    text = reply.plain_text()
    assert pack.sections[0].leadership_considerations[0] in text
    assert "2 people have answered. Figures appear once 3 people have answered." in text
    assert "%" not in text
    command, form = follow_up_button(reply)
    assert command.startswith("follow-up rollout:")
    assert "Thank you all for our circle on Compassion in action." in form["text"]
    (button,) = next(b for b in reply.blocks if isinstance(b, Buttons)).buttons
    assert button.form is not None
    assert [(f.name, f.kind, f.optional) for f in button.form.fields] == [
        ("text", "long_text", False),
        ("date", "date", True),
        ("time", "time", True),
    ]

    # With a third answer the first release may be shown, to leaders as to everyone.
    await answering.say("cat", f"checkin 3 {poll.id}")
    rollout = (await core.services.rollouts.store.listing(TENANT))[0]
    published = await core.services.polls.published(TENANT, poll.id, core.services.policy(team))
    from bot.rollouts.leaders import note

    shown = note(pack, rollout, 1, published).plain_text()
    assert (
        "3 people have answered. At 3: low (0-1) 34% · middle (2-3) 33% · high (4-5) 33% "
        "· average about 2.5." in shown
    )


async def leader_note_and_chat(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> tuple[str, dict[str, str], Chat]:
    """Plan, send the leader note, and return its button with a chat in the leader's DM."""
    await core.services.team_settings.grant(TENANT, "lee", "leader")
    await plan(core)
    clock.advance(**NOTE_DAY)
    await sender_for(core, engine, port, grace=LATE).run_due()
    ((_, reply),) = notes(port)
    command, form = follow_up_button(reply)
    port.sent.clear()
    return command, form, Chat(core, port, channel="D-lee")


async def test_a_leader_posts_the_edited_draft_now_to_the_team_channel(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    command, form, dm = await leader_note_and_chat(core, engine, port, clock)
    form["text"] = "Thank you all. I heard you about the rota; I'll bring it to Thursday's meeting."
    preview = await dm.say("lee", command, form=form)
    assert "as everyone in C0 will see it" in preview.plain_text() and port.sent == []
    reply = await dm.press("lee", preview, "Post it")
    assert "Posted your follow-up in C0" in reply.plain_text()
    ((target, posted),) = port.sent
    assert target.address == "C0" and not posted.private
    assert "I heard you about the rota" in posted.plain_text()
    assert "From lee" in posted.plain_text()
    assert await rows_of(engine, "follow-up") == []


async def test_a_scheduled_follow_up_is_posted_once_at_the_chosen_time(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    command, form, dm = await leader_note_and_chat(core, engine, port, clock)
    form.update(text="See you all on Friday: I'll share what changes.", date="2027-03-26")
    form["time"] = "16:30"
    preview = await dm.say("lee", command, form=form)
    when = "on Friday 26 March at 16:30 (Europe/London)"
    assert f"as everyone in C0 {when} will see it" in preview.plain_text()
    assert await rows_of(engine, "follow-up") == []
    reply = await dm.press("lee", preview, "Schedule it")
    assert f"will be posted in C0 {when}" in reply.plain_text()
    again = await dm.press("lee", preview, "Schedule it")  # a double click
    assert "already scheduled" in again.plain_text()
    ((_, status, body),) = await rows_of(engine, "follow-up")
    assert status == "planned" and json.loads(body or "")["author"] == "lee"

    # Adding the next circle re-plans the rollout's posts; the leader's follow-up stays.
    rollout = (await core.services.rollouts.store.listing(TENANT))[0]
    circles = [*rollout.circles, Circle(2, parse_local("2027-04-20T09:00"))]
    await core.services.rollouts.change(
        rollout, circles, core.services.packs["healthcare"].pack, {2}
    )
    sender = sender_for(core, engine, port)
    clock.advance(days=2, hours=7)  # Friday 16:00
    await sender.run_due()
    assert not [r for _, r in port.sent if "Friday" in r.plain_text()]
    clock.advance(minutes=31)
    await sender.run_due()
    await sender.run_due()
    posted = [(t.address, r) for t, r in port.sent if "See you all on Friday" in r.plain_text()]
    assert len(posted) == 1 and posted[0][0] == "C0"
    assert posted[0][1].summary == "A follow-up from your circle's leaders"


async def test_staff_cannot_post_or_schedule_a_follow_up_and_past_times_are_refused(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    command, form, dm = await leader_note_and_chat(core, engine, port, clock)
    for when in ({}, {"date": "2027-03-29", "time": "09:00"}):
        refused = await dm.say("sam", command, form={**form, **when})
        assert "only a facilitator or leader" in refused.plain_text()
    past = await dm.say("lee", command, form={**form, "date": "2027-03-01", "time": "09:00"})
    assert "already passed" in past.plain_text() and "Nothing was scheduled" in past.plain_text()
    nonsense = await dm.say("lee", command, form={**form, "date": "soon"})
    assert "not a date" in nonsense.plain_text()
    assert not port.sent and await rows_of(engine, "follow-up") == []


async def test_a_note_left_half_done_by_a_crash_is_spread_again_without_doubles(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await core.services.team_settings.grant(TENANT, "lee", "leader")
    await plan(core)
    clock.advance(**NOTE_DAY)
    sender = sender_for(core, engine, port, grace=LATE)
    # A scheduler claims the note, spreads it to the leaders, and dies before marking it.
    stale = await sender.ledger.claim("dead", clock.now(), 100)
    (claimed,) = [row for row in stale if row.kind == "leader-note"]
    rollout = (await core.services.rollouts.store.listing(TENANT))[0]
    due = posts.Due(
        claimed.key, TENANT, rollout.id, claimed.kind, 1, claimed.local_date, claimed.address
    )
    await posts.deliver(core.services, port, rollout, due)
    await sender.recover()
    await sender.run_due()
    assert [user for user, _ in notes(port)] == ["lee"]
    ((_, status, _),) = await rows_of(engine, "leader-note")
    assert status == "sent"
