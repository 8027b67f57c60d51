"""Changing a team's calendar (its holiday region, its term calendar, its days to post anyway),
each change re-planning its rollouts' unsent posts; the same for chat, console and CLI."""

from __future__ import annotations

from datetime import date

from bot.rollouts.closures import TeamDays
from bot.rollouts.service import Rollouts
from bot.rollouts.term_calendar import TermCalendar, read_term_calendar
from bot.storage.team_calendar import TeamCalendarStore
from bot.storage.team_settings import TeamSettingsStore
from content.models import Pack


class TeamCalendar:
    """A team's days to avoid, read and changed."""

    def __init__(
        self, settings: TeamSettingsStore, store: TeamCalendarStore, rollouts: Rollouts
    ) -> None:
        self.settings = settings
        self.store = store
        self.rollouts = rollouts

    async def days(self, tenant: str) -> TeamDays:
        """The team's holidays and breaks, less its exceptions."""
        team = self.settings.remembered(tenant) or await self.settings.get(tenant)
        breaks, post_anyway = await self.store.days(tenant)
        return TeamDays(team.holiday_region if team else None, breaks, post_anyway)

    async def set_region(
        self, tenant: str, country: str | None, subdivision: str | None, pack: Pack
    ) -> None:
        """Keep the public holidays of a country (and state or province), or none; RegionError
        naming the field for one the holidays library does not know."""
        await self.settings.set_holiday_region(tenant, country, subdivision)
        await self.rollouts.replan_team(tenant, pack)

    async def import_file(self, tenant: str, data: bytes, pack: Pack) -> TermCalendar:
        """Replace the team's term breaks with an .ics file's; TermCalendarError saying why a
        file is refused, and then nothing changes."""
        calendar = read_term_calendar(data, self.rollouts.clock.now().date())
        await self.store.replace_breaks(tenant, calendar.days)
        await self.rollouts.replan_team(tenant, pack)
        return calendar

    async def post_anyway(self, tenant: str, day: date, pack: Pack) -> None:
        """Posts may land on `day`, holiday or break."""
        await self.store.post_anyway(tenant, day)
        await self.rollouts.replan_team(tenant, pack)

    async def avoid_again(self, tenant: str, day: date, pack: Pack) -> bool:
        """Take back a day to post anyway; False when it was not one."""
        if not await self.store.avoid_again(tenant, day):
            return False
        await self.rollouts.replan_team(tenant, pack)
        return True
