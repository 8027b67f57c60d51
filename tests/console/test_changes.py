"""Changing the programme in the console: skip and pause ask first and can be undone, a circle
moves by picking a date (its posts with it), and nothing changes that should not."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import sessions
from bot.storage.ledger_tables import DeliveryRow
from tests.console.site import (
    ConsoleSite,
    Form,
    browser_client,
    form,
    forms,
    page_words,
    sign_in,
)

pytestmark = pytest.mark.usefixtures("two_sections")


async def planned(engine: AsyncEngine, section: int) -> int:
    """How many posts of a section wait in the ledger."""
    async with sessions(engine)() as session:
        count = await session.scalar(
            select(func.count()).where(
                DeliveryRow.section == section, DeliveryRow.status == "planned"
            )
        )
        return int(count or 0)


async def press(client: aiohttp.ClientSession, site: ConsoleSite, chosen: Form) -> str:
    """Send a form as its button would; returns the page reached, which must be a success."""
    async with client.post(site.url + chosen.action, data=chosen.fields) as answer:
        body = await answer.text()
        assert answer.status == 200, page_words(body)
        return body


async def rollout_id(site: ConsoleSite) -> str:
    """The team's one rollout."""
    (rollout,) = await site.core.services.rollouts.store.listing(site.chat.tenant)
    return rollout.id


async def test_skipping_a_section_asks_first_and_undo_brings_its_posts_back(
    site: ConsoleSite, engine: AsyncEngine
) -> None:
    before = await planned(engine, 2)
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        path = f"/console/programme/{await rollout_id(site)}/skip?section=2"
        async with client.get(site.url + path) as asked:
            question = await asked.text()
        assert "Skip section 2, " in page_words(question)
        assert await planned(engine, 2) == before
        done = await press(client, site, form(question, "Skip it"))
        assert "Section 2 is skipped; its posts are off the plan." in page_words(done)
        assert "Skipped; its circle was Tue 20 Apr, 9:00." in page_words(done)
        assert await planned(engine, 2) == 0
        back = await press(client, site, form(done, "Undo"))
        assert "Section 2 is back on the plan, with its posts." in page_words(back)
        assert await planned(engine, 2) == before


async def test_pausing_asks_first_and_undo_runs_the_programme_again(site: ConsoleSite) -> None:
    store = site.core.services.rollouts.store
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        async with client.get(
            f"{site.url}/console/programme/{await rollout_id(site)}/pause"
        ) as asked:
            question = await asked.text()
        assert "Nothing is posted until you resume it" in page_words(question)
        done = await press(client, site, form(question, "Pause"))
        assert "The programme is paused" in page_words(done)
        assert [r.status for r in await store.listing(site.chat.tenant)] == ["paused"]
        await press(client, site, form(done, "Undo"))
        assert [r.status for r in await store.listing(site.chat.tenant)] == ["active"]


async def test_a_circle_moves_by_picking_a_date_its_posts_move_and_undo_moves_it_back(
    site: ConsoleSite,
) -> None:
    async with browser_client() as client:
        page = await sign_in(client, site, await site.link())
        (moving, _) = [each for each in forms(page) if each.button == "Move the circle"]
        assert moving.fields["section"] == "1"
        assert (moving.fields["date"], moving.fields["time"]) == ("2027-03-23", "09:00")
        moving.fields.update(date="2027-03-30", time="10:00")
        done = await press(client, site, moving)
        assert (
            "Section 1's circle is now Tue 30 Mar, 10:00; its posts moved with it."
            in page_words(done)
        )
        assert "Circle: Tue 30 Mar, 10:00." in page_words(done)
        # The practice two days after the circle moved a week with it.
        assert "Thu 1 Apr, 9:00: wellness practice for section 1" in page_words(done)
        back = await press(client, site, form(done, "Undo"))
        assert "Circle: Tue 23 Mar, 9:00." in page_words(back)


async def test_a_section_with_no_circle_is_planned_by_picking_a_date(site: ConsoleSite) -> None:
    async with browser_client() as client:
        page = await sign_in(client, site, await site.link())
        planning = [each for each in forms(page) if each.button == "Plan the circle"]
        assert [each.fields["section"] for each in planning] == [str(n) for n in range(3, 13)]
        planning[0].fields.update(date="2027-05-18", time="09:00")
        done = await press(client, site, planning[0])
    assert "Section 3's circle is planned for Tue 18 May, 9:00, with its posts." in page_words(done)
    assert "Circle: Tue 18 May, 9:00." in page_words(done)


async def test_a_change_that_cannot_work_changes_nothing_and_says_why(
    site: ConsoleSite, engine: AsyncEngine
) -> None:
    before = await planned(engine, 2)
    async with browser_client() as client:
        page = await sign_in(client, site, await site.link())
        (_, second) = [each for each in forms(page) if each.button == "Move the circle"]
        for date, time in (("2027-03-24", "09:00"), ("2020-01-01", "09:00"), ("soon", "9am")):
            second.fields.update(date=date, time=time)
            async with client.post(site.url + second.action, data=second.fields) as refused:
                assert refused.status == 400
                assert "nothing has changed" in page_words(await refused.text())
    assert await planned(engine, 2) == before


async def test_a_change_without_the_forms_token_is_refused(
    site: ConsoleSite, engine: AsyncEngine
) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        path = f"{site.url}/console/programme/{await rollout_id(site)}/skip"
        async with client.post(path, data={"section": "2", "csrf": "guess"}) as refused:
            assert refused.status == 403
    assert await planned(engine, 2) > 0


async def test_leaders_read_the_programme_but_cannot_change_it(
    site: ConsoleSite, engine: AsyncEngine
) -> None:
    async with browser_client() as client:
        page = await sign_in(client, site, await site.link("lee"))
        assert "Circle: Tue 23 Mar, 9:00." in page_words(page)
        assert [each.button for each in forms(page)] == ["Sign out"]
        csrf = forms(page)[0].fields["csrf"]
        path = f"{site.url}/console/programme/{await rollout_id(site)}/skip"
        async with client.post(path, data={"section": "2", "csrf": csrf}) as refused:
            assert refused.status == 403
        async with client.get(path, params={"section": "2"}) as asked:
            assert asked.status == 403
    assert await planned(engine, 2) > 0


async def test_a_notice_the_session_did_not_seal_is_not_shown(site: ConsoleSite) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        bait = "/console/?notice=Your+session+ended%2C+sign+in+at+example.net&rollout=x&seal=00"
        async with client.get(site.url + bait) as page:
            assert page.status == 200
            assert "example.net" not in await page.text()


async def test_another_teams_programme_cannot_be_seen_or_changed(site: ConsoleSite) -> None:
    other = type(site.chat)(site.core, site.chat.port, tenant="test:other", channel="#theirs")
    await site.core.services.team_settings.grant("test:other", "olga", "facilitator")
    await other.say("olga", "schedule 1 2027-03-23 09:00 America/Chicago")
    (theirs,) = await site.core.services.rollouts.store.listing("test:other")
    async with browser_client() as client:
        page = await sign_in(client, site, await site.link())
        csrf = forms(page)[0].fields["csrf"]
        path = f"{site.url}/console/programme/{theirs.id}"
        async with client.get(f"{path}/pause") as asked:
            assert asked.status == 404
        async with client.post(f"{path}/pause", data={"csrf": csrf}) as refused:
            assert refused.status == 404
    (still,) = await site.core.services.rollouts.store.listing("test:other")
    assert still.status == "active"
