"""`crbot content stats PACK`: a pack's prompts per section and how far they go over a programme."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.rollouts.cadence import load_cadence
from bot.rollouts.days import CohortCalendar
from bot.rollouts.plan import Circle, expand
from content.loader import LoadedPack
from tests.commandline import crbot, local_environment

START = date(2027, 1, 12)


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return local_environment(tmp_path / "data")


def prompt_days(pack_key: str, packs: dict[str, LoadedPack], months: int, rhythm: str) -> int:
    # The programme the command describes: a circle every `months`/12 of a year, on a weekday.
    pack = packs[pack_key].pack
    cadence = load_cadence()
    circles = []
    for index, section in enumerate(pack.sections):
        day = START + timedelta(days=round(index * months * 365.25 / 12 / 12))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        circles.append(Circle(section.number, datetime.combine(day, time(9))))
    calendar = CohortCalendar.from_cadence(cadence, prompt_rhythm=rhythm)
    posts = expand(circles, "UTC", calendar, cadence, pack)
    return sum(1 for post in posts if post.kind == "prompt")


@pytest.mark.parametrize("pack_key", ["healthcare", "schools"])
def test_content_stats_prints_each_sections_prompts_and_the_plans_prompt_days(
    environment: dict[str, str], packs: dict[str, LoadedPack], pack_key: str
) -> None:
    result = crbot(environment, "content", "stats", pack_key, "--start", START.isoformat())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    pack = packs[pack_key].pack
    total = sum(len(section.daily_prompts) for section in pack.sections)
    assert lines[0] == f"{pack_key}: {total} daily prompts"
    for section, line in zip(pack.sections, lines[1:13], strict=True):
        assert line.split()[:2] == [f"{section.number}.", str(len(section.daily_prompts))]
    rows = {(words[0], int(words[1])): words[2:] for words in (line.split() for line in lines[15:])}
    assert set(rows) == {(r, m) for r in ("daily", "three", "weekly") for m in (18, 24)}
    for (rhythm, months), (days, repeats, *shortest) in rows.items():
        assert int(days) == prompt_days(pack_key, packs, months, rhythm), (rhythm, months)
        if int(repeats):
            assert int(shortest[0]) >= 56
        else:
            assert shortest == ["none"]
    # Fewer prompts the rarer the rhythm, more the longer the programme.
    assert int(rows[("daily", 24)][0]) > int(rows[("three", 24)][0]) > int(rows[("weekly", 24)][0])
    assert int(rows[("three", 24)][0]) > int(rows[("three", 18)][0])


def test_content_stats_names_a_pack_it_cannot_find(environment: dict[str, str]) -> None:
    result = crbot(environment, "content", "stats", "no-such-pack")
    assert result.returncode == 2
    assert "no-such-pack" in result.stderr and "Traceback" not in result.stderr
