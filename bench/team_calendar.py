"""Team calendar benchmark: what keeping posts off a team's holidays and term breaks costs.

In one run it times, taking turns round by round so that whatever else the machine does hits
both alike, expanding a twelve-section plan

- as the baseline, with the cohort's own calendar alone;
- with a team's days to avoid: England's public holidays over the plan's span and a school's
  term breaks (about 70 days a year), looked up as `Rollouts.closed_days` does;

and prints each one's median with its ratio to the baseline, then how long reading a term
calendar's .ics file takes.

    .venv/bin/python bench/team_calendar.py           # 200 rounds
    .venv/bin/python bench/team_calendar.py --quick   # 30 rounds: a few seconds
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.rollouts.cadence import load_cadence
from bot.rollouts.closures import TeamDays
from bot.rollouts.days import CohortCalendar
from bot.rollouts.plan import Circle, expand, span
from bot.rollouts.public_holidays import HolidayRegion
from bot.rollouts.term_calendar import read_term_calendar
from content.loader import load_packs
from tests.term_calendars import term_calendar

ZONE = "Europe/London"
CIRCLES = [
    Circle(section=n, local=datetime(2027, 9, 7, 9) + timedelta(days=14 * (n - 1)))  # noqa: DTZ001
    for n in range(1, 13)
]
TERM_DATES = term_calendar(
    ("Autumn half term", date(2027, 10, 25), date(2027, 10, 29)),
    ("Christmas holidays", date(2027, 12, 20), date(2028, 1, 3)),
    ("Spring half term", date(2028, 2, 14), date(2028, 2, 18)),
    ("Easter holidays", date(2028, 4, 3), date(2028, 4, 14)),
    ("Summer half term", date(2028, 5, 29), date(2028, 6, 2)),
    ("Summer holidays", date(2028, 7, 21), date(2028, 9, 1)),
    ("INSET day", date(2027, 9, 6), date(2027, 9, 6)),
    repeat_yearly="INSET day",
)


def main() -> None:
    """Time both, round by round, and print the medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 rounds")
    rounds = 30 if parser.parse_args().quick else 200
    pack = load_packs()["schools"].pack
    cadence = load_cadence(None)
    calendar = CohortCalendar.from_cadence(cadence)
    today = date(2027, 8, 1)
    breaks = read_term_calendar(TERM_DATES, today).days
    days = TeamDays(HolidayRegion("GB", "ENG"), breaks, frozenset())
    timings: dict[str, list[float]] = {"cohort calendar alone": [], "with the team's days": []}
    posts = {}
    for _ in range(rounds):
        for name in timings:
            started = time.perf_counter()
            closed = days.closed_between(*span(CIRCLES)) if name != "cohort calendar alone" else {}
            posts[name] = expand(CIRCLES, ZONE, calendar, cadence, pack, closed=closed)
            timings[name].append((time.perf_counter() - started) * 1000)
    baseline = statistics.median(timings["cohort calendar alone"])
    for name, samples in timings.items():
        median = statistics.median(samples)
        print(
            f"{name:24} {median:8.2f} ms median  x{median / baseline:.2f}  "
            f"({len(posts[name])} posts)"
        )
    started = time.perf_counter()
    for _ in range(rounds):
        read_term_calendar(TERM_DATES, today)
    each = (time.perf_counter() - started) * 1000 / rounds
    print(f"reading a term calendar ({len(TERM_DATES)} bytes, {len(breaks)} days): {each:.2f} ms")


if __name__ == "__main__":
    main()
