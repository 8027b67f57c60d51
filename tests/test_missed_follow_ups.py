"""A follow-up the bot could not post on time: whoever scheduled it is told, and can post it now."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.errors import DeliveryError
from bot.messages import MessageRef, Person, Reply
from bot.rollouts import missed
from bot.rollouts.kinds import Kind
from bot.rollouts.plan import Circle, parse_local
from bot.storage.ledger_tables import DeliveryRow
from bot.storage.rollouts import Spawned
from scheduler.ledger import LedgerStore
from tests.conftest import Chat, FakePort, FrozenClock
from tests.fakes.slack_api import running_slack
from tests.test_leader_notes import follow_up_button, leader_note_and_chat, rows_of
from tests.test_scheduler_ledger import TENANT, sender_for

WORDS = "See you all on Friday: I'll share what changes with the rota."
GRACE = timedelta(hours=2)
# Friday 26 March 2027 at 16:30 in London (UTC then); the leader note leaves the clock on
# Wednesday 24 March at 09:00, so this is the Friday evening, three hours after it was due.
SCHEDULED = {"date": "2027-03-26", "time": "16:30"}
OFFLINE_UNTIL = {"days": 2, "hours": 10, "minutes": 30}


def missed_notices(port: FakePort) -> list[tuple[str, Reply]]:
    return [(p.user_id, r) for p, r in port.private if r.summary == "Your follow-up was not posted"]


def told_facilitators(port: FakePort) -> list[tuple[str, Reply]]:
    return [(p.user_id, r) for p, r in port.private if r.summary == missed.SUMMARY]


async def schedule(core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock) -> Chat:
    """Lee schedules a follow-up from their leader note; returns their direct message."""
    command, form, dm = await leader_note_and_chat(core, engine, port, clock)
    preview = await dm.say("lee", command, form={**form, "text": WORDS, **SCHEDULED})
    reply = await dm.press("lee", preview, "Schedule it")
    assert "If I can't post it on time, I'll tell you" in reply.plain_text()
    port.private.clear()
    return dm


def no_line_carries(records: list[logging.LogRecord], words: str) -> bool:
    """Whether none of the bot's own log lines (message or context) carries `words`."""
    for record in records:
        if not record.name.startswith(("bot", "scheduler", "adapters", "crbot")):
            continue
        if words in record.getMessage() or any(words in str(v) for v in vars(record).values()):
            return False
    return True


