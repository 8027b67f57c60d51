"""Check-in reports for facilitators: weekly figures, trend chart, CSV, from releases only.

Every figure here is a sum of polls' releases (`bot.release`): a poll counts towards a week only
once it has been released, and its release changes only after the group size of distinct people
acted on it. So no report, and no pair of reports, shows more than the releases themselves.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.release import Figures, combined, figures_line
from bot.storage.polls import PollFigures

SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class WeekRow:
    """One week (Monday) in one channel, or in the whole team when `place` is None."""

    week: date
    place: str | None
    figures: Figures | None  # None while no poll that week has been released
    withheld_polls: int

    @property
    def answered(self) -> int:
        """How many answers the released polls of the week stand for."""
        return self.figures.respondents if self.figures else 0

    @property
    def mean(self) -> float | None:
        """The average answer, 0 to 5, as the releases tell it."""
        return self.figures.mean if self.figures else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_rows(polls: list[PollFigures], by_place: bool) -> list[WeekRow]:
    """Rows of weeks (per channel, or for the team), oldest first, from released polls only."""
    groups: dict[tuple[date, str | None], list[PollFigures]] = defaultdict(list)
    for item in polls:
        key = (_monday(item.poll.opened_at.date()), item.poll.place if by_place else None)
        groups[key].append(item)
    rows = []
    for (week, place), items in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        released = [item.release for item in items if item.release is not None]
        rows.append(
            WeekRow(
                week=week,
                place=place,
                figures=combined(released),
                withheld_polls=len(items) - len(released),
            )
        )
    return rows


def shown_weeks(rows: list[WeekRow]) -> list[WeekRow]:
    """The weeks whose figures may be shown; only these ever reach a chart."""
    return [row for row in rows if row.figures is not None]


def nothing_shown_line(min_group_size: int) -> str:
    """Why a report with check-ins has no figures and no chart."""
    return (
        f"No check-in has reached {min_group_size} answers, the team's group size, "
        "so nothing can be shown yet."
    )


def row_line(row: WeekRow, min_group_size: int) -> str:
    """One row as a sentence for chat."""
    where = f" in {row.place}" if row.place else ""
    if row.figures is None:
        return f"Week of {row.week:%d %b %Y}{where}: fewer than {min_group_size} answers, not shown"
    note = f" ({row.withheld_polls} small check-in(s) withheld)" if row.withheld_polls else ""
    figures = figures_line(row.figures)
    return f"Week of {row.week:%d %b %Y}{where}: {row.answered} answers, {figures}{note}"


COUNT_HEADERS = ("answered", "low %", "middle %", "high %", "average")


def count_cells(figures: Figures | None) -> list[Any]:
    """How many answered, the three bands' shares and the average; every cell marked when
    withheld."""
    if figures is None:
        return [SUPPRESSED] * len(COUNT_HEADERS)
    mean = figures.mean
    return [figures.respondents, *figures.shares(), f"{mean:.2f}" if mean is not None else ""]


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """Rows as CSV text with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([header, *rows])
    return out.getvalue()


def to_csv(rows: list[WeekRow]) -> str:
    """Weeks as rows, the bands and the average as columns; withheld cells say so."""
    return csv_text(
        ["week", "channel", *COUNT_HEADERS],
        [
            [
                row.week.isoformat(),
                row.place or "all",
                *count_cells(row.figures),
            ]
            for row in rows
        ],
    )


def to_png(rows: list[WeekRow], title: str) -> bytes:
    """The trend as a chart: average answer per week, and how many answered.

    Only shown weeks are drawn, and callers check `shown_weeks` first: a chart of withheld weeks
    alone would be empty, confusing, and still a hint that answers exist.
    """
    shown = shown_weeks(rows)
    if not shown:
        raise ValueError("no week can be shown, so there is no chart")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, answers_axis = pyplot.subplots(figsize=(8, 4.5), dpi=100)
    try:
        weeks = list(range(len(shown)))
        answers_axis.bar(weeks, [row.answered for row in shown], width=0.6, color="#c9d8e8")
        answers_axis.set_ylabel("answers")
        answers_axis.set_xticks(weeks, [f"{row.week:%d %b}" for row in shown])
        mean_axis = answers_axis.twinx()
        means = [row.mean or 0.0 for row in shown]
        mean_axis.plot(weeks, means, marker="o", color="#2f6f4f")
        mean_axis.set_ylim(0, 5)
        mean_axis.set_ylabel("average, fist (0) to five")
        answers_axis.set_title(title)
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        pyplot.close(figure)
