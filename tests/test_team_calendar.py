"""A team's calendar: public holidays where it is, its term breaks from an .ics file, and the
days a facilitator says to post on anyway."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.rollouts.closures import TeamDays
from bot.rollouts.public_holidays import HolidayRegion, RegionError, region
from bot.rollouts.term_calendar import MAX_BYTES, TermCalendarError, read_term_calendar
from bot.storage.engine import sessions
from bot.storage.team_calendar import TeamCalendarStore
from bot.storage.team_settings import TeamSettingsStore
from tests.term_calendars import term_calendar

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
TODAY = NOW.date()
SCHOOL_YEAR = term_calendar(
    ("Autumn half term", date(2026, 10, 26), date(2026, 10, 30)),
    ("Christmas holidays", date(2026, 12, 21), date(2027, 1, 4)),
    ("Spring term", date(2027, 1, 5), date(2027, 2, 12)),
    ("INSET day", date(2027, 2, 22), date(2027, 2, 22)),
    ("Parents' evening", date(2027, 3, 4), date(2027, 3, 4)),
    repeat_yearly="INSET day",
)


def test_a_region_is_spelt_as_the_holidays_library_spells_it() -> None:
    assert region("gb", "eng") == HolidayRegion("GB", "ENG")
    assert region(" US ", "California") == HolidayRegion("US", "CA")
    assert region("DE") == HolidayRegion("DE", None)


@pytest.mark.parametrize(
    ("country", "state", "field", "words"),
    [
        ("Narnia", None, "country", "'Narnia' is not a country"),
        ("GB", "Kent", "state", "it has ENG, NIR, SCT, WLS"),
        ("IS", "North", "state", "IS has none, so leave it empty"),
    ],
)
def test_an_unknown_region_is_refused_naming_the_field(
    country: str, state: str | None, field: str, words: str
) -> None:
    with pytest.raises(RegionError) as refused:
        region(country, state)
    assert refused.value.field == field
    assert words in str(refused.value)


def test_the_breaks_of_a_term_calendar_are_read_and_the_rest_named() -> None:
    read = read_term_calendar(SCHOOL_YEAR, TODAY)
    spans = [(each.name, each.first, each.last) for each in read.breaks]
    assert spans == [
        ("Autumn half term", date(2026, 10, 26), date(2026, 10, 30)),
        ("Christmas holidays", date(2026, 12, 21), date(2027, 1, 4)),
        ("INSET day", date(2027, 2, 22), date(2027, 2, 22)),
        ("INSET day", date(2028, 2, 22), date(2028, 2, 22)),
        ("INSET day", date(2029, 2, 22), date(2029, 2, 22)),
    ]
    assert read.left_out == ("Parents' evening", "Spring term")
    assert read.days[date(2027, 1, 1)] == "Christmas holidays"
    assert date(2027, 1, 5) not in read.days


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "the file is empty"),
        (b"Subject,Start\nHalf term,2026-10-26\n", "not an iCalendar"),
        (bytes(range(256)) * 4, "not an iCalendar"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "no breaks or closures"),
        (b"BEGIN:VCALENDAR\r\n" + b"X" * MAX_BYTES, "larger than 512 KB"),
        (
            term_calendar(("Office closed", date(2027, 1, 1), date(2027, 12, 31))),
            "'Office closed' lasts more than 120 days",
        ),
    ],
)
def test_a_file_that_is_not_a_term_calendar_is_refused_saying_why(data: bytes, words: str) -> None:
    with pytest.raises(TermCalendarError, match=words):
        read_term_calendar(data, TODAY)


def test_the_days_to_avoid_name_their_holiday_or_break_less_the_days_to_post_anyway() -> None:
    breaks = read_term_calendar(SCHOOL_YEAR, TODAY).days
    days = TeamDays(HolidayRegion("GB", "ENG"), breaks, frozenset({date(2027, 1, 4)}))
    closed = days.closed_between(date(2026, 12, 20), date(2027, 1, 6))
    # The public holiday's own name wins over the break it falls in.
    assert closed[date(2026, 12, 25)] == "Christmas Day"
    assert closed[date(2027, 1, 1)] == "New Year's Day"
    assert closed[date(2026, 12, 21)] == "Christmas holidays"
    assert date(2027, 1, 4) not in closed
    assert date(2027, 1, 5) not in closed
    assert days.why_closed(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert [b.name for b in days.term_breaks][:2] == ["Autumn half term", "Christmas holidays"]


async def test_an_import_replaces_the_teams_breaks_and_keeps_its_exceptions(
    engine: AsyncEngine,
) -> None:
    store = TeamCalendarStore(sessions(engine))
    await store.replace_breaks("slack:T1", read_term_calendar(SCHOOL_YEAR, TODAY).days)
    await store.post_anyway("slack:T1", date(2026, 12, 22))
    await store.post_anyway("slack:T1", date(2026, 12, 22))
    later = term_calendar(("Winter break", date(2026, 12, 23), date(2026, 12, 31)))
    await store.replace_breaks("slack:T1", read_term_calendar(later, TODAY).days)
    breaks, post_anyway = await store.days("slack:T1")
    assert sorted(breaks) == [date(2026, 12, day) for day in range(23, 32)]
    assert set(breaks.values()) == {"Winter break"}
    assert post_anyway == {date(2026, 12, 22)}
    assert await store.avoid_again("slack:T1", date(2026, 12, 22))
    assert not await store.avoid_again("slack:T1", date(2026, 12, 22))
    assert (await store.days("slack:T1"))[1] == frozenset()


async def test_one_teams_calendar_is_not_anothers(engine: AsyncEngine) -> None:
    store = TeamCalendarStore(sessions(engine))
    await store.replace_breaks("slack:T1", {date(2026, 12, 24): "Closed"})
    await store.post_anyway("slack:T1", date(2026, 12, 25))
    assert await store.days("teams:T1") == ({}, frozenset())
    await store.replace_breaks("teams:T1", {})
    assert (await store.days("slack:T1"))[0] == {date(2026, 12, 24): "Closed"}


async def test_the_teams_holiday_region_is_kept_with_its_settings(engine: AsyncEngine) -> None:
    teams = TeamSettingsStore(sessions(engine))
    await teams.ensure("slack:T1", "schools", 5, NOW)
    assert (await teams.ensure("slack:T1", "schools", 5, NOW)).holiday_region is None
    assert await teams.set_holiday_region("slack:T1", "us", "ny")
    assert (await teams.ensure("slack:T1", "schools", 5, NOW)).holiday_region == HolidayRegion(
        "US", "NY"
    )
    with pytest.raises(RegionError):
        await teams.set_holiday_region("slack:T1", "US", "Ontario")
    assert (await teams.get("slack:T1")).holiday_region == HolidayRegion("US", "NY")  # type: ignore[union-attr]
    await teams.set_holiday_region("slack:T1", None)
    assert (await teams.get("slack:T1")).holiday_region is None  # type: ignore[union-attr]
