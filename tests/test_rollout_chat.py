"""Facilitators schedule sections and change the channel's rollout from chat."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core, CoreOptions
from bot.messages import File
from bot.pseudonyms import Pseudonyms
from bot.rollouts.plan import parse_local
from bot.services import Services
from bot.storage.engine import sessions
from bot.storage.ledger_tables import DeliveryRow
from content.loader import LoadedPack
from tests.conftest import TEST_SECRET, Chat, FakePort, FrozenClock

FORM = {
    "section": "2",
    "channel": "C77",
    "date": "2027-03-30",
    "time": "09:00",
    "timezone": "Europe/London",
}


async def test_a_facilitator_schedules_a_section_by_typing_and_a_rollout_starts(
    chat: Chat, core: Core
) -> None:
    reply = await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    assert "Section 1's circle is set" in reply.plain_text()
    rollout = await core.services.rollouts.store.for_place(chat.tenant, chat.channel)
    assert rollout is not None and [c.section for c in rollout.circles] == [1]
    await chat.say("fran", "schedule 2 2027-04-20 09:00 Europe/London")
    rollout = await core.services.rollouts.store.for_place(chat.tenant, chat.channel)
    assert rollout is not None and [c.section for c in rollout.circles] == [1, 2]
    preview = await chat.say("fran", "rollout preview")
    assert preview.private and "posts to come" in preview.summary


async def test_the_schedule_button_sends_its_form_for_another_channel(
    chat: Chat, core: Core
) -> None:
    reply = await chat.say("fran", "schedule", form=FORM)
    assert "set for 2027-03-30" in reply.plain_text()
    assert await core.services.rollouts.store.for_place(chat.tenant, "C77") is not None
    assert await core.services.rollouts.store.for_place(chat.tenant, chat.channel) is None


async def test_only_facilitators_may_schedule_or_change_a_rollout(chat: Chat, core: Core) -> None:
    reply = await chat.say("sam", "schedule", form=FORM)
    assert "only a facilitator" in reply.plain_text()
    assert "only a facilitator" in (await chat.say("sam", "rollout pause")).plain_text()
    assert await core.services.rollouts.store.listing(chat.tenant) == []


async def test_a_bad_schedule_is_refused_kindly_and_stores_nothing(chat: Chat, core: Core) -> None:
    for line in (
        "schedule 1 2020-01-01 09:00 Europe/London",
        "schedule 1 2027-03-23 09:00 Nowhere/Land",
        "schedule 99 2027-03-23 09:00 Europe/London",
        "schedule 1 2027-03-23 9am Europe/London",
        "schedule soon",
    ):
        reply = await chat.say("fran", line)
        assert reply.private and "Traceback" not in reply.plain_text()
    assert await core.services.rollouts.store.listing(chat.tenant) == []


async def test_facilitators_pause_move_skip_tick_and_get_the_calendar(
    chat: Chat, core: Core
) -> None:
    await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    await chat.say("fran", "schedule 2 2027-04-20 09:00 Europe/London")
    assert "paused" in (await chat.say("fran", "rollout pause")).summary
    assert "active" in (await chat.say("fran", "rollout resume")).summary
    moved = await chat.say("fran", "rollout move 2 2027-04-27 10:00")
    assert "now 2027-04-27" in moved.summary
    too_close = await chat.say("fran", "rollout move 2 2027-03-24 10:00")
    assert "nothing has changed" in too_close.summary
    assert "skipped" in (await chat.say("fran", "rollout skip 2")).summary
    assert "Marked item 2" in (await chat.say("fran", "rollout done 1 2")).summary
    calendar = await chat.say("fran", "rollout calendar")
    assert "--ics" in calendar.plain_text()
    rollout = await core.services.rollouts.store.for_place(chat.tenant, chat.channel)
    assert rollout is not None
    assert await core.services.rollouts.store.ticked(chat.tenant, rollout.id, 1) == {
        1: "facilitator"
    }


async def test_a_facilitator_asking_for_the_calendar_gets_the_ics_file(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], tmp_path: Path
) -> None:
    options = CoreOptions(
        "healthcare", 3, "EAP", {"fran": "facilitator"}, reports_dir=tmp_path / "reports"
    )
    core = Core(
        Services(
            packs=packs,
            sessions=sessions(engine),
            pseudonyms=Pseudonyms(TEST_SECRET),
            clock=clock,
            options=options,
        )
    )
    chat = Chat(core, FakePort())
    await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    reply = await chat.say("fran", "rollout calendar")
    files = [block for block in reply.blocks if isinstance(block, File)]
    assert reply.private and len(files) == 1
    (sent,) = files
    assert sent.media_type == "text/calendar" and sent.filename.endswith(".ics")
    assert Path(sent.path).parent == tmp_path / "reports"
    calendar = Calendar.from_ical(await asyncio.to_thread(Path(sent.path).read_bytes))
    events = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert "Circle · Section 1: Compassion in action" in events
    assert "Bot posts: Introduction: Compassion in action" in events
    assert "only a facilitator" in (await chat.say("sam", "rollout calendar")).plain_text()


async def test_a_facilitator_chooses_how_often_the_channels_prompts_come(
    chat: Chat, core: Core
) -> None:
    await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    await chat.say("fran", "schedule 2 2027-05-18 09:00 Europe/London")
    asked = await chat.say("fran", "rollout prompts")
    assert "three times a week" in asked.plain_text()
    changed = await chat.say("fran", "rollout prompts weekly")
    assert "once a week" in changed.summary
    assert "Prompts come once a week" in (await chat.say("fran", "rollout preview")).plain_text()
    rollout = await core.services.rollouts.store.for_place(chat.tenant, chat.channel)
    assert rollout is not None and rollout.calendar.prompt_rhythm == "weekly"
    pack = core.services.packs["healthcare"].pack
    # The stored plan follows: one prompt a week, and a later re-plan keeps the rhythm.
    await core.services.rollouts.move(rollout, 2, parse_local("2027-05-25T09:00"), pack)
    planned = await prompt_days(core, rollout.id)
    weeks = [day.isocalendar()[:2] for day in planned]
    assert planned and len(weeks) == len(set(weeks))
    assert (await chat.say("fran", "rollout prompts daily")).summary.endswith("still to come.")
    assert len(await prompt_days(core, rollout.id)) > 4 * len(planned)
    refused = await chat.say("fran", "rollout prompts hourly")
    assert "three rhythms" in refused.summary and "rollout prompts weekly" in refused.plain_text()
    assert "only a facilitator" in (await chat.say("sam", "rollout prompts daily")).plain_text()
    help_text = (await chat.say("fran", "help")).plain_text()
    assert "rollout prompts daily|three|weekly" in help_text


async def prompt_days(core: Core, rollout_id: str) -> list[date]:
    async with core.services.rollouts.store.sessions() as session:
        days = await session.scalars(
            select(DeliveryRow.local_date).where(
                DeliveryRow.rollout_id == rollout_id,
                DeliveryRow.kind == "prompt",
                DeliveryRow.status == "planned",
            )
        )
        return sorted(date.fromisoformat(day) for day in days)
