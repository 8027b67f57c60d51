"""Check-in reports for facilitators: weekly counts, trend chart, CSV, with suppression.

The unit of suppression is one poll: a poll's answers count towards any figure only when the poll
itself reached the minimum group size. Every figure anywhere (a poll message, a report for one
channel, a report for the whole team, two reports compared) is then a sum of publishable polls,
so no difference between two outputs can reveal a withheld poll.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.storage.polls import FIST_TO_FIVE, PollTotals

SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class WeekRow:
    """One week (Monday) in one channel, or in the whole team when `place` is None."""

    week: date
    place: str | None
    answered: int  # answers in publishable polls only
    counts: tuple[int, ...] | None  # None when every poll that week was withheld
    withheld_polls: int

    @property
    def mean(self) -> float | None:
        """The average answer, 0 to 5."""
        if not self.counts or self.answered == 0:
            return None
        return sum(value * count for value, count in enumerate(self.counts)) / self.answered


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_rows(totals: list[PollTotals], min_group_size: int, by_place: bool) -> list[WeekRow]:
    """Rows of weeks (per channel, or for the team), oldest first, from publishable polls only."""
    groups: dict[tuple[date, str | None], list[PollTotals]] = defaultdict(list)
    for item in totals:
        key = (_monday(item.poll.opened_at.date()), item.poll.place if by_place else None)
        groups[key].append(item)
    rows = []
    for (week, place), items in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        shown = [item for item in items if item.total >= min_group_size]
        counts = None
        if shown:
            counts = tuple(sum(item.counts[v] for item in shown) for v in FIST_TO_FIVE)
        rows.append(
            WeekRow(
                week=week,
                place=place,
                answered=sum(item.total for item in shown),
                counts=counts,
                withheld_polls=len(items) - len(shown),
            )
        )
    return rows


def shown_weeks(rows: list[WeekRow]) -> list[WeekRow]:
    """The weeks whose figures may be shown; only these ever reach a chart."""
    return [row for row in rows if row.counts is not None]


def nothing_shown_line(min_group_size: int) -> str:
    """Why a report with check-ins has no figures and no chart."""
    return (
        f"Every week so far has fewer than {min_group_size} answers, the team's minimum group "
        "size, so nothing can be shown yet."
    )


def row_line(row: WeekRow, min_group_size: int) -> str:
    """One row as a sentence for chat."""
    where = f" in {row.place}" if row.place else ""
    if row.counts is None:
        return f"Week of {row.week:%d %b %Y}{where}: fewer than {min_group_size} answers, not shown"
    spread = "  ".join(f"{v}: {c}" for v, c in enumerate(row.counts))
    mean = f", average {row.mean:.1f}" if row.mean is not None else ""
    note = f" ({row.withheld_polls} small check-in(s) withheld)" if row.withheld_polls else ""
    return f"Week of {row.week:%d %b %Y}{where}: {row.answered} answers{mean}. {spread}{note}"


COUNT_HEADERS = ("answered", *map(str, FIST_TO_FIVE), "average")


def count_cells(answered: int, counts: tuple[int, ...] | None, mean: float | None) -> list[Any]:
    """How many answered, each answer's count and the average; every cell marked when withheld."""
    if counts is None:
        return [SUPPRESSED] * len(COUNT_HEADERS)
    return [answered, *counts, f"{mean:.2f}" if mean is not None else ""]


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """Rows as CSV text with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([header, *rows])
    return out.getvalue()


def to_csv(rows: list[WeekRow]) -> str:
    """Weeks as rows, answers 0-5 as columns; withheld cells say so."""
    return csv_text(
        ["week", "channel", *COUNT_HEADERS],
        [
            [
                row.week.isoformat(),
                row.place or "all",
                *count_cells(row.answered, row.counts, row.mean),
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
