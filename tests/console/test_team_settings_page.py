"""The team's time zone, content pack and people on the console's settings page: a zone keeps
circles at their local times, only installed packs are offered, and the team always keeps a
facilitator."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import sessions
from bot.storage.ledger_tables import DeliveryRow
from bot.storage.rollouts import utc
from tests.console.site import (
    ConsoleSite,
    Form,
    browser_client,
    form,
    forms,
    link_of,
    page_words,
    sign_in,
)


async def settings_page(client: aiohttp.ClientSession, site: ConsoleSite) -> str:
    """The settings page as the signed-in client sees it."""
    async with client.get(f"{site.url}/console/settings") as shown:
        assert shown.status == 200
        return await shown.text()


async def send(client: aiohttp.ClientSession, site: ConsoleSite, chosen: Form) -> tuple[int, str]:
    """Send a form as its button would: the status and the words of the page reached."""
    async with client.post(site.url + chosen.action, data=chosen.fields) as answer:
        return answer.status, page_words(await answer.text())


@pytest.mark.usefixtures("two_sections")
async def test_a_new_time_zone_keeps_each_circle_at_its_local_time(
    site: ConsoleSite, engine: AsyncEngine
) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        zone = form(await settings_page(client, site), "Change the time zone")
        assert zone.fields["value"] == "Europe/London"  # the team's programme's, at first
        for refused in ("Mars/Olympus", "localtime", "../../etc/passwd", ""):
            zone.fields["value"] = refused
            status, words = await send(client, site, zone)
            assert status == 400 and "Nothing has changed" in words
        zone.fields["value"] = "America/Chicago"
        status, words = await send(client, site, zone)
        assert status == 200 and "its circles keep their local times" in words
        async with client.get(f"{site.url}/console/") as shown:
            programme = page_words(await shown.text())
    assert "Times are in America/Chicago" in programme
    assert "Circle: Tue 23 Mar, 9:00." in programme
    team = await site.core.services.team(site.chat.tenant)
    assert team.timezone == "America/Chicago"
    (rollout,) = await site.core.services.rollouts.store.listing(site.chat.tenant)
    assert rollout.timezone == "America/Chicago"
    first = next(c for c in rollout.circles if c.section == 1)
    assert first.local.isoformat() == "2027-03-23T09:00:00"
    # 9:00 in Chicago (CDT, UTC-5) is 14:00 UTC: the posts still to come moved with it.
    async with sessions(engine)() as session:
        intro = await session.scalar(
            select(DeliveryRow.due_at).where(
                DeliveryRow.kind == "intro",
                DeliveryRow.section == 1,
                DeliveryRow.status == "planned",
            )
        )
    assert intro is not None and utc(intro) == datetime(2027, 3, 19, 14, 0, tzinfo=UTC)


async def test_a_facilitator_chooses_an_installed_pack_and_nothing_else(site: ConsoleSite) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        page = await settings_page(client, site)
        pack = form(page, "Change the pack")
        pack.fields["value"] = "nonsense"
        status, words = await send(client, site, pack)
        assert status == 400 and "The content packs installed are healthcare, schools." in words
        pack.fields["value"] = "schools"
        status, words = await send(client, site, pack)
        assert status == 200 and "The team uses its new content pack" in words
    assert (await site.core.services.team(site.chat.tenant)).pack == "schools"


async def test_facilitators_add_and_remove_people_but_configured_roles_stay(
    site: ConsoleSite,
) -> None:
    services, tenant = site.core.services, site.chat.tenant
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        add = form(await settings_page(client, site), "Add a leader")
        add.fields["user"] = "kim"
        status, words = await send(client, site, add)
        assert status == 200 and "The team has a new leader." in words
        assert "leader" in await services.roles_of(tenant, "kim")
        page = await settings_page(client, site)
        assert not [f for f in forms(page) if f.button == "Remove Lee Chen as leader"]
        status, words = await send(client, site, form(page, "Remove Kim Park as leader"))
        assert status == 200 and "That person no longer leads." in words
        assert "leader" not in await services.roles_of(tenant, "kim")

        forged = form(page, "Add a facilitator")
        forged.fields.update(user="mal", csrf="forged")
        assert (await send(client, site, forged))[0] == 403
        blank = form(page, "Add a facilitator")
        blank.fields["user"] = "a b\u202e"
        assert (await send(client, site, blank))[0] == 400
        path = f"{site.url}/console/settings/roles/facilitator/remove"
        configured = {"csrf": blank.fields["csrf"], "user": "fran"}
        async with client.post(path, data=configured) as refused:
            assert refused.status == 400 and "administrator" in await refused.text()
    assert "facilitator" in await services.roles_of(tenant, "fran")
    assert "facilitator" not in await services.roles_of(tenant, "mal")


async def other_team(site: ConsoleSite, *facilitators: str) -> str:
    """A team whose facilitators are stored ones only; returns its tenant."""
    # The site's team is met first, so the configured plain ids hold there, not here.
    await site.core.services.holders(site.chat.tenant, "facilitator")
    tenant = "test:other"
    for user in facilitators:
        await site.core.services.team_settings.grant(tenant, user, "facilitator")
    return tenant


async def test_the_last_facilitator_cannot_be_removed(site: ConsoleSite) -> None:
    tenant = await other_team(site, "ola")
    chat = type(site.chat)(site.core, site.chat.port, tenant=tenant, channel="#theirs")
    async with browser_client() as client:
        await sign_in(client, site, link_of(await chat.say("ola", "console")))
        status, words = await send(
            client, site, form(await settings_page(client, site), "Remove ola as facilitator")
        )
        assert status == 400 and "The team needs a facilitator" in words
    assert "facilitator" in await site.core.services.roles_of(tenant, "ola")


async def test_two_facilitators_removing_each_other_at_once_leave_one(site: ConsoleSite) -> None:
    tenant = await other_team(site, "ola", "pat")
    chat = type(site.chat)(site.core, site.chat.port, tenant=tenant, channel="#theirs")
    async with browser_client() as ola, browser_client() as pat:
        await sign_in(ola, site, link_of(await chat.say("ola", "console")))
        await sign_in(pat, site, link_of(await chat.say("pat", "console")))
        removing_pat = form(await settings_page(ola, site), "Remove pat as facilitator")
        removing_ola = form(await settings_page(pat, site), "Remove ola as facilitator")
        results = await asyncio.gather(send(ola, site, removing_pat), send(pat, site, removing_ola))
    # The second is refused: its sender no longer facilitates (403), or would be the last (400).
    first, second = sorted(status for status, _ in results)
    assert first == 200 and second in (400, 403)
    assert len(await site.core.services.holders(tenant, "facilitator")) == 1


async def test_leaders_read_the_zone_pack_and_people_and_change_none(site: ConsoleSite) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        page = await settings_page(client, site)
        words = page_words(page)
        assert "No time zone is chosen yet." in words
        assert "The team uses Compassion Resilience" in words
        assert [each.button for each in forms(page)] == ["Sign out"]
        csrf = forms(page)[0].fields["csrf"]
        for path, fields in (
            ("timezone", {"value": "Europe/Paris"}),
            ("pack", {"value": "schools"}),
            ("roles/leader/add", {"user": "kim"}),
        ):
            async with client.post(
                f"{site.url}/console/settings/{path}", data={"csrf": csrf, **fields}
            ) as refused:
                assert refused.status == 403
    team = await site.core.services.team(site.chat.tenant)
    assert team.timezone is None and team.pack == "healthcare"
    assert "leader" not in await site.core.services.roles_of(site.chat.tenant, "kim")
