"""Soak: the whole bot, run as `crbot run` (web server with Slack and Teams, and the scheduler),
under a steady mix of signed Slack slash commands, Slack poll clicks and Teams activities over
real HTTP on 127.0.0.1, against the fake Slack Web API and Bot Connector, while the scheduler
delivers rollouts' posts to both platforms at the same time.

    .venv/bin/python bench/soak.py --quick            # under a minute, as in CI
    .venv/bin/python bench/soak.py                    # by hand: 30 minutes
    .venv/bin/python bench/soak.py --minutes 10       # shorter
    .venv/bin/python bench/soak.py --database-url postgresql://postgres@127.0.0.1/crbot_soak

Prints throughput, p50/p99 per kind of request, errors (non-2xx answers, apologies, the bot's
ERROR log lines, scheduled posts not sent), and the bot process's RSS at the start and end of
the load with its slope: KiB/min, least squares over the second half of the samples, since
caches and pools fill early in a run and a leak keeps climbing after they have. A flat line is
a slope near zero there, however long the run; the whole run's slope is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.teams.references import ReferenceStore  # noqa: E402
from bench.common import percentile  # noqa: E402
from bot.messages import Target  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.storage.engine import sessions  # noqa: E402
from bot.storage.ledger_tables import DeliveryRow  # noqa: E402
from bot.wording import sorry_reply  # noqa: E402
from crbot import runtime  # noqa: E402
from tests.commandline import local_environment  # noqa: E402
from tests.deliveries import posts_due  # noqa: E402
from tests.fakes.bot_connector import TEAM, TENANT, FakeBotConnector, activity  # noqa: E402
from tests.fakes.slack_api import FakeSlack, SignedSlack  # noqa: E402
from tests.test_teams_port import reference  # noqa: E402

SECRET = "soak-signing-secret"
TOKEN = "xoxb-soak"
PSEUDONYM_SECRET = "soak-pseudonym-secret-0123456789abcdef"
SLACK_TENANT = "slack:T1"
TEAMS_TENANT = f"teams:{TENANT}"
TEAMS_CHANNEL = "19:soak-rollout@thread.tacv2"
LOAD_CHANNEL, POLL_CHANNEL = "CLOAD", "CPOLL"
PEOPLE = 50
SLACK_COMMANDS = ("practice", "steps", "steps 3", "scenario", "prompt", "help", "tips")
TEAMS_COMMANDS = ("practice", "compassion-steps", "scenario", "help", "prompt")
# Of every five requests: two slash commands, one poll click, two Teams activities.
MIX = ("slack command", "teams activity", "slack poll click", "slack command", "teams activity")
# Past this many requests in flight the load waits for the bot instead of piling up.
MAX_IN_FLIGHT = 32
SORRY = sorry_reply().summary
# About how long `crbot run` takes to answer /readyz here.
STARTUP_SECONDS = 5.0
# A delivery that ends in one of these was lost (or may have been).
LOST = frozenset({"failed", "missed", "uncertain"})


@dataclass(frozen=True)
class Plan:
    """How long and how hard."""

    warm_up: float
    seconds: float
    rate: float
    sample_every: float
    deliveries: int


@dataclass
class Results:
    """What the load saw."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (minutes, KiB)
    slack_posts: Counter[str] = field(default_factory=Counter)  # channel -> chat.postMessage
    teams_posts: int = 0
    elapsed: float = 0.0


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_kib(pid: int) -> int | None:
    """The process's resident set size in KiB (Linux), or None where /proc is missing."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def slope_kib_per_minute(samples: list[tuple[float, int]]) -> float:
    """The least-squares slope of RSS over time."""
    if len(samples) < 2:
        return 0.0
    minutes, kib = zip(*samples, strict=True)
    return statistics.linear_regression(minutes, kib).slope


async def plan_deliveries(
    settings: Settings, connector: FakeBotConnector, plan: Plan
) -> tuple[list[int], set[str]]:
    """Rollouts in Slack channels and a Teams channel, with `plan.deliveries` of their posts due
    one after another across the run (planned before the bot starts, as a facilitator's are).
    Returns the ledger rows chosen and the Slack channels posted to."""
    bot = await runtime.start(settings)
    try:
        core = bot.core
        await ReferenceStore(sessions(bot.engine)).save(
            TEAMS_TENANT,
            reference(connector, TEAMS_CHANNEL, "channel"),
            kind="channel",
            team_id=TEAM,
        )
        # Each rollout makes a dozen posts of the kinds chosen; Slack channels enough for the
        # run (with room to spare), and Teams.
        channels = {f"CSOAK{n}" for n in range(1, plan.deliveries // 8 + 2)}
        places = [Target(tenant=SLACK_TENANT, address=channel) for channel in sorted(channels)]
        places.append(Target(tenant=TEAMS_TENANT, address=TEAMS_CHANNEL))
        # From the end of the warm-up to near the end of the load, evenly.
        first = datetime.now(UTC) + timedelta(seconds=STARTUP_SECONDS + plan.warm_up)
        every = timedelta(seconds=plan.seconds * 0.8 / plan.deliveries)
        chosen = await posts_due(core, bot.engine, places, plan.deliveries, first, every)
        return chosen, channels
    finally:
        await bot.close()


async def delivery_statuses(settings: Settings, chosen: list[int]) -> Counter[str]:
    """What the ledger says became of the posts due during the run."""
    bot = await runtime.start(settings)
    try:
        async with bot.engine.connect() as connection:
            rows = await connection.execute(
                select(DeliveryRow.status).where(DeliveryRow.id.in_(chosen))
            )
            return Counter(row.status for row in rows)
    finally:
        await bot.close()


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`crbot run`, as an operator starts it."""
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "crbot", "run"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )


async def ready(session: aiohttp.ClientSession, root: str, bot: subprocess.Popen[bytes]) -> None:
    """Wait (with a deadline) until the bot answers /readyz."""
    deadline = time.monotonic() + 60
    while True:
        try:
            async with session.get(f"{root}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        if bot.poll() is not None:
            raise RuntimeError(f"the bot exited with {bot.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise RuntimeError("the bot was not ready within 60 s")
        await asyncio.sleep(0.1)


class Load:
    """The three kinds of request, each checked: a 2xx, and no apology."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        root: str,
        fake: FakeSlack,
        connector: FakeBotConnector,
        results: Results,
    ) -> None:
        self.session = session
        self.teams_url = f"{root}/api/messages"
        self.slack = SignedSlack(session, f"{root}/slack/events", SECRET, fake)
        self.fake = fake
        self.connector = connector
        self.results = results
        self.poll: list[dict[str, Any]] = []
        self.poll_ts = ""

    async def open_poll(self) -> None:
        """A check-in poll in the poll channel, whose buttons people then click."""
        status, _ = await self.slack.command("checkin", channel=POLL_CHANNEL)
        if status != 200:
            raise RuntimeError(f"opening the check-in poll: HTTP {status}")
        for call in self.fake.calls:
            if call.method == "chat.postMessage" and call.args.get("channel") == POLL_CHANNEL:
                blocks = call.args.get("blocks") or []
                self.poll = [
                    element
                    for block in blocks
                    if block.get("type") == "actions"
                    for element in block["elements"]
                    if str(element.get("value", "")).startswith("checkin ")
                ]
        ts = [c for c in self.fake.calls if c.args.get("channel") == POLL_CHANNEL]
        self.poll_ts = str(ts[-1].args.get("ts") or "1700000000.000001") if ts else ""
        if not self.poll:
            raise RuntimeError("the check-in poll was not posted")

    async def slack_command(self, n: int) -> None:
        """`/compassion-steps <command>`: the reply is the ack's body."""
        text = SLACK_COMMANDS[n % len(SLACK_COMMANDS)]
        status, body = await self.slack.command(text, user=f"U{n % PEOPLE}", channel=LOAD_CHANNEL)
        self._check("slack command", status, SORRY in body)

    async def slack_poll_click(self, n: int) -> None:
        """A click on one of the poll's answers, by one of the people."""
        button = self.poll[n % len(self.poll)]
        status, _ = await self.slack.click(
            button, user=f"U{n % PEOPLE}", channel=POLL_CHANNEL, message_ts=self.poll_ts
        )
        self._check("slack poll click", status, False)

    async def teams_activity(self, n: int) -> None:
        """A typed command in a personal chat; the reply goes to the fake connector."""
        body = activity(
            self.connector,
            text=TEAMS_COMMANDS[n % len(TEAMS_COMMANDS)],
            user=f"29:user-{n % PEOPLE}",
        )
        body["id"] = f"soak-{n}"
        async with self.session.post(self.teams_url, json=body) as response:
            await response.read()
            self._check("teams activity", response.status, False)

    def _check(self, kind: str, status: int, apologised: bool) -> None:
        if not 200 <= status < 300:
            self.results.errors[f"{kind}: HTTP {status}"] += 1
        elif apologised:
            self.results.errors[f"{kind}: apology"] += 1

    def drain(self, rollout_channels: set[str]) -> None:
        """Tally what the fakes received and forget it, so their memory stays flat."""
        for call in self.fake.calls:
            channel = str(call.args.get("channel") or "")
            if call.method == "chat.postMessage" and channel in rollout_channels:
                self.results.slack_posts[channel] += 1
        for teams_call in self.connector.calls:
            if teams_call.conversation.startswith(TEAMS_CHANNEL):
                self.results.teams_posts += 1
            elif SORRY in teams_call.texts():
                self.results.errors["teams activity: apology"] += 1
        self.fake.calls.clear()
        self.fake.responses.clear()
        self.fake.uploads.clear()
        self.connector.calls.clear()


async def drive(load: Load, seconds: float, rate: float, results: Results | None) -> None:
    """Requests at a steady rate for `seconds`, in the MIX's order; timed unless warming up."""
    kinds: dict[str, Callable[[int], Awaitable[None]]] = {
        "slack command": load.slack_command,
        "slack poll click": load.slack_poll_click,
        "teams activity": load.teams_activity,
    }
    loop = asyncio.get_running_loop()
    room = asyncio.Semaphore(MAX_IN_FLIGHT)
    running: set[asyncio.Task[None]] = set()

    async def one(kind: str, n: int) -> None:
        started = time.perf_counter()
        try:
            await kinds[kind](n)
        except (aiohttp.ClientError, TimeoutError) as error:
            load.results.errors[f"{kind}: {type(error).__name__}"] += 1
        finally:
            room.release()
        if results is not None:
            results.latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)

    start = loop.time()
    n = 0
    while loop.time() - start < seconds:
        await room.acquire()
        task = asyncio.create_task(one(MIX[n % len(MIX)], n))
        running.add(task)
        task.add_done_callback(running.discard)
        n += 1
        await asyncio.sleep(max(0.0, start + n / rate - loop.time()))
    await asyncio.gather(*running)


async def sample(
    load: Load, pid: int, every: float, results: Results, stop: asyncio.Event, channels: set[str]
) -> None:
    """The bot's RSS every `every` seconds, and the fakes drained."""
    started = time.monotonic()
    while not stop.is_set():
        kib = rss_kib(pid)
        if kib is not None:
            results.rss.append(((time.monotonic() - started) / 60, kib))
        load.drain(channels)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
    kib = rss_kib(pid)
    if kib is not None:
        results.rss.append(((time.monotonic() - started) / 60, kib))
    load.drain(channels)


def bot_environment(
    data: Path, port: int, fake: FakeSlack, database_url: str | None
) -> dict[str, str]:
    """Slack (one workspace, against the fake) and Teams (authentication off), JSON logs."""
    env = local_environment(data)
    env.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        CRBOT_TEAMS_ENABLED="true",
        CRBOT_PSEUDONYM_SECRET=PSEUDONYM_SECRET,
        CRBOT_LOG_FORMAT="json",
        CRBOT_LOG_LEVEL="WARNING",
        PORT=str(port),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def log_levels(log: Path) -> Counter[tuple[str, str]]:
    """How many lines of each level and message the bot wrote (non-JSON lines are errors)."""
    lines: Counter[tuple[str, str]] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
            lines[str(record.get("level", "ERROR")), str(record.get("message"))] += 1
        except (ValueError, AttributeError):
            lines["ERROR", line[:80]] += 1
    return lines


async def soak(plan: Plan, database_url: str | None, keep_log: Path | None) -> int:
    fake = await FakeSlack().start()
    connector = await FakeBotConnector().start()
    results = Results()
    with tempfile.TemporaryDirectory() as folder:
        data, log = Path(folder) / "data", Path(folder) / "bot.log"
        port = free_port()
        env = bot_environment(data, port, fake, database_url)
        settings = Settings(
            data_dir=data,
            database_url=database_url,
            pseudonym_secret=PSEUDONYM_SECRET,  # type: ignore[arg-type]
        )
        if database_url:
            await reset(settings)
        chosen, channels = await plan_deliveries(settings, connector, plan)
        bot = start_bot(env, log)
        stopped_in, code = 0.0, None
        try:
            root = f"http://127.0.0.1:{port}"
            timeout = aiohttp.ClientTimeout(total=30)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                await ready(session, root, bot)
                load = Load(session, root, fake, connector, results)
                await load.open_poll()
                await drive(load, plan.warm_up, plan.rate, None)
                stop = asyncio.Event()
                sampler = asyncio.create_task(
                    sample(load, bot.pid, plan.sample_every, results, stop, channels)
                )
                started = time.perf_counter()
                await drive(load, plan.seconds, plan.rate, results)
                results.elapsed = time.perf_counter() - started
                stop.set()
                await sampler
            asked = time.monotonic()
            bot.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(bot.wait, 30)
            stopped_in = time.monotonic() - asked
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait()
            await fake.stop()
            await connector.stop()
        statuses = await delivery_statuses(settings, chosen)
        lines = log_levels(log)
        if keep_log is not None:
            shutil.copyfile(log, keep_log)
    return report(plan, database_url, results, statuses, lines, stopped_in, code)


async def reset(settings: Settings) -> None:
    """Start PostgreSQL from an empty schema, as a fresh installation would."""
    from tests.conftest import reset_postgres

    await reset_postgres(settings.resolved_database_url)


def report(
    plan: Plan,
    database_url: str | None,
    results: Results,
    statuses: Counter[str],
    lines: Counter[tuple[str, str]],
    stopped_in: float,
    code: int | None,
) -> int:
    """Print the figures; the exit status is 0 when nothing went wrong."""
    database = "PostgreSQL" if database_url else "SQLite"
    print(
        f"soak: {plan.seconds:.0f} s of load at {plan.rate:.0f} req/s after a "
        f"{plan.warm_up:.0f} s warm-up, {database}, the bot as `crbot run` (Slack + Teams)"
    )
    print(f"{'':18} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8}")
    everything: list[float] = []
    for kind in sorted(results.latencies):
        timings = results.latencies[kind]
        everything += timings
        print(
            f"{kind:18} {len(timings):8d} {percentile(timings, 50):8.2f} "
            f"{percentile(timings, 99):8.2f}"
        )
    print(
        f"{'all':18} {len(everything):8d} {percentile(everything, 50):8.2f} "
        f"{percentile(everything, 99):8.2f}"
    )
    print(f"throughput: {len(everything) / results.elapsed:.1f} req/s")
    due = sum(statuses.values())
    sent, lost = statuses["sent"], sum(statuses[s] for s in LOST)
    pending = due - sent - lost - statuses["skipped"]
    print(
        f"scheduled posts: {due} due during the run, {sent} sent, {lost} failed, "
        f"{pending} pending ({dict(statuses)}); the fakes received "
        f"{sum(results.slack_posts.values())} Slack and {results.teams_posts} Teams posts"
    )
    levels: Counter[str] = Counter()
    for (level, _), count in lines.items():
        levels[level] += count
    print(f"bot log: {levels['ERROR'] + levels['CRITICAL']} errors, {levels['WARNING']} warnings")
    for (level, message), count in sorted(lines.items()):
        print(f"  {level} {message}: {count}")
    if results.rss:
        start, end = results.rss[0][1], results.rss[-1][1]
        later = results.rss[len(results.rss) // 2 :]
        print(
            f"bot RSS: start {start / 1024:.1f} MiB, end {end / 1024:.1f} MiB, "
            f"slope {slope_kib_per_minute(later):+.1f} KiB/min over the second half "
            f"({len(later)} samples, least squares; "
            f"{slope_kib_per_minute(results.rss):+.1f} KiB/min over all {len(results.rss)})"
        )
    else:
        print("bot RSS: not measured (no /proc on this system)")
    print(f"bot stopped on SIGTERM in {stopped_in:.1f} s (exit {code})")
    errors = sum(results.errors.values()) + levels["ERROR"] + levels["CRITICAL"] + lost + pending
    for what, count in sorted(results.errors.items()):
        print(f"  {what}: {count}")
    print(f"errors: {errors}")
    return 0 if errors == 0 and code == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    parser.add_argument("--minutes", type=float, default=30.0, help="minutes of load")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL to soak against (emptied first)"
    )
    parser.add_argument("--log", type=Path, default=None, help="keep the bot's JSON log here")
    args = parser.parse_args()
    seconds = 20.0 if args.quick else args.minutes * 60
    plan = Plan(
        warm_up=5.0,
        seconds=seconds,
        rate=args.rate,
        sample_every=1.0 if args.quick else 10.0,
        deliveries=max(12, int(seconds // 2)),
    )
    return asyncio.run(soak(plan, args.database_url, args.log))


if __name__ == "__main__":
    raise SystemExit(main())
