"""The team's calendar on the console's settings page: public holidays by country and state,
a term calendar uploaded as an .ics file, and days to post on anyway."""

from __future__ import annotations

from datetime import date

import aiohttp

from bot.console.programme import ledger_entries
from tests.console.site import (
    ConsoleSite,
    browser_client,
    form,
    page_words,
    settings_page,
    sign_in,
)
from tests.term_calendars import term_calendar

# The site's clock is Monday 15 March 2027; the first circles on 23 March and 20 April.
EASTER_BREAK = term_calendar(
    ("Easter holidays", date(2027, 3, 29), date(2027, 4, 9)),
    ("Summer term", date(2027, 4, 12), date(2027, 7, 21)),
)


def upload(csrf: str, data: bytes, name: str = "term-dates.ics") -> aiohttp.FormData:
    """The import form as a browser sends it: multipart, the file and the form's token."""
    sent = aiohttp.FormData()
    sent.add_field("csrf", csrf)
    sent.add_field("file", data, filename=name, content_type="text/calendar")
    return sent


async def test_a_facilitator_sets_the_teams_public_holidays_by_country_and_state(
    site: ConsoleSite,
) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        region = form(await settings_page(client, site), "Use these public holidays")
        for country, state, words in (
            ("Narnia", "", "The country: 'Narnia' is not a country whose holidays I know"),
            ("GB", "Kent", "The state or province: 'Kent' is not a state or province of GB"),
        ):
            region.fields.update(country=country, state=state)
            async with client.post(site.url + region.action, data=region.fields) as refused:
                assert refused.status == 400
                assert words in page_words(await refused.text())
        assert (await site.core.services.team(site.chat.tenant)).holiday_region is None
        region.fields.update(country="gb", state="eng")
        async with client.post(site.url + region.action, data=region.fields) as answer:
            assert answer.status == 200
            words = page_words(await answer.text())
    assert "The team's public holidays are changed" in words
    assert "Fri 26 Mar 2027: Good Friday" in words
    assert "Sat 25 Dec 2027: Christmas Day" in words
    team = await site.core.services.team(site.chat.tenant)
    assert (team.holiday_country, team.holiday_subdivision) == ("GB", "ENG")


async def test_an_imported_term_calendar_moves_the_posts_off_its_breaks(
    site: ConsoleSite,
) -> None:
    await site.chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    await site.chat.say("fran", "schedule 2 2027-04-20 09:00 Europe/London")
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        page = await settings_page(client, site)
        assert "No term calendar is imported." in page_words(page)
        csrf = form(page, "Import the term calendar").fields["csrf"]
        path = site.url + "/console/settings/term-calendar"
        async with client.post(path, data=upload(csrf, EASTER_BREAK)) as answer:
            assert answer.status == 200
            words = page_words(await answer.text())
    assert "The term calendar is imported" in words
    assert "Easter holidays: Mon 29 Mar 2027 to Fri 9 Apr 2027" in words
    assert "Summer term" not in words
    store = site.core.services.rollouts.store
    (rollout,) = await store.listing(site.chat.tenant)
    ledger = await ledger_entries(store.sessions, site.chat.tenant, rollout.id)
    days = {entry.due_at.date() for entry in ledger.values()}
    assert len(days) > 10
    assert not {day for day in days if date(2027, 3, 29) <= day <= date(2027, 4, 9)}
    assert date(2027, 4, 12) in days  # what the break held comes the Monday after


async def test_a_file_that_is_no_term_calendar_is_refused_clearly_and_changes_nothing(
    site: ConsoleSite,
) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        csrf = form(await settings_page(client, site), "Import the term calendar").fields["csrf"]
        path = site.url + "/console/settings/term-calendar"
        for data, status, words in (
            (b"Name,Start\nHalf term,2026-10-26\n", 400, "term-dates.ics: it is not an iCalendar"),
            (b"\xff\xfe\x00garbage", 400, "it is not an iCalendar"),
            (b"BEGIN:VCALENDAR\r\n" + b"X" * 600_000, 400, "larger than 512 KB"),
            (b"X" * (1024 * 1024 + 1), 413, "A term calendar is a few kilobytes"),
        ):
            async with client.post(path, data=upload(csrf, data)) as refused:
                assert refused.status == status
                assert words in page_words(await refused.text())
        no_file = aiohttp.FormData({"csrf": csrf})
        async with client.post(path, data=no_file) as refused:
            assert refused.status == 400
            assert "Choose the term calendar's .ics file" in page_words(await refused.text())
        async with client.post(path, data=upload("forged", EASTER_BREAK)) as forged:
            assert forged.status == 403
    assert await site.core.services.calendar.store.days(site.chat.tenant) == ({}, frozenset())


async def test_a_facilitator_posts_on_a_day_of_a_break_anyway_and_takes_it_back(
    site: ConsoleSite,
) -> None:
    tenant = site.chat.tenant
    await site.core.services.calendar.store.replace_breaks(tenant, {date(2027, 4, 1): "Easter"})
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        anyway = form(await settings_page(client, site), "Post on this day anyway")
        for typed in ("tomorrow", "2035-01-01"):
            anyway.fields["day"] = typed
            async with client.post(site.url + anyway.action, data=anyway.fields) as refused:
                assert refused.status == 400
        anyway.fields["day"] = "2027-04-01"
        async with client.post(site.url + anyway.action, data=anyway.fields) as answer:
            page = await answer.text()
        assert "Posts still to come may go out on that day." in page_words(page)
        assert (await site.core.services.calendar.days(tenant)).why_closed(date(2027, 4, 1)) is None
        again = form(page, "Keep off Thu 1 Apr 2027 again")
        async with client.post(site.url + again.action, data=again.fields) as answer:
            assert "keep off that day again" in page_words(await answer.text())
        async with client.post(site.url + again.action, data=again.fields) as refused:
            assert refused.status == 400
    assert (await site.core.services.calendar.days(tenant)).why_closed(date(2027, 4, 1)) == "Easter"
