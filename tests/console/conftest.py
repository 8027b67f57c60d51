"""The console served on 127.0.0.1 for each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from content.loader import LoadedPack
from tests.conftest import FrozenClock
from tests.console.site import ConsoleSite, console_site, plan_two_sections


@pytest.fixture
async def site(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack]
) -> AsyncIterator[ConsoleSite]:
    """The console on 127.0.0.1, over plain HTTP, its links sent in the team's channel."""
    async with console_site(engine, clock, packs) as running:
        yield running


@pytest.fixture
async def two_sections(site: ConsoleSite) -> None:
    """Sections 1 and 2 planned from chat (Monday 15 March 2027), for tests that change them."""
    await plan_two_sections(site)
