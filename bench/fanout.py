"""Fan-out benchmark: one section posted to thousands of channels against a rate-limited fake.

The fake platform (a separate process on loopback) enforces one message per second per channel
with a burst, and a per-workspace rate, answering 429 beyond them, as Slack does. The benchmark
prints the wall time of the ledger sender against the theoretical minimum those limits allow,
and against a baseline measured in the same run (the same posts sent straight through the
limiter and the HTTP port, with no database), the CPU time per delivery, the 429s, and the
duplicates (which must be 0).

    .venv/bin/python bench/fanout.py            # 2,000 channels across 20 workspaces
    .venv/bin/python bench/fanout.py --quick    # 200 channels across 4 workspaces, < 30 s
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.errors import DeliveryError  # noqa: E402
from bot.messages import Target  # noqa: E402
from bot.rollouts import posts  # noqa: E402
from bot.rollouts.plan import Circle, PlannedPost  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from crbot import runtime  # noqa: E402
from crbot.platform_registry import platform_limits  # noqa: E402
from scheduler.ledger import LedgerStore  # noqa: E402
from scheduler.limiter import Limiter, Limits, Rate  # noqa: E402
from scheduler.sender import Sender  # noqa: E402
from tests.fakes.chat_platform import HttpPort  # noqa: E402

KINDS = ("intro", "visual", "practice", "prompt")


# What the fake enforces, as Slack does: about 1 message per second per channel with a short
# burst, and a workspace-wide cap.
PLATFORM = Limits(channel=Rate(1.0, 2.0), workspace=Rate(50.0, 20.0))


def theoretical_minimum(channels_per_workspace: int, posts_per_channel: int) -> float:
    """The shortest time the platform's limits allow for the whole fan-out, in seconds."""
    limits = PLATFORM
    assert limits.channel is not None and limits.workspace is not None
    per_channel = (posts_per_channel - limits.channel.burst) / limits.channel.per_second
    total = channels_per_workspace * posts_per_channel
    per_workspace = (total - limits.workspace.burst) / limits.workspace.per_second
    return max(per_channel, per_workspace, 0.0)


def start_fake() -> tuple[subprocess.Popen[str], str]:
    limits = PLATFORM
    assert limits.channel is not None and limits.workspace is not None
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.chat_platform",
            f"{limits.channel.per_second}:{limits.channel.burst}",
            f"{limits.workspace.per_second}:{limits.workspace.burst}",
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def stats(url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{url}/stats") as response:
        return dict(json.load(response))


async def baseline(url: str, workspaces: int, channels: int) -> float:
    """The same posts straight through limiter and port: no ledger, no database."""
    port, limiter = HttpPort(url), Limiter(platform_limits())
    reply = posts.survey("pre")

    async def one(tenant: str, address: str) -> None:
        while True:
            async with limiter.turn(tenant, address):
                try:
                    await port.send(Target(tenant=tenant, address=address), reply)
                    return
                except DeliveryError as error:
                    limiter.hold(tenant, address, error.retry_after or 1.0)

    started = time.perf_counter()
    await asyncio.gather(
        *(
            one(f"slack:B{w}", f"C{c}")
            for w in range(workspaces)
            for c in range(channels)
            for _ in KINDS
        )
    )
    wall = time.perf_counter() - started
    await port.close()
    return wall


async def fan_out(url: str, workspaces: int, channels: int, data: Path) -> tuple[float, float, int]:
    settings = load_settings(
        data_dir=data,
        database_url=f"sqlite+aiosqlite:///{data / 'bench.db'}",
        pseudonym_secret="bench-pseudonym-secret-0123456789",
    )
    bot = await runtime.start(settings)
    core = bot.core
    now = core.services.clock.now()
    pack = core.services.packs[core.services.options.default_pack].pack
    calendar = core.services.rollouts.calendar()
    planned = [PlannedPost(kind, 1, now, now, kind) for kind in KINDS]
    for w in range(workspaces):
        for c in range(channels):
            await core.services.rollouts.store.create(
                tenant=f"slack:T{w}",
                address=f"C{c}",
                timezone="UTC",
                calendar=calendar,
                circles=[Circle(1, datetime(2030, 1, 1, 9, tzinfo=UTC).replace(tzinfo=None))],
                created_by=None,
                posts=planned,
                now=now,
            )
    del pack
    port = HttpPort(url)
    sender = Sender(
        services=core.services,
        ledger=LedgerStore(bot.engine),
        ports={"slack": port},
        instance="bench",
        limiter=Limiter(),
    )
    cpu, started = time.process_time(), time.perf_counter()
    sent = await sender.run_due()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    await port.close()
    await bot.close()
    return wall, cpu, sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller case, under 30 seconds")
    args = parser.parse_args()
    workspaces, channels = (4, 50) if args.quick else (20, 100)
    total = workspaces * channels * len(KINDS)
    minimum = theoretical_minimum(channels, len(KINDS))
    fake, url = start_fake()
    try:
        base = asyncio.run(baseline(url, workspaces, channels))
        after_base = stats(url)
        with tempfile.TemporaryDirectory() as folder:
            wall, cpu, sent = asyncio.run(fan_out(url, workspaces, channels, Path(folder)))
        final = stats(url)
    finally:
        assert fake.stdin is not None
        fake.stdin.close()
        fake.wait(timeout=30)
    rejected = final["rejected"] - after_base["rejected"]
    print(f"fan-out: {workspaces * channels} channels in {workspaces} workspaces, {total} posts")
    print(f"theoretical minimum     {minimum:7.2f} s  (1 msg/s per channel, burst; workspace cap)")
    print(f"baseline (no ledger)    {base:7.2f} s  ratio {base / minimum:5.2f}x")
    print(f"ledger sender           {wall:7.2f} s  ratio {wall / minimum:5.2f}x  (target <= 1.10x)")
    print(f"ledger vs baseline      {wall / base:7.2f}x")
    print(f"sent                    {sent:7d}")
    print(f"CPU per delivery        {cpu / max(sent, 1) * 1000:7.3f} ms")
    print(f"429 answers             {rejected:7d}")
    if rejected:
        print(f"first 429s (tenant, channel, wait) {final['first_rejections']}")
    print(f"duplicates              {final['duplicates']:7d}  (must be 0)")
    return 0 if final["duplicates"] == 0 and sent == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
