"""Benchmark: check-in answers per second through the whole Slack stack, against a raw one-row
upsert into the same database, in the same run.

    .venv/bin/python bench/checkin_throughput.py [--quick] [--postgres URL] [--answers N]

On SQLite, and on PostgreSQL when given a URL (a database of your own: the benchmark empties it
first, as the tests do theirs; never `test` or `postgres`), it opens a check-in in each of
several channels and has many distinct people press an answer, each person once, signed and
sent over loopback HTTP to crbot's real Slack endpoint (bolt, the core, the database, Block Kit,
the poll's `chat.update` and the private thanks by response URL, to a fake Slack Web API).
Beside it, taking turns with it in rounds so that drift hits all alike:

  raw upsert   one row into `poll_answers`, one transaction, SQLAlchemy async on the same
               database and pool: the least any stored answer costs
  storage      `PollStore.answer` alone: what the poll storage costs per answer
  bolt floor   a bare bolt app making the same Slack calls for the click with fixed words and
               no database: the least the Slack side costs
  bolt+upsert  the same bare bolt app recording the answer with the raw upsert first: the least
               a check-in answered through Slack costs, database and Slack side together

each at 1 and at 8 in flight. Prints answers per second and each one's ratio to the raw upsert.
Goal: crbot at 0.7x of the raw upsert or better. bolt+upsert's own ratio is the most any
check-in could reach through Slack on this machine: crbot does both halves of its work too.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.slack.app import build_slack  # noqa: E402
from bench.common import People, Post, raw_upsert, serve, throughput  # noqa: E402
from bench.slack_command import SECRET, TOKEN, bare_bolt, buttons_in  # noqa: E402
from bot.release import ReleasePolicy  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.storage.engine import sessions  # noqa: E402
from bot.storage.polls import Answer  # noqa: E402
from crbot import runtime  # noqa: E402
from crbot.web import build_app  # noqa: E402
from tests.conftest import reset_postgres  # noqa: E402
from tests.fakes.slack_api import FakeSlack, SignedSlack  # noqa: E402

Json = dict[str, Any]

TARGET_RATIO = 0.7
CONCURRENCIES = (1, 8)
ROUNDS = 4  # the subjects take turns this many times at each concurrency
CHANNELS = 8  # one check-in in each; answers go round them
TENANT = "slack:T1"


def stored(bot: runtime.Runtime, polls: list[str], people: People) -> Post:
    """`PollStore.answer` called directly, as the check-in handler calls it."""
    store, policy = bot.core.services.polls, ReleasePolicy(group_size=5)
    now = datetime.now(UTC)

    async def post(n: int) -> None:
        poll = polls[n % len(polls)]
        await store.answer_open(Answer(TENANT, poll, people.next("s"), n % 6, now), policy)

    return post


def clicking(slack: SignedSlack, answers: list[list[Json]], people: People) -> Post:
    """A new person presses one of the six answers of the n-th channel's check-in."""

    async def post(n: int) -> None:
        channel = n % len(answers)
        button = answers[channel][n % 6]
        status, _ = await slack.click(button, user=people.next("U"), channel=f"C{channel}")
        if status != 200:
            raise RuntimeError(f"{slack.url}: HTTP {status}")

    return post


