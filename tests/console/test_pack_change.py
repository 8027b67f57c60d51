"""A new content pack from the settings page re-plans the posts still to come: the page first
says how many change and which circles come off, then the plan is made again from the new
pack through the rollouts service, and posts already sent stay as they went out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import sessions
from bot.storage.ledger_tables import DeliveryRow
from content.loader import LoadedPack
from tests.conftest import FrozenClock
from tests.console.site import (
    ConsoleSite,
    Form,
    browser_client,
    console_site,
    form,
    page_words,
    plan_two_sections,
    settings_page,
    sign_in,
)


def short_pack(packs: dict[str, LoadedPack]) -> LoadedPack:
    """An organisation's own pack with only the first section."""
    schools = packs["schools"]
    info = schools.pack.info.model_copy(update={"key": "short", "title": "A short pack"})
    pack = schools.pack.model_copy(update={"info": info, "sections": schools.pack.sections[:1]})
    return replace(schools, pack=pack)


@pytest.fixture
async def site(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack]
) -> AsyncIterator[ConsoleSite]:
    """The console, with a short pack installed beside the built-in ones."""
    async with console_site(engine, clock, packs | {"short": short_pack(packs)}) as running:
        yield running


async def send(client: aiohttp.ClientSession, site: ConsoleSite, chosen: Form) -> tuple[int, str]:
    async with client.post(site.url + chosen.action, data=chosen.fields) as answer:
        return answer.status, await answer.text()


async def ledger(engine: AsyncEngine) -> dict[str, tuple[str, str | None]]:
    """Every row of the ledger: key to status and body."""
    async with sessions(engine)() as session:
        rows = await session.execute(select(DeliveryRow.key, DeliveryRow.status, DeliveryRow.body))
        return {key: (status, body) for key, status, body in rows.all()}


async def choose_pack(client: aiohttp.ClientSession, site: ConsoleSite, key: str) -> str:
    """Pick the pack on the settings page: the page that answers (a question, or settings)."""
    chosen = form(await settings_page(client, site), "Change the pack")
    chosen.fields["value"] = key
    status, answer = await send(client, site, chosen)
    assert status == 200
    return answer


async def test_a_new_pack_asks_first_then_plans_the_posts_to_come_from_it(
    site: ConsoleSite, engine: AsyncEngine
) -> None:
    await plan_two_sections(site)
    services, tenant = site.core.services, site.chat.tenant
    (rollout,) = await services.rollouts.store.listing(tenant)
    # One post has gone out already: it stays as it went, whatever the new pack says.
    sent_key = next(key for key, (_, body) in (await ledger(engine)).items() if body)
    async with sessions(engine).begin() as session:
        await session.execute(
            update(DeliveryRow).where(DeliveryRow.key == sent_key).values(status="sent")
        )
    before = await ledger(engine)
    schools = services.packs["schools"].pack
    expected = await services.rollouts.unsent_plan(rollout, list(rollout.circles), schools)

    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        asked = await choose_pack(client, site, "schools")
        words = page_words(asked)
        assert "Change the content pack?" in words
        assert "The posts still to come are planned again from it" in words
        assert "Posts already sent stay as they went" in words
        assert await ledger(engine) == before  # asking changes nothing
        assert (await services.team(tenant)).pack == "healthcare"

        status, done = await send(
            client, site, form(asked, "Use Compassion Resilience for Schools")
        )

    assert status == 200 and "the posts still to come are planned from it" in page_words(done)
    assert (await services.team(tenant)).pack == "schools"
    after = await ledger(engine)
    assert after[sent_key] == before[sent_key]
    planned = {key: body for key, (status, body) in after.items() if status == "planned"}
    replanned = {post.key(rollout.id, rollout.address): post.body for post in expected}
    assert planned == {key: body for key, body in replanned.items() if key != sent_key}
    changed = sum(1 for key in planned if before.get(key) != ("planned", planned[key]))
    changed += sum(
        1 for key, (status, _) in before.items() if status == "planned" and key not in after
    )
    assert changed > 0 and f"{changed} posts of the plan change" in words


async def test_a_pack_without_a_section_takes_its_circle_off_after_saying_so(
    site: ConsoleSite, engine: AsyncEngine
) -> None:
    await plan_two_sections(site)
    services, tenant = site.core.services, site.chat.tenant

    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        asked = await choose_pack(client, site, "short")
        assert "A short pack has no section 2, so its circle in #circle comes off" in page_words(
            asked
        )
        status, _ = await send(client, site, form(asked, "Use A short pack"))

    assert status == 200
    (rollout,) = await services.rollouts.store.listing(tenant)
    assert [circle.section for circle in rollout.circles] == [1]
    async with sessions(engine)() as session:
        left = await session.scalars(
            select(DeliveryRow.section).where(DeliveryRow.status == "planned")
        )
        assert set(left.all()) == {1}


async def test_a_pack_that_would_leave_a_programme_with_no_circle_changes_nothing(
    site: ConsoleSite, engine: AsyncEngine
) -> None:
    await site.chat.say("fran", "schedule 2 2027-04-20 09:00 Europe/London")
    before = await ledger(engine)

    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        chosen = form(await settings_page(client, site), "Change the pack")
        chosen.fields["value"] = "short"
        status, answer = await send(client, site, chosen)

    assert status == 400 and "End that programme first" in page_words(answer)
    assert await ledger(engine) == before
    assert (await site.core.services.team(site.chat.tenant)).pack == "healthcare"


async def test_with_no_programme_running_a_new_pack_needs_no_question(site: ConsoleSite) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        answer = await choose_pack(client, site, "schools")

    assert "The team uses its new content pack" in page_words(answer)
    assert (await site.core.services.team(site.chat.tenant)).pack == "schools"
