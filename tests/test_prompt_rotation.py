"""The daily prompts' rotation: fresh within a section, eight weeks apart for a team, over the
whole programme, and the same after restarts and re-plans."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]

from bot.rollouts.cadence import RHYTHMS, Rhythm, load_cadence
from bot.rollouts.days import CohortCalendar
from bot.rollouts.plan import Circle, expand
from bot.rollouts.rotation import Sent, choose, prompt_id, rotate
from content.loader import LoadedPack
from content.models import Pack

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
