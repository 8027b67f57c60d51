"""The one release path: OpenDP's mechanism at the stated budget, readable figures, batches that
hold under concurrent answers, and exact counts from before releases turned into releases."""

from __future__ import annotations

import asyncio
import math
import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.release import (
    SENSITIVITY,
    Figures,
    ReleasePolicy,
    laplace_noise,
    publishable,
    release,
    scale_for,
    spent,
    status_line,
)
from bot.storage.engine import sessions
from bot.storage.tables import PollActorRow, PollAnswerRow, PollReleaseRow, PollTallyRow
from tests.conftest import FrozenClock, build_core

TENANT = "test:team"


@pytest.mark.parametrize("epsilon", [0.25, 1.0, 2.0])
def test_opendp_states_each_release_spends_no_more_than_its_share_of_the_budget(
    epsilon: float,
) -> None:
    assert spent(epsilon) <= epsilon + 1e-9
    assert scale_for(epsilon) == SENSITIVITY / epsilon


def test_two_groups_that_differ_in_one_answer_release_alike_within_the_budget() -> None:
    """Sampled: every published outcome is at most e^epsilon more likely for either group."""
    epsilon, samples = 1.0, 4000
    policy = ReleasePolicy(group_size=5, epsilon=epsilon, releases=1, noise=laplace_noise)
    unanimous = Counter(release({4: 5}, 1, policy).bands for _ in range(samples))
    one_apart = Counter(release({4: 4, 2: 1}, 1, policy).bands for _ in range(samples))
    common = [outcome for outcome, seen in unanimous.items() if seen >= 200]
    assert common, "the noise makes no outcome common enough to compare"
    for outcome in common:
        ratio = unanimous[outcome] / max(one_apart[outcome], 1)
        # Sampling error on a few hundred draws is about 15%; allow twice that on top.
        assert ratio <= math.exp(epsilon) * 1.3, (outcome, ratio)
    # The unanimous group is not shown as unanimous every time.
    assert unanimous[(0, 0, 5)] < samples * 0.9


@pytest.mark.parametrize("seed", range(20))
def test_published_bands_are_whole_never_negative_and_add_up_to_the_respondents(
    seed: int,
) -> None:
    rng = random.Random(seed)
    noisy = tuple(rng.randint(-6, 9) for _ in range(3))
    respondents = rng.randint(0, 40)
    bands = publishable(noisy, respondents)
    assert all(band >= 0 for band in bands) and sum(bands) == respondents
    assert sum(Figures(respondents, bands).shares()) == (100 if respondents else 0)


async def test_answers_at_the_same_moment_release_one_batch_once(
    core: Core, engine: AsyncEngine
) -> None:
    """On PostgreSQL the poll's row lock serialises them; SQLite serialises writers itself."""
    policy = ReleasePolicy(group_size=5, epsilon=2.0, releases=2, noise=lambda b, e: b)
    poll = await core.services.polls.open(
        TENANT, "#c", 1, "How are you?", core.services.clock.now()
    )

    async def answer(person: int) -> None:
        await core.services.polls.answer(
            TENANT, poll.id, f"p{person}", person % 6, core.services.clock.now(), policy
        )

    await asyncio.gather(*(answer(person) for person in range(7)))
    published = await core.services.polls.published(TENANT, poll.id, policy)
    assert published.release is not None and published.release.version == 1
    assert published.respondents == 7
    # The five who made the batch were cleared; the two after it wait for the next one.
    async with sessions(engine)() as session:
        waiting = await session.scalar(select(func.count()).select_from(PollActorRow))
    assert waiting == 2


async def test_exact_counts_from_before_releases_become_a_first_release_and_are_deleted(
    engine: AsyncEngine, clock: FrozenClock, packs: dict
) -> None:
    core = build_core(engine, clock, packs)
    team = await core.services.team(TENANT)
    big = await core.services.polls.open(TENANT, "#c", 1, "Q", clock.now())
    small = await core.services.polls.open(TENANT, "#c", 1, "Q", clock.now())
    async with sessions(engine).begin() as session:
        for poll, counts, total in ((big, "0,1,0,1,2,0", 4), (small, "0,0,1,0,0,0", 1)):
            session.add(
                PollTallyRow(
                    poll_id=poll.id,
                    tenant_id=TENANT,
                    total=total,
                    counts=counts,
                    updated_at=clock.now(),
                )
            )
    assert await core.services.release_legacy_tallies() == 1
    assert await core.services.release_legacy_tallies() == 0
    policy = core.services.policy(team)
    shown = (await core.services.polls.published(TENANT, big.id, policy)).release
    assert shown is not None and shown.respondents == 4 and shown.bands == (1, 1, 2)
    assert (await core.services.polls.published(TENANT, small.id, policy)).release is None
    async with sessions(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(PollTallyRow)) == 0


async def test_retention_closes_old_polls_so_their_last_release_stays_final(
    engine: AsyncEngine, clock: FrozenClock, packs: dict
) -> None:
    core = build_core(engine, clock, packs)
    policy = core.services.policy(await core.services.team(TENANT))
    poll = await core.services.polls.open(TENANT, "#c", 1, "Q", clock.now())
    for person in range(4):
        await core.services.polls.answer(TENANT, poll.id, f"p{person}", 3, clock.now(), policy)
    clock.advance(days=100)
    assert await core.services.polls.purge_before(clock.now() - timedelta(days=90)) == 4
    assert (await core.services.polls.get(TENANT, poll.id)).closed  # type: ignore[union-attr]
    async with sessions(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(PollActorRow)) == 0
        assert await session.scalar(select(func.count()).select_from(PollAnswerRow)) == 0
        kept = await session.get(PollReleaseRow, poll.id)
    assert kept is not None and kept.respondents == 3
    published = await core.services.polls.published(TENANT, poll.id, policy)
    assert "At 3:" in status_line(published)


async def test_no_team_can_lower_its_group_size_below_the_floor(core: Core) -> None:
    await core.services.team(TENANT)
    with pytest.raises(ValueError, match="never below 3"):
        await core.services.team_settings.set_min_group_size(TENANT, 2)
    await core.services.team_settings.set_min_group_size(TENANT, 3)
    assert (await core.services.team(TENANT)).min_group_size == 3
