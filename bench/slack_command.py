"""Benchmark: signed `/compassion-steps` requests through crbot's Slack endpoint, against bare bolt
apps that ack a fixed string, all over real HTTP on 127.0.0.1 in the same run.

    .venv/bin/python bench/slack_command.py [--quick] [--requests N]

Three servers answer the same signed slash command:
  bolt-fixed    AsyncApp(process_before_response=True) acking a fixed string: the floor any
                bolt app pays (verification, parsing, dispatch)
  bolt-default  the same app in bolt's default mode, whose runner polls for the ack every 10 ms
  crbot         the real adapter: the core, its database, Block Kit rendering, inside the ack
Prints p50/p99 latency and throughput for each, and crbot's ratios to bolt-fixed.
Target: within 1.3x of bolt-fixed, and far below bolt-default's 10 ms floor.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request  # noqa: E402
from slack_bolt.async_app import AsyncAck, AsyncApp  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from adapters.slack.app import build_slack  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.messages import Incoming, Person, Target  # noqa: E402
from bot.settings import Settings  # noqa: E402
from crbot import runtime  # noqa: E402
from crbot.web import build_app  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TARGET_RATIO = 1.3
CONCURRENCY = 8
NO_PORT = None  # `/compassion-steps` with no text sends nothing itself


def bare_bolt(api_url: str, *, inline: bool) -> web.Application:
    """A bolt app whose only listener acks a fixed string."""
    app = AsyncApp(
        token=TOKEN,
        signing_secret=SECRET,
        client=AsyncWebClient(token=TOKEN, base_url=api_url),
        process_before_response=inline,
    )

    @app.command("/compassion-steps")
    async def fixed(ack: AsyncAck) -> None:
        await ack("The six Compassionate Action Steps.")

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    server = web.Application()
    server.router.add_post("/slack/events", events)
    return server


async def serve(app: web.Application) -> tuple[str, web.AppRunner]:
    """Serve on 127.0.0.1, a free port; the events URL and the runner."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events", runner


class Signer:
    """Signed slash-command requests, as Slack sends them (one of 20 people asking)."""

    def __init__(self) -> None:
        self.verifier = SignatureVerifier(SECRET)
        self.bodies = [
            urlencode(
                {
                    "command": "/compassion-steps",
                    "text": "",
                    "user_id": f"U{n}",
                    "channel_id": "C1",
                    "team_id": "T1",
                    "response_url": "http://127.0.0.1:9/unused",
                }
            )
            for n in range(20)
        ]

    async def send(self, session: aiohttp.ClientSession, url: str, n: int) -> float:
        """One request; its latency in milliseconds."""
        body = self.bodies[n % len(self.bodies)]
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=stamp, body=body),
        }
        start = time.perf_counter()
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
        return (time.perf_counter() - start) * 1000


async def measure(
    signer: Signer, session: aiohttp.ClientSession, url: str, count: int
) -> tuple[list[float], float]:
    """Sequential latencies, then requests per second with CONCURRENCY in flight."""
    timings = [await signer.send(session, url, n) for n in range(count)]
    numbers = iter(range(count))

    async def worker() -> None:
        for n in numbers:
            await signer.send(session, url, n)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return timings, count / (time.perf_counter() - start)


def p(timings: list[float], q: int) -> float:
    """The q-th percentile."""
    return statistics.quantiles(timings, n=100, method="inclusive")[q - 1]


async def run(requests: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    fake = await FakeSlack().start()
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            SLACK_BOT_TOKEN=TOKEN,  # type: ignore[call-arg]
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.api_url,
            data_dir=Path(data),
            pseudonym_secret="bench-pseudonym-secret-0123456789",
        )
        bot = await runtime.start(settings)
        logging.getLogger().setLevel(logging.ERROR)
        slack = build_slack(settings, bot.core, bot.engine)
        apps = {
            "bolt-fixed": bare_bolt(fake.api_url, inline=True),
            "bolt-default": bare_bolt(fake.api_url, inline=False),
            "crbot": build_app(bot.engine, [slack.mount]),
        }
        served = {name: await serve(app) for name, app in apps.items()}
        signer = Signer()
        timings: dict[str, list[float]] = {name: [] for name in apps}
        rates: dict[str, list[float]] = {name: [] for name in apps}
        try:
            async with aiohttp.ClientSession() as session:
                for url, _ in served.values():  # warm up: auth.test, connections, first rows
                    for n in range(20):
                        await signer.send(session, url, n)
                await core_alone(bot.core, 20)
                core_ms: list[float] = []
                rounds = 4  # alternate the servers, so drift hits all alike
                for _ in range(rounds):
                    core_ms += await core_alone(bot.core, requests // rounds)
                    for name, (url, _) in served.items():
                        some, rate = await measure(signer, session, url, requests // rounds)
                        timings[name] += some
                        rates[name].append(rate)
        finally:
            for _, runner in served.values():
                await runner.cleanup()
            await bot.close()
            await fake.stop()
    report(timings, {name: statistics.median(r) for name, r in rates.items()}, requests, core_ms)


async def core_alone(core: Core, count: int) -> list[float]:
    """`core.handle` in process, no HTTP: what the core itself costs per request."""
    timings = []
    for n in range(count):
        person = Person(tenant="slack:T1", user_id=f"U{n % 20}")
        incoming = Incoming(person=person, place=Target(tenant="slack:T1", address="C1"), text="")
        start = time.perf_counter()
        await core.handle(incoming, NO_PORT)  # type: ignore[arg-type]
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def report(
    timings: dict[str, list[float]], rates: dict[str, float], requests: int, core_ms: list[float]
) -> None:
    """The figures, and crbot's ratios against the fixed-string bolt app."""
    print(f"{requests} signed /compassion-steps requests per server, sequential for latency,")
    print(f"then {CONCURRENCY} in flight for throughput")
    print(f"{'':13} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    for name, some in timings.items():
        print(f"{name:13} {p(some, 50):8.2f} {p(some, 99):8.2f} {rates[name]:8.1f}")
    base, ours = timings["bolt-fixed"], timings["crbot"]
    p50, p99 = p(ours, 50) / p(base, 50), p(ours, 99) / p(base, 99)
    cost = rates["bolt-fixed"] / rates["crbot"]
    floor = p(timings["bolt-default"], 50) / p(ours, 50)
    print(
        f"crbot / bolt-fixed (lower is better): p50 {p50:.2f}x  p99 {p99:.2f}x  "
        f"time per request under load {cost:.2f}x"
    )
    print(f"bolt-default / crbot p50: {floor:.2f}x (crbot skips the 10 ms ack polling)")
    adapter = p(ours, 50) - p(core_ms, 50)
    print(
        f"core.handle alone p50 {p(core_ms, 50):.2f} ms; crbot without the core "
        f"(adapter, rendering, HTTP) {adapter:.2f} ms, {adapter / p(base, 50):.2f}x bolt-fixed"
    )
    verdict = "within" if max(p50, cost) <= TARGET_RATIO else "over"
    print(f"target {TARGET_RATIO}x of bolt-fixed on p50 and throughput: {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under 30 s)")
    parser.add_argument("--requests", type=int, default=None, help="requests per server")
    args = parser.parse_args()
    asyncio.run(run(args.requests or (200 if args.quick else 2000)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
