"""Term calendars as a school's system exports them, made for the tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event


def term_calendar(*events: tuple[str, date, date], repeat_yearly: str | None = None) -> bytes:
    """An .ics file of all-day events (name, first day, last day), ends exclusive as exported;
    `repeat_yearly` names one of them that comes back every year."""
    calendar = Calendar()
    calendar.add("prodid", "-//Example School//Term dates//EN")
    calendar.add("version", "2.0")
    for number, (name, first, last) in enumerate(events):
        event = Event()
        event.add("uid", f"event-{number}@school.example")
        event.add("dtstamp", datetime(2026, 8, 1, tzinfo=UTC))
        event.add("dtstart", first)
        event.add("dtend", last + timedelta(days=1))
        event.add("summary", name)
        if name == repeat_yearly:
            event.add("rrule", {"freq": "yearly", "count": 3})
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
