"""Planning a rollout: the cadence around circles, working days, holidays, quiet hours and DST."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.rollouts.cadence import Cadence, load_cadence
from bot.rollouts.days import CohortCalendar
from bot.rollouts.plan import Circle, PlanError, PlannedPost, expand, validate
from bot.rollouts.plan import parse_local as at
from content.loader import LoadedPack
from content.models import Pack

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def pack(packs: dict[str, LoadedPack]) -> Pack:
    return packs["healthcare"].pack


@pytest.fixture
def cadence() -> Cadence:
    return load_cadence()


def plan(
    pack: Pack,
    cadence: Cadence,
    circles: list[Circle],
    zone: str = "Europe/London",
    **calendar: object,
) -> list[PlannedPost]:
    validate(circles, zone, pack, cadence, NOW)
    return expand(circles, zone, CohortCalendar.from_cadence(cadence, **calendar), cadence, pack)


def of_kind(posts: list[PlannedPost], kind: str, section: int | None = None) -> list[PlannedPost]:
    return [p for p in posts if p.kind == kind and (section is None or p.section == section)]


TWO = [Circle(1, at("2027-03-16T09:00")), Circle(2, at("2027-04-13T09:00"))]


def test_the_cadence_places_each_kind_around_its_circle(pack: Pack, cadence: Cadence) -> None:
    posts = plan(pack, cadence, TWO)
    (intro,) = of_kind(posts, "intro", 2)
    assert intro.local.date() <= date(2027, 4, 13) - timedelta(days=4)
    assert of_kind(posts, "visual", 1)[0].local.date() == date(2027, 3, 17)
    assert of_kind(posts, "practice", 1)[0].local.date() == date(2027, 3, 18)
    assert len(of_kind(posts, "leader-note")) == 2
    prompts = of_kind(posts, "prompt", 1)
    assert all(p.local.weekday() < 5 for p in prompts)
    assert all(date(2027, 3, 19) <= p.local.date() < date(2027, 4, 13) for p in prompts)
    checkins = of_kind(posts, "checkin", 1)
    assert [c.local.date() for c in checkins] == [
        date(2027, 3, 23) + timedelta(weeks=w) for w in range(3)
    ]
    assert {p.title for p in of_kind(posts, "survey")} == {
        "Pre-programme survey",
        "Post-programme survey",
    }
    assert posts == sorted(posts, key=lambda p: p.due_at)


def test_a_post_on_a_holiday_moves_to_the_next_open_slot_and_prompts_skip_it(
    pack: Pack, cadence: Cadence
) -> None:
    # The visual falls on Wednesday 17 March; the intro for section 2 on Friday 9 April.
    posts = plan(
        pack, cadence, TWO, holidays=(date(2027, 3, 17), date(2027, 4, 9), date(2027, 3, 24))
    )
    assert of_kind(posts, "visual", 1)[0].local.date() == date(2027, 3, 18)
    # Preparation moves earlier, never closer to the circle.
    assert of_kind(posts, "intro", 2)[0].local.date() == date(2027, 4, 8)
    assert date(2027, 3, 24) not in {p.local.date() for p in of_kind(posts, "prompt")}


def test_a_recurring_holiday_rule_and_working_days_are_honoured(
    pack: Pack, cadence: Cadence
) -> None:
    # Every Friday is a holiday, and the team works Monday to Thursday only.
    posts = plan(
        pack,
        cadence,
        TWO,
        working_days=("mon", "tue", "wed", "thu", "sat"),
        holiday_rules=("FREQ=WEEKLY;BYDAY=SA",),
    )
    assert all(p.local.weekday() < 4 for p in posts)


def test_a_post_in_quiet_hours_waits_for_them_to_end(pack: Pack, cadence: Cadence) -> None:
    late = cadence.model_copy(
        update={"visual": cadence.visual.model_copy(update={"time": time(21, 0)})}  # type: ignore[union-attr]
    )
    posts = plan(pack, late, TWO)
    assert of_kind(posts, "visual", 1)[0].local.replace(tzinfo=None) == at("2027-03-18T08:00")


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # US clocks go forward on 14 March 2027, UK clocks on 28 March 2027.
        ("America/New_York", "-05:00", "-04:00"),
        ("Europe/London", "+00:00", "+01:00"),
    ],
)
def test_posts_keep_their_local_time_when_clocks_go_forward(
    pack: Pack, cadence: Cadence, zone: str, before: str, after: str
) -> None:
    circles = [Circle(1, at("2027-03-09T09:00")), Circle(2, at("2027-04-13T09:00"))]
    posts = of_kind(plan(pack, cadence, circles, zone), "prompt", 1)
    assert {p.local.strftime("%H:%M") for p in posts} == {"09:30"}
    offsets = [p.local.isoformat()[-6:] for p in posts]
    assert offsets[0] == before and offsets[-1] == after
    gaps = {b.due_at - a.due_at for a, b in itertools.pairwise(posts)}
    assert timedelta(hours=23) in gaps or timedelta(days=2, hours=23) in gaps


@pytest.mark.parametrize(
    ("zone", "back"),
    [("America/New_York", date(2027, 11, 7)), ("Europe/London", date(2027, 10, 31))],
)
def test_a_repeated_hour_when_clocks_go_back_posts_once_and_a_skipped_hour_resolves_forward(
    pack: Pack, cadence: Cadence, zone: str, back: date
) -> None:
    # A daily post at 01:30 every day: the fall-back night has two 01:30s, still one post.
    nightly = cadence.model_copy(
        update={
            "prompt": cadence.prompt.model_copy(update={"time": time(1, 30), "every_days": 1}),  # type: ignore[union-attr]
            "quiet_hours": None,
        }
    )
    circles = [
        Circle(1, datetime.combine(back - timedelta(days=10), time(9))),
        Circle(2, datetime.combine(back + timedelta(days=10), time(9))),
    ]
    validate(circles, zone, pack, nightly, NOW)
    calendar = CohortCalendar(working_days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    posts = of_kind(expand(circles, zone, calendar, nightly, pack), "prompt")
    on_the_night = [p for p in posts if p.local.date() == back]
    assert len(on_the_night) == 1
    assert len({p.key("r", "C1") for p in posts}) == len(posts)


def test_a_nonexistent_local_time_moves_forward_by_the_gap() -> None:
    from zoneinfo import ZoneInfo

    from bot.rollouts.plan import to_utc

    zone = ZoneInfo("America/New_York")
    spring = to_utc(at("2027-03-14T02:30"), zone).astimezone(zone)
    assert spring.strftime("%H:%M%z") == "03:30-0400"
    autumn = to_utc(at("2027-11-07T01:30"), zone).astimezone(zone)
    assert autumn.strftime("%H:%M%z") == "01:30-0400"


def test_the_last_section_leads_into_monthly_sustainment_with_culture_agreements(
    pack: Pack, cadence: Cadence
) -> None:
    circles = [Circle(7, at("2027-03-16T09:00")), Circle(8, at("2027-04-13T09:00"))]
    posts = plan(pack, cadence, circles)
    sustain = [p for p in posts if p.detail == "sustain"]
    assert len(sustain) == 12 and len(of_kind(posts, "agreements")) == 12
    assert sustain[0].local.date() >= date(2027, 4, 13) + timedelta(days=28)
    no_agreements = plan(pack, cadence, TWO)
    assert not of_kind(no_agreements, "agreements")


@pytest.mark.parametrize(
    ("circles", "zone", "problem"),
    [
        ([Circle(13, at("2027-03-16T09:00"))], "Europe/London", "Section 13 is not in"),
        ([Circle(1, at("2027-02-16T09:00"))], "Europe/London", "in the past"),
        ([Circle(1, at("2027-03-16T09:00"))], "Mars/Olympus", "not a time zone"),
        (
            [Circle(1, at("2027-04-16T09:00")), Circle(2, at("2027-03-16T09:00"))],
            "Europe/London",
            "in the order given",
        ),
        (
            [Circle(1, at("2027-03-16T09:00")), Circle(2, at("2027-03-19T09:00"))],
            "Europe/London",
            "too close",
        ),
    ],
)
def test_an_invalid_plan_is_refused_with_a_clear_message(
    pack: Pack, cadence: Cadence, circles: list[Circle], zone: str, problem: str
) -> None:
    with pytest.raises(PlanError, match=problem):
        validate(circles, zone, pack, cadence, NOW)


def test_the_shipped_cadence_file_loads_and_a_broken_one_names_its_field(tmp_path: Path) -> None:
    from bot.rollouts.cadence import CadenceError

    assert load_cadence().intro.days == -4
    broken = tmp_path / "cadence.yaml"
    broken.write_text("intro: {days: -4, time: 'nine'}\n")
    with pytest.raises(CadenceError, match=r"intro\.time"):
        load_cadence(broken)


def test_a_teams_prompt_rhythm_spreads_prompts_through_each_week(
    pack: Pack, cadence: Cadence
) -> None:
    # Section 1's prompts run from Friday 19 March to Monday 12 April; Wednesday 31 March is a
    # holiday, so that week's Wednesday prompt goes to another of its open days.
    holiday = date(2027, 3, 31)

    def prompt_days(rhythm: str | None) -> list[date]:
        posts = plan(pack, cadence, TWO, holidays=(holiday,), prompt_rhythm=rhythm)
        return [p.local.date() for p in of_kind(posts, "prompt", 1)]

    daily, three, weekly = prompt_days("daily"), prompt_days("three"), prompt_days("weekly")
    assert daily[0] == date(2027, 3, 19) and daily[-1] == date(2027, 4, 12)
    assert holiday not in daily and all(day.weekday() < 5 for day in daily)
    assert len(daily) == 16
    full_week = [day for day in three if date(2027, 3, 22) <= day <= date(2027, 3, 26)]
    assert [day.strftime("%a") for day in full_week] == ["Mon", "Wed", "Fri"]
    holiday_week = [day for day in three if date(2027, 3, 29) <= day <= date(2027, 4, 2)]
    assert [day.strftime("%a") for day in holiday_week] == ["Mon", "Thu", "Fri"]
    assert {day.strftime("%a") for day in weekly if day < date(2027, 4, 12)} >= {"Wed"}
    weeks = [day.isocalendar()[:2] for day in weekly]
    assert len(weeks) == len(set(weeks)) == 5
    assert set(three) <= set(daily) and set(weekly) <= set(daily)
    # Without a choice, the cadence file's rhythm: three a week.
    assert prompt_days(None) == three
