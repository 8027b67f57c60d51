"""Pseudonyms and tenant isolation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import Core
from bot.pseudonyms import Pseudonyms
from tests.conftest import TEST_SECRET, Chat, FakePort


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_a_pseudonym_is_stable_and_hides_the_user_id(tenant: str, user: str) -> None:
    pseudonyms = Pseudonyms(TEST_SECRET)
    first = pseudonyms.of(tenant, user)
    assert first == pseudonyms.of(tenant, user)
    assert len(first) == 64
    assert user not in first or len(user) < 3


def test_pseudonyms_differ_by_key_and_by_tenant() -> None:
    one, other = Pseudonyms(TEST_SECRET), Pseudonyms(b"another-secret-of-32-characters!")
    assert one.of("t", "sam") != other.of("t", "sam")
    assert one.of("t1", "sam") != one.of("t2", "sam")


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="shorter than 32 characters"):
        Pseudonyms(b"short")


async def test_answers_in_one_tenant_never_count_in_another(core: Core, port: FakePort) -> None:
    north = Chat(core, port, tenant="slack:NORTH", channel="C1")
    south = Chat(core, port, tenant="slack:SOUTH", channel="C1")
    for user in ("a", "b", "c"):
        await north.say(user, "checkin 5")
    await south.say("a", "checkin 0")
    north_poll = await core.services.polls.current("slack:NORTH", "C1")
    south_poll = await core.services.polls.current("slack:SOUTH", "C1")
    assert north_poll and south_poll and north_poll.id != south_poll.id
    policy = core.services.policy(await core.services.team("slack:NORTH"))
    north_figures = await core.services.polls.published("slack:NORTH", north_poll.id, policy)
    assert north_figures.respondents == 3
    assert north_figures.release is not None and north_figures.release.bands == (0, 0, 3)
    south_figures = await core.services.polls.published("slack:SOUTH", north_poll.id, policy)
    assert south_figures.respondents == 0 and south_figures.release is None
    assert await core.services.polls.get("slack:SOUTH", north_poll.id) is None


async def test_reflections_and_roles_stay_in_their_tenant(core: Core, port: FakePort) -> None:
    north = Chat(core, port, tenant="teams:north")
    south = Chat(core, port, tenant="teams:south")
    await core.services.team_settings.grant("teams:north", "kim", "facilitator")
    assert "facilitator" not in await core.services.team_settings.roles_of("teams:south", "kim")
    await north.say("kim", "scenario 1")
    await north.say("kim", "reflect north only")
    assert "north only" not in (await south.say("kim", "reflections")).plain_text()
    assert "only a facilitator or leader" in (await south.say("kim", "section 3")).plain_text()
    assert "now on Section 3" in (await north.say("kim", "section 3")).summary
    assert (await core.services.team("teams:south")).current_section == 1
