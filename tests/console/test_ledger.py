"""Posts the bot makes while sending (a leader's follow-up, notes to leaders) join the programme
from the ledger, and any that may not have gone out are named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import sessions
from bot.storage.ledger_tables import DeliveryRow
from bot.storage.rollouts import Spawned
from tests.conftest import FrozenClock
from tests.console.site import ConsoleSite, browser_client, page_words, sign_in

pytestmark = pytest.mark.usefixtures("two_sections")


async def spawn(site: ConsoleSite, kind: str, due_at: datetime) -> None:
    """A row made while sending, for section 1 of the team's rollout."""
    store = site.core.services.rollouts.store
    (rollout,) = await store.listing(site.chat.tenant)
    row = Spawned(
        key=f"{rollout.id}:{kind}:1:{due_at.date().isoformat()}:test",
        kind=kind,
        section=1,
        local_date=due_at.date(),
        due_at=due_at,
        body={"by": "lee"},
    )
    assert await store.spawn(rollout.tenant_id, rollout.id, rollout.address, row)


async def test_a_scheduled_follow_up_is_among_its_sections_posts_in_time_order(
    site: ConsoleSite,
) -> None:
    await spawn(site, "follow-up", datetime(2027, 3, 24, 10, 0, tzinfo=UTC))
    async with browser_client() as client:
        words = page_words(await sign_in(client, site, await site.link()))
    assert "Wed 24 Mar, 10:00: scheduled follow-up for section 1" in words
    assert words.index("Wed 24 Mar, 8:30: note to leaders for section 1") < words.index(
        "Wed 24 Mar, 10:00: scheduled follow-up for section 1"
    )


async def test_a_note_to_a_leader_that_may_not_have_gone_out_is_named(
    site: ConsoleSite, clock: FrozenClock, engine: AsyncEngine
) -> None:
    await spawn(site, "leader-dm", datetime(2027, 3, 24, 8, 30, tzinfo=UTC))
    clock.advance(days=10)
    async with sessions(engine).begin() as session:
        await session.execute(
            update(DeliveryRow).where(DeliveryRow.kind == "leader-dm").values(status="uncertain")
        )
    async with browser_client() as client:
        words = page_words(await sign_in(client, site, await site.link()))
    attention = words.split("Needs your attention", 1)[1].split("Section 1:", 1)[0]
    assert "Wed 24 Mar, 8:30: note to a leader for section 1 may not have gone out." in attention
