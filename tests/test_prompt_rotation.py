"""The daily prompts' rotation: fresh within a section, eight weeks apart for a team, over the
whole programme, and the same after restarts and re-plans."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Text
from bot.rollouts import posts
from bot.rollouts.cadence import RHYTHMS, Rhythm, load_cadence
from bot.rollouts.days import CohortCalendar
from bot.rollouts.plan import Circle, expand
from bot.rollouts.plan import parse_local as at
from bot.rollouts.rotation import Sent, body, choose, prompt_id, rotate
from bot.storage.ledger_tables import DeliveryRow
from content.loader import LoadedPack
from content.models import Pack
from tests.conftest import Chat, FakePort, FrozenClock
from tests.test_scheduler_ledger import TENANT, sender_for

EIGHT_WEEKS = timedelta(weeks=8)


def programme(months: int, start: date = date(2027, 1, 12)) -> list[Circle]:
    """Twelve circles spread evenly over `months`, at 09:00, moved off weekends."""
    circles = []
    for index in range(12):
        day = start + relativedelta(months=index * months // 12)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        circles.append(Circle(index + 1, datetime.combine(day, time(9))))
    return circles


def sent_in_rotation(pack: Pack, months: int, rhythm: Rhythm) -> list[tuple[date, int, str]]:
    cadence = load_cadence()
    calendar = CohortCalendar.from_cadence(cadence, prompt_rhythm=rhythm)
    posts = expand(programme(months), "Europe/London", calendar, cadence, pack)
    return [(post.local.date(), post.section, text) for post, text in rotate(pack, posts)]


def assert_fresh_within_each_section(pack: Pack, sent: list[tuple[date, int, str]]) -> None:
    by_section: dict[int, list[str]] = defaultdict(list)
    for _, section, text in sent:
        by_section[section].append(text)
    for number, texts in by_section.items():
        section = pack.section(number)
        assert section is not None
        size = len(section.daily_prompts)
        # Round after round, each a run of distinct prompts until every one has been used.
        for start in range(0, len(texts), size):
            round_ = texts[start : start + size]
            assert len(set(round_)) == len(round_), (number, start)
            assert set(round_) <= set(section.daily_prompts)


def assert_eight_weeks_apart(sent: list[tuple[date, int, str]]) -> None:
    last: dict[str, date] = {}
    for day, _, text in sent:
        if text in last:
            assert day - last[text] >= EIGHT_WEEKS, (text, last[text], day)
        last[text] = day


@pytest.mark.parametrize("rhythm", RHYTHMS)
@pytest.mark.parametrize("pack_key", ["healthcare", "schools"])
def test_twelve_sections_over_two_years_never_repeat_a_prompt_early(
    packs: dict[str, LoadedPack], pack_key: str, rhythm: Rhythm
) -> None:
    pack = packs[pack_key].pack
    sent = sent_in_rotation(pack, 24, rhythm)
    assert {section for _, section, _ in sent} == set(range(1, 13))
    assert_fresh_within_each_section(pack, sent)
    assert_eight_weeks_apart(sent)


def test_a_daily_rhythm_over_two_years_comes_round_again_only_after_every_prompt(
    packs: dict[str, LoadedPack],
) -> None:
    pack = packs["schools"].pack
    sent = sent_in_rotation(pack, 24, "daily")
    # Two months of working days outlast some of its sections' forty prompts: the rules are
    # really exercised.
    repeated = len(sent) - len({text for _, _, text in sent})
    assert repeated > 0
    assert_fresh_within_each_section(pack, sent)
    assert_eight_weeks_apart(sent)


def test_the_choice_follows_the_history_not_the_date() -> None:
    prompts = ["One.", "Two.", "Three."]
    ids = [prompt_id(text) for text in prompts]
    monday = date(2027, 3, 15)
    assert choose(prompts, [], monday) == 0
    # Whatever the date, what was sent decides: the one not yet used in the round.
    history = [Sent(monday, ids[0]), Sent(monday + timedelta(days=1), ids[2])]
    assert choose(prompts, history, monday + timedelta(days=40)) == 1
    # A finished round starts again with the one sent longest ago, once eight weeks have passed.
    history.append(Sent(monday + timedelta(days=2), ids[1]))
    assert choose(prompts, history, monday + timedelta(days=60)) == 0


def test_a_prompt_the_team_had_recently_from_elsewhere_waits_its_turn() -> None:
    prompts = ["Shared.", "Own."]
    monday = date(2027, 3, 15)
    # The team was sent the shared words a week ago (another section offers them too).
    history = [Sent(monday - timedelta(days=7), prompt_id("Shared."))]
    assert choose(prompts, history, monday) == 1


def posted_prompts(port: FakePort, address: str) -> list[str]:
    texts = []
    for target, reply in port.sent:
        if target.address == address and reply.summary == "Today's prompt":
            texts.extend(block.text for block in reply.blocks if isinstance(block, Text))
    return texts


async def test_the_rotation_goes_on_from_what_was_sent_across_a_restart_and_a_replan(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    pack = core.services.packs["healthcare"].pack
    store = core.services.rollouts.store
    for address in ("C0", "C1"):
        await core.services.rollouts.create(
            tenant=TENANT,
            address=address,
            timezone="Europe/London",
            circles=[Circle(1, at("2027-03-23T09:00")), Circle(2, at("2027-05-25T09:00"))],
            pack=pack,
        )
        rollout = await store.for_place(TENANT, address)
        assert rollout is not None
        await core.services.rollouts.set_rhythm(
            rollout, "daily" if address == "C0" else "three", pack
        )
    # Each day at noon in London, after the 09:30 prompt (a day's grace, so none is missed).
    clock.advance(hours=3)
    sender = sender_for(core, engine, port, grace=timedelta(days=1))
    sent_on: list[tuple[date, int, str]] = []
    for day in range(80):
        if day == 30:
            # A restart (a new sender, nothing in memory) and a re-plan moving Section 2.
            posts._REPLIES.clear()
            sender = sender_for(core, engine, port, grace=timedelta(days=1))
            rollout = await store.for_place(TENANT, "C0")
            assert rollout is not None
            await core.services.rollouts.move(rollout, 2, at("2027-06-01T09:00"), pack)
        before = len(posted_prompts(port, "C0"))
        await sender.run_due()
        today = clock.now().date()
        if len(posted_prompts(port, "C0")) > before:
            section = 1 if today < date(2027, 6, 1) else 2
            sent_on.append((today, section, posted_prompts(port, "C0")[-1]))
        clock.advance(days=1)
    # Section 1 ran ten weeks of working days: more days than it has prompts.
    section_one = [text for _, section, text in sent_on if section == 1]
    assert len(section_one) > len(pack.sections[0].daily_prompts)
    assert_fresh_within_each_section(pack, sent_on)
    assert_eight_weeks_apart(sent_on)
    # Two teams on the same section and day are each given their own next prompt: on
    # Wednesday 31 March the daily team gets its fourth, the three-a-week team its third.
    daily, three = posted_prompts(port, "C0"), posted_prompts(port, "C1")
    assert daily[:3] == three[:3] and daily[3] != three[2]


async def test_the_prompt_command_shows_what_the_channel_is_given_today(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    chat = Chat(core, port, tenant=TENANT, channel="C0")
    await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    sender = sender_for(core, engine, port)
    # Friday 26 March, 09:00 in London: the prompt is planned for 09:30.
    clock.advance(days=11)
    coming = await chat.say("sam", "prompt")
    clock.advance(hours=1)
    await sender.run_due()
    assert posted_prompts(port, "C0") == [coming.blocks[1].text]  # type: ignore[union-attr]
    again = await chat.say("sam", "prompt")
    assert again.blocks == coming.blocks
    # Saturday: no prompt today, so the latest one, saying when it was posted.
    clock.advance(days=1)
    latest = await chat.say("sam", "prompt")
    assert latest.summary == "The latest prompt"
    assert latest.blocks[1] == coming.blocks[1]
    assert "posted Friday 26 March" in latest.plain_text()


async def test_prompts_planned_without_a_choice_are_chosen_and_recorded_as_they_are_sent(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    pack = core.services.packs["healthcare"].pack
    rollout_id = await core.services.rollouts.create(
        tenant=TENANT,
        address="C0",
        timezone="Europe/London",
        circles=[Circle(1, at("2027-03-23T09:00"))],
        pack=pack,
    )
    # As rows planned before prompts were chosen ahead, or planted in bulk, are.
    async with engine.begin() as connection:
        await connection.execute(
            update(DeliveryRow).where(DeliveryRow.kind == "prompt").values(body=None)
        )
    clock.advance(days=11, hours=3)
    sender = sender_for(core, engine, port, grace=timedelta(days=1))
    for _ in range(14):
        await sender.run_due()
        clock.advance(days=1)
    posted = posted_prompts(port, "C0")
    assert len(posted) >= 6 and len(set(posted)) == len(posted)
    assert set(posted) <= set(pack.sections[0].daily_prompts)
    async with engine.connect() as connection:
        bodies = (
            await connection.scalars(
                select(DeliveryRow.body).where(
                    DeliveryRow.rollout_id == rollout_id,
                    DeliveryRow.kind == "prompt",
                    DeliveryRow.status == "sent",
                )
            )
        ).all()
    assert sorted(bodies) == sorted(body(text) for text in posted)


async def test_asked_in_a_direct_message_the_prompt_is_the_teams_only_programmes(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    channel = Chat(core, port, tenant=TENANT, channel="C0")
    await channel.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    clock.advance(days=11, hours=1)
    await sender_for(core, engine, port).run_due()
    direct = Chat(core, port, tenant=TENANT, channel="D-sam")
    reply = await direct.say("sam", "prompt")
    assert [block.text for block in reply.blocks if isinstance(block, Text)] == posted_prompts(
        port, "C0"
    )
