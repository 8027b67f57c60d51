"""Planning around a team's calendar: no post on its public holidays or in its term breaks,
unless a facilitator said to post on a day anyway."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.console.programme import Entry, ledger_entries, programme
from bot.core import Core
from bot.rollouts.plan import Circle
from bot.rollouts.term_calendar import read_term_calendar
from tests.conftest import FrozenClock
from tests.term_calendars import term_calendar

TENANT = "test:team"
LONDON = ZoneInfo("Europe/London")
WINTER_BREAK = term_calendar(("Winter break", date(2026, 12, 21), date(2027, 1, 1)))
# Twelve circles a fortnight apart on Tuesdays, one of them (22 Dec) in the break.
CIRCLES = [
    Circle(section=n, local=datetime(2026, 11, 10, 9) + timedelta(days=14 * (n - 1)))  # noqa: DTZ001
    for n in range(1, 13)
]


async def _team_in_england_with_a_winter_break(core: Core, clock: FrozenClock) -> None:
    clock.current = datetime(2026, 11, 2, 9, tzinfo=UTC)
    services = core.services
    await services.team(TENANT)
    await services.team_settings.set_holiday_region(TENANT, "GB", "ENG")
    days = read_term_calendar(WINTER_BREAK, clock.current.date()).days
    await services.calendar.store.replace_breaks(TENANT, days)


async def _plan(core: Core) -> str:
    return await core.services.rollouts.create(
        tenant=TENANT,
        address="C1",
        timezone="Europe/London",
        circles=CIRCLES,
        pack=core.services.packs["healthcare"].pack,
    )


async def _planned_days(core: Core, rollout_id: str) -> dict[date, list[str]]:
    rollout = await core.services.rollouts.store.get(TENANT, rollout_id)
    assert rollout is not None
    posts = await core.services.rollouts.posts(rollout, core.services.packs["healthcare"].pack)
    days: dict[date, list[str]] = {}
    for post in posts:
        days.setdefault(post.local.date(), []).append(post.kind)
    return days


async def test_no_post_falls_on_a_public_holiday_or_in_the_winter_break(
    core: Core, clock: FrozenClock
) -> None:
    await _team_in_england_with_a_winter_break(core, clock)
    days = await _planned_days(core, await _plan(core))
    closed = {date(2026, 12, 21) + timedelta(days=n) for n in range(12)}
    assert not closed & set(days), "posted on a day of the winter break"
    # Good Friday and Easter Monday 2027, and the May Day bank holiday, are left alone too.
    assert not {date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3)} & set(days)
    # What would have come in the break comes on the next working day after it.
    assert "checkin" in days[date(2027, 1, 4)]
    assert "prompt" in days[date(2027, 1, 4)]
    # The rest of the plan is untouched: prompts three times a week either side of the break.
    week = [date(2026, 12, 14) + timedelta(days=n) for n in range(5)]
    assert [day.day for day in week if "prompt" in days.get(day, [])] == [14, 16, 18]


async def test_the_ledger_holds_no_post_in_the_break(core: Core, clock: FrozenClock) -> None:
    await _team_in_england_with_a_winter_break(core, clock)
    rollout_id = await _plan(core)
    store = core.services.rollouts.store
    ledger = await ledger_entries(store.sessions, TENANT, rollout_id)
    local_days = {entry.due_at.astimezone(LONDON).date() for entry in ledger.values()}
    assert len(local_days) > 50
    assert not {day for day in local_days if date(2026, 12, 21) <= day <= date(2027, 1, 1)}


async def test_a_day_to_post_anyway_gets_its_posts_back(core: Core, clock: FrozenClock) -> None:
    await _team_in_england_with_a_winter_break(core, clock)
    rollout_id = await _plan(core)
    services = core.services
    await services.calendar.post_anyway(
        TENANT, date(2026, 12, 23), services.packs["healthcare"].pack
    )
    days = await _planned_days(core, rollout_id)
    # The visual after the circle of 22 Dec goes out the day after it, break or not.
    assert "visual" in days[date(2026, 12, 23)]
    assert date(2026, 12, 24) not in days


async def test_a_calendar_imported_later_moves_the_posts_still_to_come(
    core: Core, clock: FrozenClock
) -> None:
    clock.current = datetime(2026, 11, 2, 9, tzinfo=UTC)
    rollout_id = await _plan(core)
    before = await _planned_days(core, rollout_id)
    assert "prompt" in before[date(2026, 12, 21)]
    services = core.services
    await services.calendar.store.replace_breaks(
        TENANT, read_term_calendar(WINTER_BREAK, clock.current.date()).days
    )
    assert await services.rollouts.replan_team(TENANT, services.packs["healthcare"].pack) == 1
    after = await _planned_days(core, rollout_id)
    assert date(2026, 12, 21) not in after
    assert "prompt" in after[date(2027, 1, 4)]


async def test_the_programme_warns_of_a_circle_on_a_holiday_or_in_a_break(
    core: Core, clock: FrozenClock
) -> None:
    await _team_in_england_with_a_winter_break(core, clock)
    services, pack = core.services, core.services.packs["healthcare"].pack
    rollout_id = await _plan(core)
    rollout = await services.rollouts.store.get(TENANT, rollout_id)
    assert rollout is not None
    closed = await services.rollouts.closed_days(TENANT, rollout.circles)
    ledger = await ledger_entries(services.rollouts.store.sessions, TENANT, rollout_id)
    posts = await services.rollouts.posts(rollout, pack)
    shown = programme(rollout, posts, ledger, pack, clock.now(), closed)
    warned = [f"{line.sentence} {line.note}" for line in shown.warnings]
    assert warned == [
        "Tue 22 Dec, 9:00: circle for section 4 falls on a day the bot posts nothing: Winter break"
    ]
    # The circle itself stays in its section, as planned; only the warning is new.
    assert shown.sections[3].circle == "Tue 22 Dec, 9:00"
    assert all(line.state != "warning" for line in shown.sections[3].posts)


async def test_a_leaders_follow_up_on_a_holiday_is_named_as_going_out_all_the_same(
    core: Core, clock: FrozenClock
) -> None:
    await _team_in_england_with_a_winter_break(core, clock)
    services, pack = core.services, core.services.packs["healthcare"].pack
    rollout = await services.rollouts.store.get(TENANT, await _plan(core))
    assert rollout is not None
    closed = await services.rollouts.closed_days(TENANT, rollout.circles)
    boxing_day = datetime(2026, 12, 28, 10, tzinfo=UTC)
    ledger = {"f": Entry("follow-up", 4, boxing_day, "planned")}
    shown = programme(rollout, [], ledger, pack, clock.now(), closed)
    assert [f"{line.sentence} {line.note}" for line in shown.warnings][-1] == (
        "Mon 28 Dec, 10:00: scheduled follow-up for section 4 will go out on "
        "Boxing Day (observed), a day the bot otherwise keeps free"
    )
