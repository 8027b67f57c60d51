"""The team's settings in the console: group size never below the floor, the team's section,
and who facilitates and leads."""

from __future__ import annotations

from bot.settings import MIN_GROUP_FLOOR
from tests.console.site import (
    ConsoleSite,
    browser_client,
    form,
    forms,
    page_words,
    settings_page,
    sign_in,
)


async def test_a_facilitator_changes_the_group_size_but_never_below_the_floor(
    site: ConsoleSite,
) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        page = await settings_page(client, site)
        words = page_words(page)
        # By the names chat gives them, their ids beside.
        assert "Facilitators Fran Okafor fran (set by the installation)" in words
        assert "Leaders Lee Chen lee (set by the installation)" in words
        size = form(page, "Change the group size")
        for refused in (str(MIN_GROUP_FLOOR - 1), "0", "1001", "five", ""):
            size.fields["value"] = refused
            async with client.post(site.url + size.action, data=size.fields) as answer:
                assert answer.status == 400
        assert (await site.core.services.team(site.chat.tenant)).min_group_size == 3
        size.fields["value"] = "6"
        async with client.post(site.url + size.action, data=size.fields) as answer:
            assert answer.status == 200
            assert "The group size is changed" in page_words(await answer.text())
    assert (await site.core.services.team(site.chat.tenant)).min_group_size == 6


async def test_a_facilitator_moves_the_team_to_another_section(site: ConsoleSite) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        section = form(await settings_page(client, site), "Move the team")
        section.fields["value"] = "99"
        async with client.post(site.url + section.action, data=section.fields) as answer:
            assert answer.status == 400
        section.fields["value"] = "4"
        async with client.post(site.url + section.action, data=section.fields) as answer:
            assert "The team is on its new section." in page_words(await answer.text())
    assert (await site.core.services.team(site.chat.tenant)).current_section == 4


async def test_leaders_read_the_settings_and_change_nothing(site: ConsoleSite) -> None:
    services, tenant = site.core.services, site.chat.tenant
    await services.team(tenant)
    await services.team_settings.set_holiday_region(tenant, "GB", "ENG")
    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        page = await settings_page(client, site)
        assert "The group size is 3." in page_words(page)
        assert "Public holidays of GB (ENG)." in page_words(page)
        assert [each.button for each in forms(page)] == ["Sign out"]
        csrf = forms(page)[0].fields["csrf"]
        for change, fields in (("group-size", {"value": "9"}), ("holidays", {"country": "US"})):
            path = f"{site.url}/console/settings/{change}"
            async with client.post(path, data={"csrf": csrf, **fields}) as refused:
                assert refused.status == 403
    team = await services.team(tenant)
    assert (team.min_group_size, team.holiday_country) == (3, "GB")


async def test_a_facilitator_sets_the_teams_support_resources_and_leaders_read_them(
    site: ConsoleSite,
) -> None:
    ours = "EAP: 0800 555 0100\nCrisis line: <b>555 0199</b>"
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        page = await settings_page(client, site)
        assert "People see the installation's: Call the EAP at 555-0100." in page_words(page)
        support = form(page, "Save the support resources")
        support.fields["value"] = "x" * 501
        async with client.post(site.url + support.action, data=support.fields) as refused:
            assert refused.status == 400 and "at most 500" in await refused.text()
        support.fields["value"] = ours
        async with client.post(site.url + support.action, data=support.fields) as answer:
            saved = await answer.text()
        assert "pointed to the team's own support resources" in page_words(saved)
        # Shown as written, never as markup.
        assert "Crisis line: &lt;b&gt;555 0199&lt;/b&gt;</textarea>" in saved
        chat_reply = await site.chat.say("sam", "support")
        assert all(line in chat_reply.plain_text() for line in ours.splitlines())
        forged = {"csrf": "forged", "value": "x"}
        async with client.post(site.url + support.action, data=forged) as refused:
            assert refused.status == 403
        assert (await site.core.services.team(site.chat.tenant)).support_resources == ours

    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        page = await settings_page(client, site)
        assert "People see:" in page_words(page)
        assert "EAP: 0800 555 0100<br>Crisis line: &lt;b&gt;555 0199&lt;/b&gt;</p>" in page
        path = f"{site.url}/console/settings/support"
        async with client.post(path, data={"csrf": forms(page)[0].fields["csrf"]}) as refused:
            assert refused.status == 403

    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        support = form(await settings_page(client, site), "Save the support resources")
        support.fields["value"] = "  "
        async with client.post(site.url + support.action, data=support.fields) as answer:
            assert "the installation's support resources again" in page_words(await answer.text())
    assert (await site.core.services.team(site.chat.tenant)).support_resources is None
