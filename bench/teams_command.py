"""Benchmark: a `compassion-steps` message activity through crbot's Teams endpoint, against a bare
botbuilder echo bot, both over real HTTP on 127.0.0.1 and both replying to the same fake Bot
Connector. Prints latency (p50, p99) and throughput for each, and crbot's ratio to the echo bot.

    .venv/bin/python bench/teams_command.py [--quick]

The echo bot is the floor any botbuilder bot pays (activity parsing, the turn, the connector
call); the ratio shows what crbot adds on top: the core, its database and card rendering.
Target: within 1.3x.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from botbuilder.core import ActivityHandler, MessageFactory, TurnContext  # noqa: E402
from botbuilder.integration.aiohttp import (  # noqa: E402
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from adapters.teams.service import build_teams  # noqa: E402
from bench.common import Post, latencies, percentile, throughput  # noqa: E402
from bot.settings import Settings  # noqa: E402
from crbot import runtime  # noqa: E402
from crbot.web import build_app  # noqa: E402
from tests.fakes.bot_connector import FakeBotConnector, activity  # noqa: E402

TARGET_RATIO = 1.3


class EchoBot(ActivityHandler):  # type: ignore[misc]
    """The botbuilder sample: echo the text back."""

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


class _EmptyConfig:
    APP_ID = ""
    APP_PASSWORD = ""


def echo_app() -> web.Application:
    """The generator template's app.py, reduced to its route."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_EmptyConfig()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        response = await adapter.process(request, bot)
        return response or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


@dataclass
class Figures:
    """One bot's results."""

    name: str
    latencies_ms: list[float]
    throughput: float

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        return percentile(self.latencies_ms, p)


def poster(client: aiohttp.ClientSession, url: str, connector: FakeBotConnector) -> Post:
    """Posts the i-th `compassion-steps` activity (one of 20 people) and checks the answer."""
    bodies: list[dict[str, Any]] = [
        activity(connector, text="compassion-steps", user=f"29:user-{n}") for n in range(20)
    ]

    async def post(i: int) -> None:
        async with client.post(url, json=bodies[i % len(bodies)]) as response:
            if response.status not in (200, 201):
                raise RuntimeError(f"{url}: HTTP {response.status}")

    return post


async def run(quick: bool) -> int:
    rounds, sequential, parallel, concurrency = (3, 60, 120, 8) if quick else (5, 200, 400, 8)
    logging.basicConfig(level=logging.WARNING)
    connector = await FakeBotConnector().start()
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            data_dir=data,
            pseudonym_secret="bench-secret-0123456789abcdef0123",
            teams_enabled=True,
        )
        bot = await runtime.start(settings)
        logging.getLogger().setLevel(logging.WARNING)
        teams = build_teams(settings, bot.core, bot.engine)
        servers = {
            "echo": TestServer(echo_app(), host="127.0.0.1", port=0),
            "crbot": TestServer(build_app(bot.engine, [teams.mount]), host="127.0.0.1", port=0),
        }
        for server in servers.values():
            await server.start_server()
        try:
            async with aiohttp.ClientSession() as client:
                posts = {
                    name: poster(client, str(server.make_url("/api/messages")), connector)
                    for name, server in servers.items()
                }
                for post in posts.values():  # warm up: imports, first connections, first rows
                    await latencies(post, 20)
                figures = {name: Figures(name, [], 0.0) for name in posts}
                rates: dict[str, list[float]] = {name: [] for name in posts}
                # Alternate the two bots round by round, so drift hits both alike.
                for _ in range(rounds):
                    for name, post in posts.items():
                        figures[name].latencies_ms += await latencies(post, sequential // rounds)
                        rates[name].append(await throughput(post, parallel // rounds, concurrency))
                for name in posts:
                    figures[name].throughput = statistics.median(rates[name])
        finally:
            for server in servers.values():
                await server.close()
            await connector.stop()
            await bot.close()
    report(figures["crbot"], figures["echo"], concurrency)
    return 0


def report(crbot: Figures, echo: Figures, concurrency: int) -> None:
    """Print the figures and the ratios against the echo bot."""
    print(f"{'':8} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}  (req/s at concurrency {concurrency})")
    for figures in (echo, crbot):
        print(
            f"{figures.name:8} {figures.percentile(50):8.2f} {figures.percentile(99):8.2f} "
            f"{figures.throughput:8.1f}"
        )
    p50 = crbot.percentile(50) / echo.percentile(50)
    p99 = crbot.percentile(99) / echo.percentile(99)
    # Throughput as a cost ratio too (echo's rate over crbot's), so above 1 is worse everywhere.
    rate = echo.throughput / crbot.throughput
    print(
        f"ratio crbot/echo (lower is better): p50 {p50:.2f}x  p99 {p99:.2f}x  "
        f"time per request under load {rate:.2f}x"
    )
    verdict = "within" if max(p50, rate) <= TARGET_RATIO else "over"
    print(f"target {TARGET_RATIO}x on p50 and throughput: {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under 30 s)")
    return asyncio.run(run(parser.parse_args().quick))


if __name__ == "__main__":
    raise SystemExit(main())
