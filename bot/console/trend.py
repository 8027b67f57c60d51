""" "How it is going": the team's weekly check-ins as a chart and in words, from releases only.

The figures are exactly those of `report`: the weeks `bot.features.insights` makes of the polls'
releases (`bot.release`), each as its `row_line`. A week is drawn only once it has a release, so
the chart shows nothing the report does not (docs/PRIVACY.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.features.insights import WeekRow, row_line, shown_weeks
from bot.release import figures_line

# As many weeks as `report` lists: a quarter, read at a glance.
WEEKS = 12
BANDS = ("low (0-1)", "middle (2-3)", "high (4-5)")


@dataclass(frozen=True)
class Bar:
    """One released week as the chart draws it: three bands' shares across one bar."""

    label: str  # `Week of 15 Mar`
    shares: tuple[int, int, int]
    average: str  # `about 3.2`, or "" when nobody answered
    answered: int

    def segments(self) -> list[tuple[str, int, int]]:
        """(band, where it starts, how wide), in percent of the bar."""
        found, start = [], 0
        for band, share in zip(BANDS, self.shares, strict=True):
            found.append((band, start, share))
            start += share
        return found


@dataclass(frozen=True)
class Trend:
    """The chart's bars, the report's lines, and the chart said in words for its alt text."""

    bars: tuple[Bar, ...]
    lines: tuple[str, ...]
    described: str
    bands: tuple[str, ...] = BANDS


def trend(rows: list[WeekRow], group_size: int) -> Trend:
    """The latest weeks: every one in words, the released ones as bars."""
    recent = rows[-WEEKS:]
    bars, said = [], []
    for row in shown_weeks(recent):
        figures = row.figures
        assert figures is not None  # shown weeks have been released
        mean = figures.mean
        label = f"Week of {row.week.day} {row.week:%b}"
        average = f"about {mean:.1f}" if mean is not None else ""
        bars.append(Bar(label, figures.shares(), average, row.answered))
        said.append(f"{label}: {row.answered} answers, {figures_line(figures)}")
    return Trend(
        bars=tuple(bars),
        lines=tuple(row_line(row, group_size) for row in recent),
        described=f"Check-ins by week. {'; '.join(said)}." if bars else "",
    )
