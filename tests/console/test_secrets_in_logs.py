"""The console's secrets (a link's token, a session, a feed's address) never reach a log line."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.console.site import ConsoleSite, browser_client, form, local, sign_in

pytestmark = pytest.mark.usefixtures("two_sections")


async def test_no_token_of_the_console_is_ever_logged(
    site: ConsoleSite, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        link = await site.link()
        async with browser_client() as client:
            page = await sign_in(client, site, link)
            feed = form(page, "Make a calendar feed")
            async with client.post(site.url + feed.action, data=feed.fields) as made:
                shown = await made.text()
            address = shown.split('id="feed-address"', 1)[1].split('value="', 1)[1].split('"')[0]
            async with client.get(local(address.replace("&amp;", "&"), site)) as calendar:
                assert calendar.status == 200
            session = next(c.value for c in client.cookie_jar if c.key == "crbot_console")
    secrets = [
        parse_qs(urlsplit(link).query)["token"][0],
        parse_qs(urlsplit(address).query)["token"][0],
        session,
    ]
    lines = [record.getMessage() + repr(record.__dict__) for record in caplog.records]
    assert any("GET /console/signin 200" in line for line in lines)
    assert any("GET /console/feed.ics 200" in line for line in lines)
    assert not [line for line in lines for secret in secrets if secret in line]
