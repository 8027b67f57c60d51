"""A file asked for with the slash command: the ack says it is coming, the DM brings it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from content.loader import LoadedPack
from tests.conftest import FrozenClock, build_core
from tests.fakes.slack_api import SlackStack, running_slack


@pytest.fixture
def core(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], tmp_path: Path
) -> Core:
    """A core whose facilitator is U1, with a folder to hand files over in."""
    return build_core(
        engine, clock, packs, reports_dir=tmp_path / "reports", role_bootstrap={"U1": "facilitator"}
    )


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


async def test_the_rollout_calendar_arrives_in_the_facilitators_direct_message(
    stack: SlackStack,
) -> None:
    _, scheduled = await stack.slack.command("schedule 1 2027-03-23 09:00 Europe/London")
    assert "circle is set" in scheduled, scheduled

    status, body = await stack.slack.command("rollout calendar")

    assert status == 200
    ack = json.loads(body)
    assert ack["response_type"] == "ephemeral"
    assert "calendar" in ack["text"]
    [complete] = await stack.fake.wait_for("files.completeUploadExternal")
    assert complete["channel_id"] == "DU1"
    [asked] = stack.fake.called("files.getUploadURLExternal")
    assert str(asked["filename"]).endswith(".ics")
    [(_, size)] = stack.fake.uploads
    assert size > 0
    assert stack.fake.called("chat.postMessage") == []  # nothing went to the channel
