"""The console over real HTTP: signing in with the bot's link, the programme page, signing out."""

from __future__ import annotations

import html

from sqlalchemy.ext.asyncio import AsyncEngine

from content.loader import LoadedPack
from tests.conftest import FrozenClock
from tests.console.site import (
    ConsoleSite,
    browser_client,
    console_site,
    hidden_fields,
    local,
    page_words,
    plan_two_sections,
    sign_in,
)


async def test_a_link_from_chat_signs_in_and_shows_every_post_in_the_teams_words(
    site: ConsoleSite,
) -> None:
    # Monday 15 March 2027; the first circles on Tuesday 23 March and Tuesday 20 April.
    await plan_two_sections(site)
    async with browser_client() as client:
        words = page_words(await sign_in(client, site, await site.link()))
    assert "Section 1: " in words and "Section 12: " in words
    assert "Circle: Tue 23 Mar, 9:00." in words
    assert "Circle: Tue 20 Apr, 9:00." in words
    assert "Tue 16 Mar, 9:00: pre-programme survey" in words
    assert "Thu 25 Mar, 9:00: wellness practice for section 1" in words
    assert "No circle planned yet." in words
    assert "Times are in Europe/London" in words
    assert "Needs your attention" not in words


async def test_a_post_planned_in_the_past_is_named_with_a_warning(
    site: ConsoleSite, clock: FrozenClock
) -> None:
    # Four days ahead: the survey a week before the circle is already past when it is planned.
    await site.chat.say("fran", "schedule 1 2027-03-19 09:00 Europe/London")
    clock.advance(days=2, hours=1)  # Wednesday 10:00: the 9:00 checklist is overdue, unsent
    async with browser_client() as client:
        words = page_words(await sign_in(client, site, await site.link()))
    assert "Needs your attention" in words
    assert (
        "Fri 12 Mar, 9:00: pre-programme survey was already past when it was planned, "
        "so it will not be posted." in words
    )
    assert "is overdue and has not been posted yet" in words


async def test_opening_the_link_spends_nothing_so_a_link_preview_does_no_harm(
    site: ConsoleSite,
) -> None:
    link = await site.link()
    async with browser_client() as preview, preview.get(local(link, site)) as fetched:
        assert fetched.status == 200
    async with browser_client() as client:
        assert "Programme" in await sign_in(client, site, link)


async def test_a_used_link_is_refused_kindly_and_says_how_to_get_another(
    site: ConsoleSite,
) -> None:
    link = await site.link()
    async with browser_client() as first:
        await sign_in(first, site, link)
    async with browser_client() as second:
        async with second.get(local(link, site)) as landing:
            fields = hidden_fields(await landing.text())
        async with second.post(f"{site.url}/console/signin", data=fields) as refused:
            assert refused.status == 400
            assert "Type `console`" in html.unescape(await refused.text())


async def test_a_sign_in_form_not_from_the_sign_in_page_is_refused(site: ConsoleSite) -> None:
    link = await site.link()
    async with browser_client() as client, client.get(local(link, site)) as landing:
        fields = hidden_fields(await landing.text())
    # Another site's form posts the same fields, but the browser has no sign-in cookie for it.
    signin = f"{site.url}/console/signin"
    async with browser_client() as elsewhere, elsewhere.post(signin, data=fields) as refused:
        assert refused.status == 400
    async with browser_client() as client:
        assert "Programme" in await sign_in(client, site, link)


async def test_without_a_session_the_console_asks_people_to_sign_in_from_chat(
    site: ConsoleSite,
) -> None:
    async with browser_client() as client:
        async with client.get(f"{site.url}/console/") as page:
            assert page.status == 401
            assert "type `console`" in html.unescape(await page.text())
        async with client.get(f"{site.url}/console/signin") as page:
            assert page.status == 400
        async with client.get(f"{site.url}/console/", cookies={"crbot_console": "forged"}) as page:
            assert page.status == 401


async def test_the_session_cookie_is_http_only_and_same_site_and_secure_over_https(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack]
) -> None:
    for scheme, secure in (("https", True), ("http", False)):
        async with console_site(engine, clock, packs, scheme=scheme) as running:
            link = await running.link()
            async with browser_client() as client:
                async with client.get(local(link, running)) as landing:
                    fields = hidden_fields(await landing.text())
                # A Secure cookie never travels over this test's plain HTTP: it is sent by hand.
                check = {"crbot_console_signin": fields["check"]}
                async with client.post(
                    f"{running.url}/console/signin",
                    data=fields,
                    cookies=check,
                    allow_redirects=False,
                ) as answer:
                    assert answer.status == 303
                    cookie = answer.cookies["crbot_console"]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/console"
        assert bool(cookie["secure"]) is secure
        assert 0 < int(cookie["max-age"]) <= 8 * 3600


async def test_every_page_forbids_other_sites_scripts_framing_and_referrers(
    site: ConsoleSite,
) -> None:
    link = local(await site.link(), site)
    async with browser_client() as client, client.get(link) as landing:
        headers = landing.headers
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"


async def test_signing_out_needs_the_forms_token_and_ends_the_session(site: ConsoleSite) -> None:
    async with browser_client() as client:
        page = await sign_in(client, site, await site.link())
        token = hidden_fields(page)["csrf"]
        async with client.post(f"{site.url}/console/signout", data={"csrf": "guess"}) as refused:
            assert refused.status == 403
        async with client.get(f"{site.url}/console/") as still:
            assert still.status == 200
        async with client.post(f"{site.url}/console/signout", data={"csrf": token}) as done:
            assert done.status == 200 and "signed out" in await done.text()
        async with client.get(f"{site.url}/console/") as gone:
            assert gone.status == 401


async def test_someone_whose_role_was_taken_away_is_shown_the_door(site: ConsoleSite) -> None:
    await site.core.services.team_settings.grant(site.chat.tenant, "ada", "facilitator")
    async with browser_client() as client:
        await sign_in(client, site, await site.link("ada"))
        await site.core.services.team_settings.revoke(site.chat.tenant, "ada", "facilitator")
        async with client.get(f"{site.url}/console/") as page:
            assert page.status == 403


async def test_the_console_shows_only_the_signed_in_persons_own_team(site: ConsoleSite) -> None:
    # This team first: the test's plain facilitator ids hold in the first tenant the bot meets.
    await site.chat.say("fran", "schedule 1 2027-03-30 09:00 Europe/London")
    other = type(site.chat)(site.core, site.chat.port, tenant="test:other", channel="#theirs")
    await site.core.services.team_settings.grant("test:other", "olga", "facilitator")
    await other.say("olga", "schedule 1 2027-03-23 09:00 America/Chicago")
    async with browser_client() as client:
        words = page_words(await sign_in(client, site, await site.link()))
    assert "Europe/London" in words and "#circle" in words
    assert "America/Chicago" not in words and "#theirs" not in words
