"""The days a team's posts stay off: the public holidays where it is and the breaks in its term
calendar, less the days a facilitator said to post on anyway."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.rollouts.public_holidays import HolidayRegion, holidays_between
from bot.rollouts.term_calendar import TermBreak, grouped


@dataclass(frozen=True)
class TeamDays:
    """A team's calendar: where its holidays come from, its breaks' days, its exceptions."""

    region: HolidayRegion | None = None
    breaks: Mapping[date, str] = field(default_factory=dict)
    post_anyway: frozenset[date] = frozenset()

    def closed_between(self, start: date, end: date) -> dict[date, str]:
        """Every day to avoid from `start` to `end`, with why: the holiday's or break's name."""
        closed = holidays_between(self.region, start, end) if self.region else {}
        for day, name in self.breaks.items():
            if start <= day <= end:
                closed.setdefault(day, name)
        for day in self.post_anyway:
            closed.pop(day, None)
        return closed

    def why_closed(self, day: date) -> str | None:
        """The holiday or break that keeps posts off `day`, or None."""
        return self.closed_between(day, day).get(day)

    @property
    def term_breaks(self) -> list[TermBreak]:
        """The imported breaks, each as one span."""
        return grouped(self.breaks)


def day_words(day: date) -> str:
    """`Mon 21 Dec 2026`, as the team reads a day to avoid."""
    return f"{day:%a} {day.day} {day:%b %Y}"