async def run(url: str, answers: int, folder: Path) -> dict[int, dict[str, float]]:
    """Answers per second of every subject at each concurrency, on one database."""
    if url.startswith("postgresql"):
        await reset_postgres(url)  # a clean slate, as the tests make on their own database
    fake = await FakeSlack().start()
    settings = Settings(
        SLACK_BOT_TOKEN=TOKEN,  # type: ignore[call-arg]
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        data_dir=folder,
        database_url=url,
        pseudonym_secret="bench-pseudonym-secret-0123456789",
    )
    bot = await runtime.start(settings)
    logging.getLogger().setLevel(logging.ERROR)
    slack = build_slack(settings, bot.core, bot.engine)
    bolt_session = aiohttp.ClientSession()
    crbot_root, crbot_runner = await serve(build_app(bot.engine, [slack.mount]))
    bolt_root, bolt_runner = await serve(bare_bolt(fake.api_url, inline=True, session=bolt_session))
    people = People()
    upsert = raw_upsert(sessions(bot.engine), bot.engine.dialect.name, people)
    recording_root, recording_runner = await serve(
        bare_bolt(fake.api_url, inline=True, session=bolt_session, record=upsert)
    )
    rates: dict[int, dict[str, float]] = {}
    try:
        async with aiohttp.ClientSession() as client:
            crbot = SignedSlack(client, f"{crbot_root}/slack/events", SECRET, fake)
            bolt = SignedSlack(client, f"{bolt_root}/slack/events", SECRET, fake)
            recording = SignedSlack(client, f"{recording_root}/slack/events", SECRET, fake)
            buttons = []
            for channel in range(CHANNELS):
                await crbot.command("checkin", user="U-opener", channel=f"C{channel}")
                buttons.append(buttons_in(fake.called("chat.postMessage")[-1]["blocks"]))
            # The storage alone answers check-ins of its own, so its people never meet the
            # stack's; the raw rows go to poll ids no check-in has.
            services = bot.core.services
            own = [
                (
                    await services.polls.open(TENANT, f"S{c}", 1, "How are you?", datetime.now(UTC))
                ).id
                for c in range(CHANNELS)
            ]
            subjects = {
                "raw upsert": upsert,
                "storage": stored(bot, own, people),
                "bolt floor": clicking(bolt, buttons, people),
                "bolt+upsert": clicking(recording, buttons, people),
                "crbot": clicking(crbot, buttons, people),
            }
            for post in subjects.values():  # warm up: connections, caches, first rows
                await throughput(post, 40, 4)
            per_round = max(answers // ROUNDS, 10)
            for concurrency in CONCURRENCIES:
                busy = dict.fromkeys(subjects, 0.0)
                for _ in range(ROUNDS):
                    for name, post in subjects.items():
                        busy[name] += per_round / await throughput(post, per_round, concurrency)
                rates[concurrency] = {
                    name: ROUNDS * per_round / seconds for name, seconds in busy.items()
                }
    finally:
        await crbot_runner.cleanup()
        await bolt_runner.cleanup()
        await recording_runner.cleanup()
        await bolt_session.close()
        await slack.stop()
        await bot.close()
        await fake.stop()
    return rates


def report(kind: str, answers: int, rates: dict[int, dict[str, float]]) -> list[float]:
    """The figures for one database; returns crbot's ratios to the raw upsert."""
    print(f"\n== {kind}: {answers} answers per subject at each concurrency, in {ROUNDS} rounds")
    print(f"{'':12}" + "".join(f" {f'{c} in flight':>13} {'ratio':>6}" for c in rates))
    ours = []
    for name in next(iter(rates.values())):
        line = f"{name:12}"
        for by_name in rates.values():
            ratio = by_name[name] / by_name["raw upsert"]
            line += f" {by_name[name]:9.1f} a/s {ratio:5.2f}x"
        print(line)
    for concurrency, by_name in rates.items():
        ratio = by_name["crbot"] / by_name["raw upsert"]
        floor = by_name["bolt floor"] / by_name["raw upsert"]
        ceiling = by_name["bolt+upsert"] / by_name["raw upsert"]
        ours.append(ratio)
        verdict = "meets" if ratio >= TARGET_RATIO else "below"
        print(
            f"{kind} at {concurrency} in flight: crbot {ratio:.2f}x of the raw upsert, {verdict} "
            f"the {TARGET_RATIO}x goal (the bolt floor alone reaches {floor:.2f}x; bolt with the "
            f"raw upsert, the most a check-in through Slack can reach, {ceiling:.2f}x; crbot is "
            f"{ratio / ceiling:.2f}x of that)"
        )
    return ours


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (well under a minute)")
    parser.add_argument("--postgres", help="a PostgreSQL database of your own, as a URL")
    parser.add_argument("--answers", type=int, default=None, help="answers per subject")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    answers = args.answers or (200 if args.quick else 2000)
    with tempfile.TemporaryDirectory() as folder:
        urls = {"SQLite": f"sqlite+aiosqlite:///{Path(folder) / 'checkins.db'}"}
        if args.postgres:
            urls["PostgreSQL"] = args.postgres.replace("postgresql://", "postgresql+asyncpg://", 1)
        for kind, url in urls.items():
            rates = asyncio.run(run(url, answers, Path(folder)))
            report(kind, max(answers // ROUNDS, 10) * ROUNDS, rates)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