async def test_a_missed_follow_up_is_told_privately_to_whoever_scheduled_it_with_their_words(
    core: Core,
    engine: AsyncEngine,
    port: FakePort,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await schedule(core, engine, port, clock)
    ((_, _, body),) = await rows_of(engine, Kind.FOLLOW_UP)
    assert json.loads(body or "")["by"] == "lee"

    clock.advance(**OFFLINE_UNTIL)
    sender = sender_for(core, engine, port, grace=GRACE)
    await sender.run_due()

    assert not [r for _, r in port.sent if WORDS in r.plain_text()]
    assert [status for _, status, _ in await rows_of(engine, Kind.FOLLOW_UP)] == ["missed"]
    ((user, notice),) = missed_notices(port)
    text = notice.plain_text()
    assert user == "lee" and notice.private
    assert "your follow-up planned for Friday 26 March at 16:30 (Europe/London)" in text
    assert "could not be posted in C0 on time" in text and "did not post it late" in text
    assert WORDS in text
    # The facilitators keep their count, and never see the leader's words.
    told = told_facilitators(port)
    assert [u for u, _ in told] == ["fran"]
    assert "Scheduled follow-up: " in told[0][1].plain_text()
    assert all(WORDS not in r.plain_text() for _, r in told)
    assert no_line_carries(caplog.records, WORDS)

    # Told once: a later run finds nothing newly missed.
    await sender.run_due()
    assert len(missed_notices(port)) == 1


async def test_the_notice_button_posts_the_follow_up_now_in_the_team_channel(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    dm = await schedule(core, engine, port, clock)
    clock.advance(**OFFLINE_UNTIL)
    await sender_for(core, engine, port, grace=GRACE).run_due()
    ((_, notice),) = missed_notices(port)
    port.sent.clear()

    command, form = follow_up_button(notice)
    assert form == {"text": WORDS, "date": "", "time": ""}
    preview = await dm.say("lee", command, form=form)
    assert port.sent == [] and WORDS in preview.plain_text()
    reply = await dm.press("lee", preview, "Post it")

    assert "Posted your follow-up in C0" in reply.plain_text()
    ((target, posted),) = port.sent
    assert target.address == "C0" and not posted.private
    assert WORDS in posted.plain_text() and "From lee" in posted.plain_text()


async def test_a_follow_up_scheduled_before_its_author_was_kept_is_told_to_facilitators_only(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await schedule(core, engine, port, clock)
    ((key, _, body),) = await rows_of(engine, Kind.FOLLOW_UP)
    old = {k: v for k, v in json.loads(body or "").items() if k != "by"}
    async with engine.begin() as connection:
        await connection.execute(
            update(DeliveryRow).where(DeliveryRow.key == key).values(body=json.dumps(old))
        )
    clock.advance(**OFFLINE_UNTIL)
    await sender_for(core, engine, port, grace=GRACE).run_due()

    assert missed_notices(port) == []
    assert [u for u, _ in told_facilitators(port)] == ["fran"]


class Unreachable(FakePort):
    """Direct messages to the people in `unreachable` fail (they left the workspace)."""

    def __init__(self) -> None:
        super().__init__()
        self.unreachable: set[str] = set()

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        if person.user_id in self.unreachable:
            raise DeliveryError("user_not_found", permanent=True)
        return await super().send_private(person, reply)


async def test_an_unreachable_leader_or_an_unreadable_row_stops_nothing_and_logs_ids_only(
    core: Core, engine: AsyncEngine, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    port = Unreachable()
    await schedule(core, engine, port, clock)
    port.unreachable.add("lee")
    rollout = (await core.services.rollouts.store.listing(TENANT))[0]
    # A second follow-up whose stored body cannot be read at all.
    broken = Spawned(
        key=f"{rollout.id}:{Kind.FOLLOW_UP}:1:2027-03-26:broken",
        kind=Kind.FOLLOW_UP,
        section=1,
        local_date=parse_local("2027-03-26T16:00").date(),
        due_at=clock.now() + timedelta(days=2, hours=7),
        body={},
    )
    assert await core.services.rollouts.store.spawn(TENANT, rollout.id, "C0", broken)
    async with engine.begin() as connection:
        await connection.execute(
            update(DeliveryRow).where(DeliveryRow.key == broken.key).values(body="[not json")
        )
    clock.advance(**OFFLINE_UNTIL)
    await sender_for(core, engine, port, grace=GRACE).run_due()

    assert missed_notices(port) == []
    assert [u for u, _ in told_facilitators(port)] == ["fran"]
    assert sorted(s for _, s, _ in await rows_of(engine, Kind.FOLLOW_UP)) == ["missed", "missed"]
    unreachable = [r for r in caplog.records if "could not tell a leader" in r.getMessage()]
    unreadable = [r for r in caplog.records if "unreadable body" in r.getMessage()]
    assert len(unreachable) == 1 and len(unreadable) == 1
    for record in (*unreachable, *unreadable):
        assert vars(record)["job_id"] == rollout.id and vars(record)["tenant"] == TENANT
    assert vars(unreachable[0])["status"] == "DeliveryError"
    assert no_line_carries(caplog.records, WORDS)


async def test_two_schedulers_expiring_at_once_each_learn_of_a_missed_row_only_once(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await schedule(core, engine, port, clock)
    clock.advance(**OFFLINE_UNTIL)
    first, second = await asyncio.gather(
        LedgerStore(engine).expire(clock.now(), GRACE),
        LedgerStore(engine).expire(clock.now(), GRACE),
    )
    missed = [*first, *second]
    assert len({row.id for row in missed}) == len(missed) > 1
    (follow_up,) = [row for row in missed if row.kind == Kind.FOLLOW_UP]
    assert json.loads(follow_up.body or "")["text"] == WORDS
    assert follow_up.due_at == parse_local("2027-03-26T16:30").replace(tzinfo=UTC)
    assert (await LedgerStore(engine).counts())["missed"] == len(missed)


async def test_on_slack_the_notice_is_a_direct_message_whose_button_posts_the_words(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    tenant = "slack:T1"
    await core.services.team_settings.grant(tenant, "lee", "leader")
    rollout_id = await core.services.rollouts.create(
        tenant=tenant,
        address="C1",
        timezone="Europe/London",
        circles=[Circle(1, parse_local("2027-03-23T09:00"))],
        pack=core.services.packs["healthcare"].pack,
    )
    async with running_slack(core, engine, clock) as stack:
        dm = Chat(core, stack.platform.port, tenant=tenant, channel="Dlee")  # type: ignore[arg-type]
        preview = await dm.say(
            "lee",
            f"follow-up rollout:{rollout_id} 1",
            form={"text": WORDS, "date": "2027-03-16", "time": "10:00"},
        )
        scheduled = await dm.press("lee", preview, "Schedule it")
        assert "Tuesday 16 March at 10:00" in scheduled.plain_text()
        clock.advance(days=1, hours=4)  # Tuesday 13:00: three hours late
        sender = sender_for(core, engine, stack.platform.port, grace=GRACE)
        sender.ports = {"slack": stack.platform.port}
        await sender.run_due()

        assert {"users": "lee"} in stack.fake.called("conversations.open")
        (notice,) = [
            m
            for m in stack.fake.called("chat.postMessage")
            if m["channel"] == "Dlee" and "planned for Tuesday 16 March at 10:00" in str(m)
        ]
        # The words went to Lee alone, not to the channel late.
        said = [m["channel"] for m in stack.fake.called("chat.postMessage") if WORDS in str(m)]
        assert said == ["Dlee"]
        actions = [e for b in notice["blocks"] if b["type"] == "actions" for e in b["elements"]]
        (post_now,) = [e for e in actions if e["text"]["text"] == "Post it now"]

        status, _ = await stack.slack.click(post_now, user="lee", channel="Dlee")
        assert status == 200
        (opened,) = await stack.fake.wait_for("views.open")
        fields = {b["block_id"]: b["element"] for b in opened["view"]["blocks"]}
        assert fields["text"]["initial_value"] == WORDS
        status, _ = await stack.slack.submit(
            opened["view"], {"text": {"value": {"value": WORDS}}}, user="lee"
        )

        assert status == 200
        previewed = stack.fake.called("chat.postEphemeral")[-1]
        assert WORDS in json.dumps(previewed["blocks"])
        assert not [m for m in stack.fake.called("chat.postMessage") if m["channel"] == "C1"]
        actions = [e for b in previewed["blocks"] if b["type"] == "actions" for e in b["elements"]]
        (post_it,) = [e for e in actions if e["text"]["text"] == "Post it"]
        status, _ = await stack.slack.click(post_it, user="lee", channel="Dlee")
        assert status == 200
        posted = [m for m in stack.fake.called("chat.postMessage") if m["channel"] == "C1"]
        assert [m for m in posted if WORDS in json.dumps(m["blocks"])]
