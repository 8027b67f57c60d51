"""A cohort's calendar: working days, quiet hours and holidays, and moving posts off them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache

from dateutil.rrule import rrulestr  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.rollouts.cadence import WEEKDAYS, Cadence, QuietHours, Rhythm, Weekday

# A post never wanders further than this looking for an allowed slot (a long closure, say).
MAX_SHIFT_DAYS = 60


class CohortCalendar(BaseModel):
    """When a cohort may be posted to; holidays are dates or RFC 5545 rules (FREQ=YEARLY;...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    working_days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    quiet_hours: QuietHours | None = None
    holidays: tuple[date, ...] = ()
    holiday_rules: tuple[str, ...] = Field(default=(), max_length=50)
    # The facilitator's choice of how often prompts come; None follows the cadence file.
    prompt_rhythm: Rhythm | None = None

    @field_validator("working_days")
    @classmethod
    def _some_working_day(cls, value: tuple[Weekday, ...]) -> tuple[Weekday, ...]:
        if not value:
            raise ValueError("at least one working day is needed")
        return value

    @field_validator("holiday_rules")
    @classmethod
    def _valid_rules(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for rule in value:
            try:
                rrulestr(rule, dtstart=datetime(2000, 1, 1))  # noqa: DTZ001 (a local rule)
            except (ValueError, TypeError) as error:
                raise ValueError(f"holiday rule {rule!r} is not an RRULE ({error})") from None
        return value

    @classmethod
    def from_cadence(cls, cadence: Cadence, **changes: object) -> CohortCalendar:
        """The cadence's defaults, with the cohort's own changes."""
        base: dict[str, object] = {
            "working_days": cadence.working_days,
            "quiet_hours": cadence.quiet_hours,
        }
        base.update({key: value for key, value in changes.items() if value is not None})
        return cls.model_validate(base)

    @cached_property
    def _weekdays(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(day) for day in self.working_days)

    def holidays_between(self, start: date, end: date) -> frozenset[date]:
        """Every holiday from `start` to `end`, rules expanded."""
        found = {day for day in self.holidays if start <= day <= end}
        since = datetime(start.year, 1, 1)  # noqa: DTZ001 (rules speak of local dates)
        for rule in self.holiday_rules:
            expanded = rrulestr(rule, dtstart=since)
            until = datetime.combine(end, time.max)
            found.update(moment.date() for moment in expanded.between(since, until, inc=True))
        return frozenset(day for day in found if start <= day <= end)

    def is_open_day(self, day: date, holidays: frozenset[date]) -> bool:
        """A working day that is not a holiday."""
        return day.weekday() in self._weekdays and day not in holidays

    def open_days(self, avoid: frozenset[date]) -> OpenDays:
        """This calendar's open days and slots, keeping off the days in `avoid` too."""
        return _open_days(self, avoid)

    def is_quiet(self, moment: time) -> bool:
        """Within the quiet hours."""
        quiet = self.quiet_hours
        if quiet is None:
            return False
        if quiet.start <= quiet.end:
            return quiet.start <= moment < quiet.end
        return moment >= quiet.start or moment < quiet.end


class OpenDays:
    """A calendar's allowed days and slots around a set of days to avoid, each answer kept.

    Cohorts planned together mostly share their calendar, so one of these serves them all: a
    post's slot is worked out once per wanted time, not once per post.
    """

    # Beyond this many kept slots the oldest answers are dropped; they are cheap to work out again.
    KEPT = 20_000

    def __init__(self, calendar: CohortCalendar, avoid: frozenset[date]) -> None:
        self.calendar = calendar
        self.avoid = avoid
        self._slots: dict[tuple[datetime, bool], datetime | None] = {}

    def is_open(self, day: date) -> bool:
        """A working day not among the days to avoid."""
        return self.calendar.is_open_day(day, self.avoid)

    def shift(self, wanted: datetime, *, later: bool) -> datetime | None:
        """The nearest allowed local slot at or after (`later`) or before `wanted`, or None."""
        asked = (wanted, later)
        if asked in self._slots:
            return self._slots[asked]
        if len(self._slots) >= self.KEPT:
            del self._slots[next(iter(self._slots))]
        found = self._slots[asked] = self._search(wanted, later=later)
        return found

    def _search(self, wanted: datetime, *, later: bool) -> datetime | None:
        calendar = self.calendar
        quiet = calendar.quiet_hours
        moment = wanted
        for _ in range(MAX_SHIFT_DAYS * 2):
            if quiet is not None and calendar.is_quiet(moment.time()):
                end = quiet.end
                if later and moment.time() >= end and quiet.start > end:
                    moment = datetime.combine(moment.date() + timedelta(days=1), end)
                else:
                    moment = datetime.combine(moment.date(), end)
                continue
            if not self.is_open(moment.date()):
                moment += timedelta(days=1 if later else -1)
                continue
            return moment
        return None


@lru_cache(maxsize=64)
def _open_days(calendar: CohortCalendar, avoid: frozenset[date]) -> OpenDays:
    return OpenDays(calendar, avoid)
