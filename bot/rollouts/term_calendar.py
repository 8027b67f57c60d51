"""A school's or agency's term calendar, read from an .ics file: the breaks and closures in it.

An event is a break when its summary or categories say so (a half term, the Christmas
holidays, an INSET day, the office closed); the rest (term dates, parents' evenings) are left
out, and named, so whoever imported the file sees what was not taken.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import recurring_ical_events  # type: ignore[import-untyped]
from icalendar import Calendar

log = logging.getLogger(__name__)

# A term calendar is a few kilobytes; this is many years of one.
MAX_BYTES = 512 * 1024
# Repeating events are read over this span around the day of the import.
YEARS_BACK, YEARS_AHEAD = 1, 3
# No closure lasts longer than this; a longer one is a mistake in the file, not a break.
MAX_BREAK_DAYS = 120
MAX_DAYS = 1500
NAME_CHARS = 200
BREAK_WORDS = re.compile(
    r"\b(breaks?|holidays?|half[- ]?terms?|closures?|closed|vacations?|recess|inset|"
    r"no school|non[- ]pupil|staff development|training days?|shut ?down|day off|days off)\b",
    re.IGNORECASE,
)


class TermCalendarError(ValueError):
    """A file that is not a term calendar this can read; the message says why, kindly."""


@dataclass(frozen=True)
class TermBreak:
    """A break or closure: its name and its first and last days."""

    name: str
    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days it covers."""
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class TermCalendar:
    """What an .ics file says: its breaks, and the names of the events that are not breaks."""

    breaks: tuple[TermBreak, ...]
    left_out: tuple[str, ...]

    @property
    def days(self) -> dict[date, str]:
        """Every day in a break, with the break's name."""
        found: dict[date, str] = {}
        for each in self.breaks:
            for offset in range(each.days):
                found.setdefault(each.first + timedelta(days=offset), each.name)
        return found


def read_term_calendar(data: bytes, today: date) -> TermCalendar:
    """The breaks in an .ics file's bytes; TermCalendarError saying what is wrong otherwise."""
    if not data.strip():
        raise TermCalendarError("the file is empty")
    if len(data) > MAX_BYTES:
        raise TermCalendarError(f"the file is larger than {MAX_BYTES // 1024} KB")
    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        raise TermCalendarError("it is not an iCalendar (.ics) file") from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise TermCalendarError("it is not an iCalendar (.ics) file")
    since = date(today.year - YEARS_BACK, 1, 1)
    until = date(today.year + YEARS_AHEAD, 12, 31)
    try:
        events = list(recurring_ical_events.of(calendar).between(since, until))
    except Exception as error:  # the library has many ways to say a file is malformed
        log.info("term calendar refused: %s", type(error).__name__)
        raise TermCalendarError("its events could not be read (a date may be malformed)") from None
    breaks: set[TermBreak] = set()
    left_out: set[str] = set()
    for event in events:
        name = _name(event)
        span = _span(event)
        if span is None:
            continue
        if not _is_break(event, name):
            left_out.add(name)
            continue
        first, last = span
        if (last - first).days + 1 > MAX_BREAK_DAYS:
            raise TermCalendarError(
                f"{name!r} lasts more than {MAX_BREAK_DAYS} days; is its end date right?"
            )
        breaks.add(TermBreak(name, first, last))
    found = TermCalendar(tuple(sorted(breaks, key=lambda b: (b.first, b.name))), ())
    if not found.breaks:
        raise TermCalendarError(
            "it has no breaks or closures in it (events named, say, 'Half term', "
            "'Christmas holidays', 'INSET day' or 'Office closed')"
        )
    if len(found.days) > MAX_DAYS:
        raise TermCalendarError(f"its breaks cover more than {MAX_DAYS} days")
    return TermCalendar(found.breaks, tuple(sorted(left_out)))


def grouped(days: Mapping[date, str]) -> list[TermBreak]:
    """Days with their names as breaks: consecutive days of one name make one break."""
    breaks: list[TermBreak] = []
    for day in sorted(days):
        name = days[day]
        last = breaks[-1] if breaks else None
        if last is not None and last.name == name and last.last + timedelta(days=1) == day:
            breaks[-1] = TermBreak(name, last.first, day)
        else:
            breaks.append(TermBreak(name, day, day))
    return breaks


def _name(event: Any) -> str:
    summary = str(event.get("SUMMARY", "")).strip()
    printable = "".join(c for c in summary if unicodedata.category(c)[0] != "C")
    return " ".join(printable.split())[:NAME_CHARS] or "Closed"


def _is_break(event: Any, name: str) -> bool:
    categories = event.get("CATEGORIES")
    listed = categories if isinstance(categories, list) else [categories] if categories else []
    words = [name, *(str(cat) for each in listed for cat in _categories(each))]
    return any(BREAK_WORDS.search(word) for word in words)


def _categories(value: Any) -> Iterable[object]:
    cats = getattr(value, "cats", None)
    return cats if cats is not None else [value]


def _span(event: Any) -> tuple[date, date] | None:
    """The event's first and last local days; a date end is exclusive, as RFC 5545 says."""
    start = event.get("DTSTART")
    if start is None:
        return None
    first = start.dt
    end = event.get("DTEND")
    finish = end.dt if end is not None else None
    if isinstance(first, datetime):
        stop = finish if isinstance(finish, datetime) and finish > first else first
        # An event ending at midnight does not take the next day.
        last = (stop - timedelta(microseconds=1)).date() if stop > first else first.date()
        return first.date(), last
    if isinstance(finish, date) and not isinstance(finish, datetime) and finish > first:
        return first, finish - timedelta(days=1)
    return first, first
