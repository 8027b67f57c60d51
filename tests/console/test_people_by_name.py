"""People on the settings page by the names chat gives them: holders are named, the team's
channel offers its members to choose from, a typed id still works, and a name chat cannot
give leaves the id with a note rather than an error."""

from __future__ import annotations

import pytest

from bot.messages import Person, Target
from bot.people import PeopleNames
from tests.conftest import FakePort
from tests.console.site import (
    ConsoleSite,
    browser_client,
    form,
    page_words,
    plan_two_sections,
    settings_page,
    sign_in,
)


async def test_the_channels_people_are_offered_by_name_and_holders_shown_by_name(
    site: ConsoleSite,
) -> None:
    await plan_two_sections(site)
    site.chat.port.people["#circle"] = ["fran", "zed", "kim"]
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        page = await settings_page(client, site)
        # Named people first, by name; zed, whom chat cannot name, by id after them.
        assert page.index(">Fran Okafor<") < page.index(">Kim Park<") < page.index(">zed<")
        add = form(page, "Add a leader")
        add.fields["user"] = "kim"
        async with client.post(site.url + add.action, data=add.fields) as added:
            assert added.status == 200
        add.fields.update(user="kim", user_id="zed")  # a typed id wins over the list
        async with client.post(site.url + add.action, data=add.fields) as added:
            assert added.status == 200
            words = page_words(await added.text())
    assert "Kim Park kim" in words
    assert "zed (chat did not give a name)" in words
    roles = site.core.services.roles_of
    assert "leader" in await roles(site.chat.tenant, "kim")
    assert "leader" in await roles(site.chat.tenant, "zed")


async def test_a_channel_chat_cannot_list_leaves_the_id_field_alone(site: ConsoleSite) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        page = await settings_page(client, site)
    add = form(page, "Add a leader")
    assert "user" in add.fields and "user_id" not in add.fields
    assert '<select id="add-leader"' not in page


class CountingPort(FakePort):
    """A port that counts the platform's name lookups and fails some of them."""

    def __init__(self) -> None:
        super().__init__(names={"ana": "Ana Lopez"}, people={"#c": ["ana", "bo"]})
        self.lookups = 0
        self.listings = 0

    async def person(self, tenant: str, user_id: str) -> Person:
        self.lookups += 1
        return await super().person(tenant, user_id)

    async def members(self, target: Target) -> list[Person]:
        self.listings += 1
        return await super().members(target)


async def test_names_are_looked_up_once_and_kept_briefly() -> None:
    port, names = CountingPort(), PeopleNames()
    for _ in range(3):
        found = await names.named(port, "t", ["ana", "bo"])
        members = await names.members(port, "t", ["#c"])
    assert [(each.user_id, each.shown) for each in found] == [("ana", "Ana Lopez"), ("bo", "bo")]
    assert [each.shown for each in members] == ["Ana Lopez", "bo"]
    assert port.lookups == 2 and port.listings == 1


@pytest.mark.parametrize("failure", [RuntimeError("platform down"), NotImplementedError()])
async def test_a_failed_lookup_shows_the_id(failure: Exception) -> None:
    class Failing(FakePort):
        async def person(self, tenant: str, user_id: str) -> Person:
            raise failure

        async def members(self, target: Target) -> list[Person]:
            raise failure

    names = PeopleNames()
    (found,) = await names.named(Failing(), "t", ["ana"])
    assert found.shown == "ana" and found.name is None
    assert await names.members(Failing(), "t", ["#c"]) == []
