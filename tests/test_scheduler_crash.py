"""Killing the bot mid fan-out and restarting it delivers every planned post exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.rollouts.plan import Circle, parse_local
from bot.storage.ledger_tables import DeliveryRow
from scheduler.ledger import LedgerStore
from tests.fakes.chat_platform import FakePlatform
from tests.test_scheduler_service import eventually

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = 8
# Sent privately to facilitators and leaders, of whom these rollouts have none, and to members
# who have not answered a check-in, whom the fake platform cannot list.
UNADDRESSED = {"nudge", "leader-note", "reminder"}
# The killed process never hands its sending lease back: the restarted one waits it out.
LEASE_SECONDS = 2.0


@pytest.fixture
async def platform() -> AsyncIterator[FakePlatform]:
    # One post at a time, 4 ms each: a fan-out of a few hundred posts can be cut midway.
    fake = FakePlatform(delay=0.004)
    await fake.start()
    yield fake
    await fake.stop()


def start_bot(database_url: str, data: Path, url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "Microsoft"))}
    env.update(
        DATABASE_URL=database_url,
        CRBOT_DATA_DIR=str(data),
        CRBOT_PSEUDONYM_SECRET="test-pseudonym-secret-0123456789",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.scheduler_process", url, str(LEASE_SECONDS)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


async def test_a_bot_killed_mid_fan_out_delivers_every_post_exactly_once_after_restart(
    core: Core, engine: AsyncEngine, database_url: str, platform: FakePlatform, tmp_path: Path
) -> None:
    for number in range(CHANNELS):
        await core.services.rollouts.create(
            tenant="fake:W1",
            address=f"C{number}",
            timezone="Europe/London",
            circles=[Circle(1, parse_local("2027-03-23T09:00"))],
            pack=core.services.packs["healthcare"].pack,
        )
    # Everything the rollouts plan is due now, on the real clock of the bot process.
    async with engine.begin() as connection:
        await connection.execute(update(DeliveryRow).values(due_at=datetime.now(UTC)))
        rows = await connection.execute(DeliveryRow.__table__.select())
        planned = {row.key: row.kind for row in rows}
    expected = {key for key, kind in planned.items() if kind not in UNADDRESSED}
    assert len(expected) > 200

    log = tmp_path / "bot.log"
    first = start_bot(database_url, tmp_path / "data", platform.url, log)
    try:
        await eventually(lambda: len(platform.posts) >= len(expected) // 3)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    cut_at = len(platform.posts)
    assert cut_at < len(expected), "the fan-out finished before the kill"

    second = start_bot(database_url, tmp_path / "data", platform.url, log)
    try:
        await eventually(lambda: set(platform.key_counts()) >= expected)
        ledger = LedgerStore(engine)
        counts: dict[str, int] = {}

        async def settled() -> bool:
            # Every row sent, the planned ones and those made on the way (reminders per poll).
            counts.clear()
            counts.update(await ledger.counts())
            total = sum(counts.values())
            return total >= len(planned) and counts.get("sent", 0) == total

        loop = asyncio.get_running_loop()
        end = loop.time() + 60.0
        while not await settled():
            assert loop.time() < end, (counts, log.read_text()[-3000:])
            await asyncio.sleep(0.01)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert platform.key_counts() == {key: 1 for key in expected}
