"""Facilitators schedule sections and change the channel's rollout from chat."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from pathlib import Path

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core, CoreOptions
from bot.handlers.rollout_preview import PAGE_LINES
from bot.messages import Bullets, Button, Buttons, File, Reply
from bot.pseudonyms import Pseudonyms
from bot.rollouts.plan import parse_local
from bot.services import Services
from bot.storage.engine import sessions
from bot.storage.ledger_tables import DeliveryRow
from content.loader import LoadedPack
from tests.conftest import TEST_SECRET, Chat, FakePort, FrozenClock

# `Tue 13 Jan, 9:00: wellness practice for section 3`: a post as the team reads it.
WORDS = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}( \d{4})?, \d{1,2}:\d\d: [a-z].+"
)
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
    asked = await chat.say("fran", "rollout skip 2")
    assert (
        "skipped"
        in (await chat.say("fran", buttons_of(asked)["Yes, skip section 2"].command)).summary
    )
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


def buttons_of(reply: Reply) -> dict[str, Button]:
    return {
        b.label: b for block in reply.blocks if isinstance(block, Buttons) for b in block.buttons
    }


async def planned_rows(core: Core, rollout_id: str) -> int:
    async with core.services.rollouts.store.sessions() as session:
        return len(
            (
                await session.scalars(
                    select(DeliveryRow.id).where(
                        DeliveryRow.rollout_id == rollout_id, DeliveryRow.status == "planned"
                    )
                )
            ).all()
        )


async def test_schedule_without_its_details_offers_the_form_in_the_teams_zone(
    chat: Chat, core: Core
) -> None:
    first = buttons_of(await chat.say("fran", "schedule"))["Schedule a section"]
    assert first.form is not None and first.command == "schedule"
    fields = {field.name: field for field in first.form.fields}
    # Asked in the channel: the circle is this channel's, so the form asks for none.
    assert list(fields) == ["section", "date", "time", "timezone"]
    assert [f.kind for f in fields.values()] == ["select", "date", "time", "timezone"]
    assert fields["section"].options[0] == "1: Compassion in action"
    assert fields["timezone"].initial is None
    filled = {"section": "1: Compassion in action", "date": "2027-03-23", "time": "09:00"}
    done = await chat.say("fran", "schedule", form={**filled, "timezone": "America/Chicago"})
    assert "Section 1's circle is set for 2027-03-23 at 09:00 (America/Chicago)" in done.summary
    # Now the team has a zone: the form starts on it, and on what was already typed.
    again = buttons_of(await chat.say("fran", "schedule 3 2027-05-11"))["Schedule a section"]
    assert again.form is not None
    started = {field.name: field.initial for field in again.form.fields}
    assert started["timezone"] == "America/Chicago" and started["date"] == "2027-05-11"
    assert started["section"] is not None and started["section"].startswith("3: ")
    typed = await chat.say("fran", "schedule 2 2027-04-20 09:00")
    assert "(America/Chicago)" in typed.summary


async def test_a_circle_whose_first_posts_are_already_past_says_which_will_not_go_out(
    chat: Chat,
) -> None:
    # The clock reads Monday 15 March 2027, 09:00 UTC: the survey a week before is past.
    reply = await chat.say("fran", "schedule 1 2027-03-17 09:00 Europe/London")
    text = reply.plain_text()
    assert "Section 1's circle is set" in text
    assert "Wed 10 Mar, 9:00: pre-programme survey was already past when it was planned" in text
    preview = (await chat.say("fran", "rollout preview")).plain_text()
    assert "⚠ 3 posts were planned for a time already past" in preview
    assert "⚠ Wed 10 Mar, 9:00: pre-programme survey was already past" in preview
    later = (await chat.say("fran", "schedule 2 2027-04-20 09:00 Europe/London")).plain_text()
    assert "already past" not in later


async def test_the_preview_shows_every_post_in_the_teams_words_a_page_at_a_time(
    chat: Chat, core: Core
) -> None:
    await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    await chat.say("fran", "schedule 2 2027-04-20 09:00 Europe/London")
    rollout = await core.services.rollouts.store.for_place(chat.tenant, chat.channel)
    assert rollout is not None
    shown: list[str] = []
    reply = await chat.say("fran", "rollout preview")
    pages = 0
    while True:
        pages += 1
        (listed,) = [b for b in reply.blocks if isinstance(b, Bullets)]
        assert len(listed.items) <= PAGE_LINES
        shown += listed.items
        later = buttons_of(reply).get("Later posts")
        if later is None:
            break
        reply = await chat.say("fran", later.command)
        assert "Earlier posts" in buttons_of(reply)
    assert pages > 1 and len(shown) == len(set(shown)) == await planned_rows(core, rollout.id)
    assert "Thu 25 Mar, 9:00: wellness practice for section 1" in shown
    assert all(WORDS.fullmatch(line) for line in shown)
    assert "times in Europe/London" in reply.plain_text()
    # A page past the last shows the last.
    assert (await chat.say("fran", "rollout preview 99")).plain_text() == reply.plain_text()


async def test_ending_a_rollout_asks_first_and_can_be_undone(chat: Chat, core: Core) -> None:
    await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    rollout = await core.services.rollouts.store.for_place(chat.tenant, chat.channel)
    assert rollout is not None
    planned = await planned_rows(core, rollout.id)
    asked = await chat.say("fran", "rollout end")
    assert "End this channel's rollout?" in asked.summary
    assert await core.services.rollouts.store.for_place(chat.tenant, chat.channel) is not None
    kept = await chat.say("fran", buttons_of(asked)["Keep it as it is"].command)
    assert kept.summary == "Nothing has changed."
    # Pressed where the private reply was shown (a personal chat), it still ends this one.
    personal = Chat(core, chat.port, channel="fran-personal")
    ended = await personal.say("fran", buttons_of(asked)["Yes, end it"].command)
    assert "has ended" in ended.summary
    assert await core.services.rollouts.store.for_place(chat.tenant, chat.channel) is None
    assert await planned_rows(core, rollout.id) == 0
    undo = buttons_of(ended)["Undo"].command
    assert "active again" in (await personal.say("fran", undo)).summary
    assert await planned_rows(core, rollout.id) == planned
    # Pressed twice, the undo does nothing more; nor does anyone but a facilitator.
    assert "already" in (await chat.say("fran", undo)).summary
    assert "only a facilitator" in (await chat.say("sam", undo)).plain_text()
    assert await planned_rows(core, rollout.id) == planned


async def test_an_old_confirmation_never_ends_the_channels_newer_rollout(
    chat: Chat, core: Core
) -> None:
    await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    yes = buttons_of(await chat.say("fran", "rollout end"))["Yes, end it"].command
    await chat.say("fran", yes)
    await chat.say("fran", "schedule 1 2027-03-30 09:00 Europe/London")
    again = await chat.say("fran", yes)
    assert "That rollout has ended" in again.summary
    assert await core.services.rollouts.store.for_place(chat.tenant, chat.channel) is not None
    undo = f"rollout reopen {yes.split()[-1]} active"
    assert "newer rollout" in (await chat.say("fran", undo)).summary


async def test_skipping_a_section_asks_first_and_can_be_undone(chat: Chat, core: Core) -> None:
    await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    await chat.say("fran", "schedule 2 2027-04-20 09:00 Europe/London")
    rollout = await core.services.rollouts.store.for_place(chat.tenant, chat.channel)
    assert rollout is not None
    planned = await planned_rows(core, rollout.id)
    asked = await chat.say("fran", "rollout skip 2")
    assert asked.summary.startswith("Skip section 2? Its circle on Tue 20 Apr, 9:00")
    assert await planned_rows(core, rollout.id) == planned
    skipped = await chat.say("fran", buttons_of(asked)["Yes, skip section 2"].command)
    assert "skipped" in skipped.summary
    assert await planned_rows(core, rollout.id) < planned
    back = await chat.say("fran", buttons_of(skipped)["Undo"].command)
    assert "back on the plan" in back.summary
    assert await planned_rows(core, rollout.id) == planned
    assert "no circle for section 9" in (await chat.say("fran", "rollout skip 9")).plain_text()


async def test_a_facilitators_help_names_schedule_and_rollout(chat: Chat) -> None:
    text = (await chat.say("fran", "help")).plain_text()
    assert "`schedule`: plan a section's circle" in text
    assert "`rollout preview`: every post" in text and "skip and end ask first" in text
    assert "schedule" not in (await chat.say("sam", "help")).plain_text()
