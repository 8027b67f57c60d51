"""Public holidays by country and state or province, from the `holidays` library."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import holidays

# Shown with a refused subdivision: more than this many names would not help anyone choose.
SHOWN_SUBDIVISIONS = 12


class RegionError(ValueError):
    """A country or subdivision the library does not know; `field` names the one to change."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class HolidayRegion:
    """Where a team's public holidays come from: a country's code and, optionally, one of its
    states or provinces, as the library spells them (`GB`, `ENG`)."""

    country: str
    subdivision: str | None = None

    @property
    def words(self) -> str:
        """`GB (ENG)`, or `GB`."""
        return f"{self.country} ({self.subdivision})" if self.subdivision else self.country


def region(country: str, subdivision: str | None = None) -> HolidayRegion:
    """The region as the library spells it; RegionError naming the field otherwise.

    Codes are matched whatever their case, and a subdivision may be named in full
    (`California` for `CA`) where the library knows the name.
    """
    supported = holidays.list_supported_countries()
    code = country.strip().upper()
    if code not in supported:
        raise RegionError(
            "country",
            f"{country.strip()!r} is not a country whose holidays I know; use its two-letter "
            "code, such as GB, US, CA or DE",
        )
    wanted = (subdivision or "").strip()
    if not wanted:
        return HolidayRegion(code)
    known = {name.upper(): name for name in supported[code]}
    aliases = getattr(holidays.country_holidays(code), "subdivisions_aliases", {}) or {}
    known.update({alias.upper(): name for alias, name in aliases.items()})
    found = known.get(wanted.upper())
    if found is None:
        listed = list(supported[code])
        more = (
            f" and {len(listed) - SHOWN_SUBDIVISIONS} more"
            if len(listed) > SHOWN_SUBDIVISIONS
            else ""
        )
        names = ", ".join(listed[:SHOWN_SUBDIVISIONS]) + more
        problem = f"{wanted!r} is not a state or province of {code}; " + (
            f"it has {names}" if listed else f"{code} has none, so leave it empty"
        )
        raise RegionError("state", problem)
    return HolidayRegion(code, found)


def holidays_between(where: HolidayRegion, start: date, end: date) -> dict[date, str]:
    """Each public holiday from `start` to `end` with its name (`Christmas Day`)."""
    found: dict[date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _year(where.country, where.subdivision, year):
            if start <= day <= end:
                found[day] = name
    return found


@functools.lru_cache(maxsize=512)
def _year(country: str, subdivision: str | None, year: int) -> tuple[tuple[date, str], ...]:
    # The library works a country's year out each time it is asked: planning asks often.
    days = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return tuple(sorted(days.items()))
