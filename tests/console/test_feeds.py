"""Calendar feeds: a facilitator makes one, a calendar app reads the circles with ids that last,
and a new address or stopping the feed shuts the old one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from icalendar import Calendar

from tests.console.site import (
    ConsoleSite,
    browser_client,
    form,
    forms,
    sign_in,
)

pytestmark = pytest.mark.usefixtures("two_sections")


async def start_feed(
    client: aiohttp.ClientSession, site: ConsoleSite, page: str, button: str
) -> str:
    """Press a feed button; returns the calendar address the page shows once."""
    chosen = form(page, button)
    async with client.post(site.url + chosen.action, data=chosen.fields) as made:
        assert made.status == 200
        shown = await made.text()
    start = shown.index('id="feed-address"')
    value = shown[start:].split('value="', 1)[1].split('"', 1)[0]
    return value.replace("&amp;", "&")


async def fetch(site: ConsoleSite, address: str) -> tuple[int, str]:
    """What a calendar app gets at the address (no cookies of any kind)."""
    parts = urlsplit(address)
    async with (
        aiohttp.ClientSession() as app,
        app.get(f"{site.url}{parts.path}?{parts.query}") as got,
    ):
        return got.status, await got.text()


def events(body: str) -> dict[str, Any]:
    """The calendar's events by uid."""
    return {str(event["uid"]): event for event in Calendar.from_ical(body).walk("VEVENT")}


async def test_a_calendar_app_reads_the_circles_and_their_ids_last_when_a_circle_moves(
    site: ConsoleSite,
) -> None:
    async with browser_client() as client:
        page = await sign_in(client, site, await site.link())
        address = await start_feed(client, site, page, "Make a calendar feed")
        assert address.startswith(site.url + "/console/feed.ics?token=")
        status, body = await fetch(site, address)
        assert status == 200
        before = events(body)
        (rollout,) = await site.core.services.rollouts.store.listing(site.chat.tenant)
        assert sorted(before) == [f"{rollout.id}-circle-{n}@crbot" for n in (1, 2)]
        first = next(e for uid, e in before.items() if uid.endswith("circle-1@crbot"))
        assert "Compassion in action" in str(first["summary"])
        assert "min)" in str(first["description"])
        moving = next(f for f in forms(page) if f.button == "Move the circle")
        moving.fields.update(date="2027-03-30", time="10:00")
        async with client.post(site.url + moving.action, data=moving.fields) as moved:
            assert moved.status == 200
    _, again = await fetch(site, address)
    after = events(again)
    assert sorted(after) == sorted(before)
    moved_first = next(e for uid, e in after.items() if uid.endswith("circle-1@crbot"))
    assert moved_first["dtstart"].dt.isoformat().startswith("2027-03-30T10:00")


async def test_a_new_address_shuts_the_old_one_and_stopping_shuts_them_all(
    site: ConsoleSite,
) -> None:
    async with browser_client() as client:
        page = await sign_in(client, site, await site.link())
        old = await start_feed(client, site, page, "Make a calendar feed")
        async with client.get(f"{site.url}/console/") as reloaded:
            page = await reloaded.text()
        new = await start_feed(client, site, page, "Make a new feed address")
        assert (await fetch(site, old))[0] == 404
        assert (await fetch(site, new))[0] == 200
        async with client.get(f"{site.url}/console/") as reloaded:
            page = await reloaded.text()
        stop = form(page, "Stop the feed")
        async with client.post(site.url + stop.action, data=stop.fields) as stopped:
            assert "The calendar feed is stopped" in await stopped.text()
            assert "Make a calendar feed" in await stopped.text()
    assert (await fetch(site, new))[0] == 404


async def test_an_address_with_a_made_up_secret_shows_nothing(site: ConsoleSite) -> None:
    for query in ("", "?token=", "?token=" + "a" * 43, "?token=%00", "?token=" + "b" * 500):
        assert (await fetch(site, f"{site.url}/console/feed.ics{query}"))[0] == 404


async def test_leaders_cannot_make_a_feed(site: ConsoleSite) -> None:
    async with browser_client() as client:
        page = await sign_in(client, site, await site.link("lee"))
        csrf = forms(page)[0].fields["csrf"]
        (rollout,) = await site.core.services.rollouts.store.listing(site.chat.tenant)
        path = f"{site.url}/console/feeds/{rollout.id}/start"
        async with client.post(path, data={"csrf": csrf}) as refused:
            assert refused.status == 403
    assert "Make a calendar feed" not in page
