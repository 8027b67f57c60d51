"""Posting now from the programme page: each missed or uncertain post is named with "Post it
now…", which asks first and makes that post once, however often it is pressed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import sessions
from bot.storage.ledger_tables import DeliveryRow
from scheduler.ledger import LedgerStore
from tests.conftest import FrozenClock
from tests.console.site import (
    ConsoleSite,
    browser_client,
    form,
    link_of,
    page_words,
    sign_in,
)

pytestmark = pytest.mark.usefixtures("two_sections")


@pytest.fixture
async def intro(two_sections: None, engine: AsyncEngine, clock: FrozenClock) -> int:
    """The bot was away until Saturday 20 March: the survey, intro and checklist were missed.
    Returns the missed intro's row id."""
    clock.advance(days=5)
    await LedgerStore(engine).expire(clock.now(), timedelta(minutes=30))
    row_id, _ = await row_of(engine, "intro")
    return row_id


async def row_of(engine: AsyncEngine, kind: str) -> tuple[int, str]:
    """The id and status of section 1's one row of a kind."""
    async with sessions(engine)() as session:
        found = (
            await session.execute(
                select(DeliveryRow.id, DeliveryRow.status).where(
                    DeliveryRow.kind == kind, DeliveryRow.section == 1
                )
            )
        ).one()
    return found.id, found.status


def post_now_links(page: str) -> list[str]:
    """The addresses of the page's "Post it now…" links."""
    return [chunk.split('"', 1)[0] for chunk in page.split('class="post-now" href="')[1:]]


async def confirmed(client: aiohttp.ClientSession, site: ConsoleSite, path: str) -> str:
    """Open "Post it now…" and press the question's button; returns the page reached."""
    async with client.get(site.url + path) as asked:
        assert asked.status == 200
        question = await asked.text()
    chosen = form(question, "Post it now")
    async with client.post(site.url + chosen.action, data=chosen.fields) as answer:
        assert answer.status == 200, page_words(await answer.text())
        return await answer.text()


async def test_a_missed_post_is_named_and_posted_once_after_a_question(
    site: ConsoleSite, engine: AsyncEngine, intro: int
) -> None:
    async with browser_client() as client:
        programme = await sign_in(client, site, await site.link())
        words = page_words(programme)
        attention = words.split("Needs your attention", 1)[1].split("Section 1:", 1)[0]
        assert "Fri 19 Mar, 9:00: introduction for section 1 was missed" in attention
        assert f"/console/posts/{intro}" in post_now_links(programme)

        async with client.get(f"{site.url}/console/posts/{intro}") as asked:
            question = page_words(await asked.text())
        assert (
            "Introduction: Compassion in action, planned for Friday 19 March at 09:00" in question
        )
        assert "Post it in #circle now?" in question
        assert not site.chat.port.sent  # asking posts nothing

        after = page_words(await confirmed(client, site, f"/console/posts/{intro}"))

        assert "Posted in #circle: Introduction: Compassion in action" in after
        [(target, posted)] = site.chat.port.sent
        assert target.address == "#circle" and posted.summary.startswith("Coming up: Section 1")
        assert await row_of(engine, "intro") == (intro, "sent")
        assert "introduction for section 1 was missed" not in after

        async with client.get(f"{site.url}/console/posts/{intro}") as gone:
            assert gone.status == 404
    assert len(site.chat.port.sent) == 1


async def test_two_presses_at_once_make_the_post_once(
    site: ConsoleSite, engine: AsyncEngine, intro: int
) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        async with client.get(f"{site.url}/console/posts/{intro}") as asked:
            chosen = form(await asked.text(), "Post it now")

        async def press() -> int:
            async with client.post(site.url + chosen.action, data=chosen.fields) as answer:
                await answer.read()
                return answer.status

        statuses = await asyncio.gather(press(), press(), press())

    assert len(site.chat.port.sent) == 1
    assert 200 in statuses and await row_of(engine, "intro") == (intro, "sent")


async def test_a_post_that_may_not_have_gone_out_can_be_posted_now(
    site: ConsoleSite, engine: AsyncEngine, clock: FrozenClock
) -> None:
    clock.advance(days=5)
    async with sessions(engine).begin() as session:
        await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.kind == "nudge", DeliveryRow.section == 1)
            .values(status="uncertain")
        )
    nudge, _ = await row_of(engine, "nudge")
    async with browser_client() as client:
        programme = await sign_in(client, site, await site.link())
        assert "may not have gone out" in page_words(programme)
        assert f"/console/posts/{nudge}" in post_now_links(programme)
        await confirmed(client, site, f"/console/posts/{nudge}")
    assert await row_of(engine, "nudge") == (nudge, "sent")
    [(person, checklist)] = site.chat.port.private
    assert person.user_id == "fran" and not site.chat.port.sent
    assert "checklist" in checklist.plain_text().lower()


async def test_a_form_without_its_token_posts_nothing(
    site: ConsoleSite, engine: AsyncEngine, intro: int
) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        async with client.post(f"{site.url}/console/posts/{intro}", data={}) as refused:
            assert refused.status == 403
    assert not site.chat.port.sent and await row_of(engine, "intro") == (intro, "missed")


async def test_leaders_see_no_button_and_cannot_post(
    site: ConsoleSite, engine: AsyncEngine, intro: int
) -> None:
    async with browser_client() as client:
        programme = await sign_in(client, site, await site.link("lee"))
        assert not post_now_links(programme)
        chosen = form(programme, "Sign out")
        async with client.post(
            f"{site.url}/console/posts/{intro}", data={"csrf": chosen.fields["csrf"]}
        ) as refused:
            assert refused.status == 403
    assert not site.chat.port.sent


async def test_another_teams_post_is_not_there(site: ConsoleSite, intro: int) -> None:
    other = type(site.chat)(site.core, site.chat.port, tenant="test:other", channel="#theirs")
    await site.core.services.team_settings.grant("test:other", "fran", "facilitator")
    async with browser_client() as client:
        await sign_in(client, site, link_of(await other.say("fran", "console")))
        async with client.get(f"{site.url}/console/posts/{intro}") as asked:
            assert asked.status == 404
    assert not site.chat.port.sent


async def test_a_missed_note_to_leaders_offers_no_button(
    site: ConsoleSite, engine: AsyncEngine, clock: FrozenClock
) -> None:
    # Its notes to each leader would be due at its own time, already past: missed in turn.
    clock.advance(days=10)
    await LedgerStore(engine).expire(clock.now(), timedelta(minutes=30))
    note, status = await row_of(engine, "leader-note")
    assert status == "missed"
    async with browser_client() as client:
        programme = await sign_in(client, site, await site.link())
    assert "note to leaders for section 1 was missed" in page_words(programme)
    assert f"/console/posts/{note}" not in post_now_links(programme)
