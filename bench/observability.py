"""Benchmark: what metrics and request ids cost. Core.handle with its instrumentation (a timed,
counted request under a bound request id) against the same core with both replaced by no-ops,
interleaved in one run; and a /metrics scrape against /healthz on the same server, over real HTTP
on 127.0.0.1. Prints p50/p99 per request and the ratios.

    .venv/bin/python bench/observability.py [--quick]

Target: what instrumentation adds to a request (shipped minus bare core, p50) is at most 5% of the
cheapest request the web server answers (GET /healthz over loopback, measured in the same run);
a scrape within 5 ms p50. The core answers most commands from memory in tens of microseconds, so
its own ratio is printed too, but a few microseconds of counting are judged against a request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from bot import core as core_module  # noqa: E402
from bot.messages import Incoming, Person, Target  # noqa: E402
from bot.settings import Settings  # noqa: E402
from crbot import runtime  # noqa: E402
from crbot.web import build_app  # noqa: E402
from tests.conftest import FakePort  # noqa: E402

TARGET_SHARE = 0.05
TARGET_SCRAPE_MS = 5.0
# /metrics answers only a bearer token; the scrape pays for checking it, as Prometheus's would.
SCRAPE_TOKEN = "bench-" + "0" * 58
COMMANDS = ("help", "practice", "compassion-steps 3", "scenario", "no-such-command")


class _Timing:
    outcome = "served"


@contextlib.contextmanager
def _bare_request(*_: Any) -> Iterator[_Timing]:
    yield _Timing()


@contextlib.contextmanager
def _bare_ids(*_: Any) -> Iterator[str]:
    yield ""


@contextlib.contextmanager
def instrumented(enabled: bool) -> Iterator[None]:
    """The core as shipped, or with its metrics and request ids replaced by no-ops."""
    if enabled:
        yield
        return
    metrics_request = core_module.metrics.request
    ids_request = core_module.logcontext.request
    core_module.metrics.request = _bare_request  # type: ignore[assignment]
    core_module.logcontext.request = _bare_ids  # type: ignore[assignment]
    try:
        yield
    finally:
        core_module.metrics.request = metrics_request  # type: ignore[assignment]
        core_module.logcontext.request = ids_request  # type: ignore[assignment]


def summary(samples: list[float]) -> tuple[float, float]:
    """p50 and p99, in milliseconds."""
    return percentile(samples, 50) * 1000, percentile(samples, 99) * 1000


async def core_round(bot: runtime.Runtime, port: FakePort, n: int) -> list[float]:
    """Time n requests through Core.handle."""
    times = []
    for i in range(n):
        person = Person(tenant="slack:T1", user_id=f"U{i % 25}")
        incoming = Incoming(
            person=person, place=Target(tenant="slack:T1", address="C1"), text=COMMANDS[i % 5]
        )
        started = time.perf_counter()
        await bot.core.handle(incoming, port)
        times.append(time.perf_counter() - started)
    return times


async def http_round(client: aiohttp.ClientSession, path: str, n: int) -> tuple[list[float], int]:
    """Time n GETs of path; returns the times and the last body's size."""
    times, size = [], 0
    for _ in range(n):
        started = time.perf_counter()
        async with client.get(path) as response:
            body = await response.read()
            if response.status != 200:  # a refused scrape would time the refusal
                raise SystemExit(f"GET {path} answered {response.status}")
        times.append(time.perf_counter() - started)
        size = len(body)
    return times, size


async def main(quick: bool) -> int:
    """Run both comparisons and print the figures."""
    logging.disable(logging.CRITICAL)
    rounds, per_round = (5, 60) if quick else (20, 200)
    with tempfile.TemporaryDirectory() as folder:
        secret = "observability-bench-secret-0123456789"
        settings = Settings(data_dir=Path(folder), pseudonym_secret=secret)
        bot = await runtime.start(settings)
        port = FakePort()
        await core_round(bot, port, 50)  # warm up the packs, the database and the pools
        shipped: list[float] = []
        bare: list[float] = []
        for _ in range(rounds):
            with instrumented(True):
                shipped += await core_round(bot, port, per_round)
            with instrumented(False):
                bare += await core_round(bot, port, per_round)

        app = build_app(bot.engine, [], metrics_token=SecretStr(SCRAPE_TOKEN))
        server = TestServer(app, host="127.0.0.1", port=0)
        await server.start_server()
        headers = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
        async with aiohttp.ClientSession(str(server.make_url("/")), headers=headers) as client:
            await http_round(client, "/metrics", 10)
            scrapes, size = await http_round(client, "/metrics", per_round * 2)
            health, _ = await http_round(client, "/healthz", per_round * 2)
        await server.close()
        await bot.close()

    shipped_p50, shipped_p99 = summary(shipped)
    bare_p50, bare_p99 = summary(bare)
    scrape_p50, scrape_p99 = summary(scrapes)
    health_p50, health_p99 = summary(health)
    added = max(shipped_p50 - bare_p50, 0.0)
    share = added / health_p50
    print(f"requests per variant: {len(shipped)} ({'quick' if quick else 'full'})")
    print(f"core, no-op metrics and ids: p50 {bare_p50:.3f} ms  p99 {bare_p99:.3f} ms")
    print(f"core as shipped:             p50 {shipped_p50:.3f} ms  p99 {shipped_p99:.3f} ms")
    core_ratio = shipped_p50 / bare_p50
    print(f"instrumentation adds {added * 1000:.1f} us per request (core ratio {core_ratio:.2f}x)")
    print(f"GET /healthz: p50 {health_p50:.3f} ms  p99 {health_p99:.3f} ms")
    print(f"instrumentation / GET /healthz (p50): {share:.3f} (target <= {TARGET_SHARE})")
    print(f"GET /metrics: p50 {scrape_p50:.3f} ms  p99 {scrape_p99:.3f} ms  ({size} bytes)")
    print(f"scrape ratio to /healthz (p50): {scrape_p50 / health_p50:.2f}x")
    met = share <= TARGET_SHARE and scrape_p50 <= TARGET_SCRAPE_MS
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run, under 30 s")
    raise SystemExit(asyncio.run(main(parser.parse_args().quick)))
