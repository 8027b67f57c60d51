"""The team's calendar on the settings page: where its public holidays come from, its term
calendar imported from an .ics file, and single days to post on anyway. Facilitators change
it; every change re-plans the posts still to come."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from aiohttp import web
from aiohttp.web_request import FileField

from bot.rollouts.closures import TeamDays, day_words
from bot.rollouts.public_holidays import RegionError, holidays_between
from bot.rollouts.term_calendar import MAX_BYTES, TermCalendarError
from content.models import Pack
from crbot.console.actions import READ_ONLY
from crbot.console.context import ConsoleServices, Visitor, read_form
from crbot.console.pages import HEADERS, SETTINGS_PATH, message

log = logging.getLogger(__name__)

# The holidays listed ahead on the page, so a facilitator sees what the region brings.
HOLIDAYS_AHEAD = timedelta(days=366)
# A day to post anyway this far either side of today is surely a typing mistake.
FURTHEST = timedelta(days=3 * 366)


@dataclass(frozen=True)
class CalendarView:
    """The team's calendar as the settings page shows it, in words."""

    country: str
    state: str
    holidays: tuple[str, ...]
    breaks: tuple[str, ...]
    post_anyway: tuple[tuple[str, str], ...]  # (the day as a form sends it, in words)


def calendar_view(days: TeamDays, today: date) -> CalendarView:
    """What the page lists: the year's holidays, the imported breaks, the days to post anyway."""
    ahead = holidays_between(days.region, today, today + HOLIDAYS_AHEAD) if days.region else {}
    breaks = tuple(
        f"{each.name}: {day_words(each.first)}"
        + (f" to {day_words(each.last)}" if each.last != each.first else "")
        for each in days.term_breaks
        if each.last >= today
    )
    return CalendarView(
        country=days.region.country if days.region else "",
        state=(days.region.subdivision or "") if days.region else "",
        holidays=tuple(f"{day_words(day)}: {name}" for day, name in sorted(ahead.items())),
        breaks=breaks,
        post_anyway=tuple((day.isoformat(), day_words(day)) for day in sorted(days.post_anyway)),
    )


class TeamCalendarPage:
    """The settings page's calendar changes."""

    def __init__(self, services: ConsoleServices) -> None:
        self.services = services

    async def change(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """Carry out one change (`holidays`, `term-calendar`, `post-anyway`, `avoid-again`)."""
        if not visitor.may_change:
            return message("Only facilitators change the settings", READ_ONLY, status=403)
        tenant, which = visitor.session.tenant, request.match_info["which"]
        form = await read_form(request) or {}
        pack = self.services.pack_of(await self.services.team(tenant)).pack
        if which == "holidays":
            refused = await self._region(tenant, form, pack)
        elif which == "term-calendar":
            refused = await self._import(tenant, form.get("file"), pack)
        else:
            refused = await self._day(tenant, which, str(form.get("day", "")), pack)
        if refused is not None:
            log.info("console setting refused", extra={"tenant": tenant, "command": which})
            return message("Nothing has changed", refused, status=400)
        log.info("console setting changed", extra={"tenant": tenant, "command": which})
        raise web.HTTPSeeOther(f"{SETTINGS_PATH}?saved={which}", headers=HEADERS)

    async def _region(self, tenant: str, form: Mapping[str, object], pack: Pack) -> str | None:
        country = str(form.get("country", "")).strip()
        state = str(form.get("state", "")).strip()
        try:
            await self.services.calendar.set_region(tenant, country or None, state, pack)
        except RegionError as error:
            field = "The country" if error.field == "country" else "The state or province"
            return f"{field}: {error.problem}."
        return None

    async def _import(self, tenant: str, upload: object, pack: Pack) -> str | None:
        if not isinstance(upload, FileField):
            return "Choose the term calendar's .ics file, then import it."
        # The upload sits in a temporary file; reading it is a blocking call.
        data = await asyncio.to_thread(upload.file.read, MAX_BYTES + 1)
        try:
            calendar = await self.services.calendar.import_file(tenant, data, pack)
        except TermCalendarError as error:
            return f"The term calendar {upload.filename or 'file'}: {error}."
        log.info(
            "term calendar imported",
            extra={"tenant": tenant, "status": f"{len(calendar.breaks)} breaks"},
        )
        return None

    async def _day(self, tenant: str, which: str, typed: str, pack: Pack) -> str | None:
        try:
            day = date.fromisoformat(typed.strip())
        except ValueError:
            return "The day is a date like 2026-12-23."
        today = self.services.clock.now().date()
        if abs(day - today) > FURTHEST:
            return "The day is within three years of today."
        calendar = self.services.calendar
        if which == "post-anyway":
            await calendar.post_anyway(tenant, day, pack)
        elif not await calendar.avoid_again(tenant, day, pack):
            return f"{day_words(day)} was not a day to post on anyway."
        return None
