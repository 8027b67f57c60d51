"""Ways an answer could leak through what a platform receives, each closed, on Slack, Teams and
the shell: figures that move with every answer, a release that gives a unanimous group away, a
deletion that shows, and a low answer that makes its own traffic (docs/PRIVACY.md)."""

from __future__ import annotations

import io
import json
import logging
import math
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.shell.session import run_shell, tenant_of
from bot import metrics
from bot.core import Core
from bot.release import ReleasePolicy, laplace_noise, release, spent
from bot.storage.tables import PollAnswerRow
from tests.conftest import FrozenClock, TeamsEndpoint
from tests.fakes.bot_connector import TENANT, FakeBotConnector, activity, mention
from tests.fakes.slack_api import TEAM, SlackStack, running_slack

Json = dict[str, Any]

# A poll's status line: the live count, then the release (or when it comes), maybe final.
STATUS = re.compile(
    r"(\d+) (?:people have|person has) answered\. "
    r"(?:(At \d+: low \(0-1\) \d+% · middle \(2-3\) \d+% · high \(4-5\) \d+%"
    r"(?: · average about \d\.\d)?)\.|Figures appear once)( These figures are final\.)?"
)
# A released week as a report prints it.
REPORTED = re.compile(r"\d+ answers, low \(0-1\) \d+% · [^\n\"]*? · average about \d\.\d")


class Status(NamedTuple):
    """What one poll message showed: the live count, the figures (None before any), final."""

    count: int
    figures: str | None
    final: bool


class Answered(NamedTuple):
    """What one answer made the platform do, with the person's id taken out, and what they alone
    were shown."""

    calls: list[tuple[str, ...]]
    private: str


def strings(node: Any) -> list[str]:
    """Every string inside a JSON body, depth first."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [found for value in node.values() for found in strings(value)]
    if isinstance(node, list):
        return [found for item in node for found in strings(item)]
    return []


def statuses(messages: list[list[str]]) -> list[Status]:
    """The one status each poll message showed (its blocks and fallback text must agree)."""
    shown = []
    for texts in messages:
        found = {
            Status(int(m[1]), m[2], bool(m[3])) for text in texts for m in STATUS.finditer(text)
        }
        assert len(found) == 1, texts
        shown.append(found.pop())
    return shown


class Platform(Protocol):
    """One platform as people use it, driven through its real adapter."""

    tenant: str

    def user(self, name: str) -> str:
        """The platform's id for a person."""
        ...

    async def open(self, name: str) -> None:
        """Post a check-in to the team's channel."""
        ...

    async def answer(self, name: str, value: int) -> Answered:
        """Answer the posted check-in."""
        ...

    async def say(self, name: str, text: str) -> str:
        """Type a command where the check-in is; everything the platform was sent back."""
        ...

    def poll_messages(self) -> list[list[str]]:
        """The texts of every poll message the platform received (posts and updates), in order."""
        ...


@dataclass
class Slack:
    """Slack over real HTTP: signed requests to the bolt app, Web API calls to the fake."""

    stack: SlackStack
    tenant: str = f"slack:{TEAM}"
    poll: Json = field(default_factory=dict)

    def user(self, name: str) -> str:
        return f"U{name}"

    async def open(self, name: str) -> None:
        assert (await self.stack.slack.command("checkin", user=self.user(name)))[0] == 200
        (self.poll,) = self.stack.fake.called("chat.postMessage")

    async def answer(self, name: str, value: int) -> Answered:
        fake = self.stack.fake
        calls, responses = len(fake.calls), len(fake.responses)
        actions = [e for b in self.poll["blocks"] if b["type"] == "actions" for e in b["elements"]]
        status, _ = await self.stack.slack.click(actions[value], user=self.user(name))
        assert status == 200
        made = [(call.method, json.dumps(call.args.get("channel"))) for call in fake.calls[calls:]]
        private = [body for _, body in fake.responses[responses:]]
        made += [("response_url", body["response_type"]) for body in private]
        return Answered(made, " ".join(strings(private)))

    async def say(self, name: str, text: str) -> str:
        status, body = await self.stack.slack.command(text, user=self.user(name))
        assert status == 200
        return " ".join(strings(json.loads(body)))

    def poll_messages(self) -> list[list[str]]:
        polls = ("chat.postMessage", "chat.update")
        return [strings(call.args) for call in self.stack.fake.calls if call.method in polls]


@dataclass
class Teams:
    """Teams over real HTTP: activities to the bot's endpoint, replies to the Bot Connector."""

    endpoint: TeamsEndpoint
    connector: FakeBotConnector
    tenant: str = f"teams:{TENANT}"
    poll_id: str = ""
    choices: list[Json] = field(default_factory=list)

    def user(self, name: str) -> str:
        return f"29:user-{name}"

    async def _post(self, body: Json) -> list[Any]:
        start = len(self.connector.calls)
        assert await self.endpoint.post(body) == 201
        return self.connector.calls[start:]

    async def open(self, name: str) -> None:
        who = self.user(name)
        await self._post(activity(self.connector, kind="channel", user=who, **mention("checkin")))
        [posted] = self.connector.new_threads()
        self.poll_id, self.choices = str(posted.activity_id), posted.card["body"][2]["actions"]

    async def answer(self, name: str, value: int) -> Answered:
        who, data = self.user(name), self.choices[value]["data"]
        body = activity(
            self.connector, kind="channel", user=who, value=data, replyToId=self.poll_id
        )
        made = await self._post(body)
        private = [call for call in made if call.conversation.startswith("a:personal-")]
        calls = [(call.kind, call.conversation.replace(who, "someone")) for call in made]
        return Answered(calls, " ".join(text for call in private for text in strings(call.body)))

    async def say(self, name: str, text: str) -> str:
        # In the channel, as the check-in is there; private replies come to the personal chat.
        made = await self._post(
            activity(self.connector, kind="channel", user=self.user(name), **mention(text))
        )
        return " ".join(said for call in made for said in strings(call.body))

    def poll_messages(self) -> list[list[str]]:
        threads = [call.activity_id for call in self.connector.new_threads()]
        updates = [call for call in self.connector.of_kind("update") if call.activity_id in threads]
        return [strings(call.body) for call in [*self.connector.new_threads(), *updates]]


@dataclass
class Shell:
    """The shell adapter itself, each person at the terminal in turn, one team."""

    core: Core
    team: str = "ward"
    outputs: list[str] = field(default_factory=list)

    @property
    def tenant(self) -> str:
        return tenant_of(self.team)

    def user(self, name: str) -> str:
        return name

    async def say(self, name: str, text: str) -> str:
        printed = io.StringIO()
        await run_shell(
            self.core, user=name, team=self.team, stdin=io.StringIO(f"{text}\n"), stdout=printed
        )
        self.outputs.append(printed.getvalue())
        return printed.getvalue()

    async def open(self, name: str) -> None:
        await self.say(name, "checkin")

    async def answer(self, name: str, value: int) -> Answered:
        printed = await self.say(name, f"checkin {value}")
        # What was printed, by its heading: posted, updated, or privately to someone apart.
        heads = [(line.split()[1],) for line in printed.splitlines() if line.startswith("── ")]
        return Answered(heads, printed)

    def poll_messages(self) -> list[list[str]]:
        return [[line] for out in self.outputs for line in out.splitlines() if STATUS.search(line)]


@pytest.fixture(params=["slack", "teams", "shell"])
async def platform(
    request: pytest.FixtureRequest,
    core: Core,
    engine: AsyncEngine,
    clock: FrozenClock,
    teams_endpoint: TeamsEndpoint,
    bot_connector: FakeBotConnector,
) -> AsyncIterator[Platform]:
    """Each platform in turn, over the same test core (group size 3, figures without noise)."""
    if request.param == "slack":
        async with running_slack(core, engine, clock) as stack:
            yield Slack(stack)
    elif request.param == "teams":
        yield Teams(teams_endpoint, bot_connector)
    else:
        yield Shell(core)


FIRST = "At 3: low (0-1) 0% · middle (2-3) 33% · high (4-5) 67% · average about 3.8"
SECOND = "At 5: low (0-1) 40% · middle (2-3) 0% · high (4-5) 60% · average about 2.9"


async def test_figures_stay_as_released_until_the_group_size_more_people_act(
    platform: Platform,
) -> None:
    await platform.open("fran")
    for name, value in (("ann", 4), ("bo", 4), ("cy", 2)):
        await platform.answer(name, value)
    # One more person answers, then one changes their answer: two people acted, not three.
    await platform.answer("dee", 0)
    await platform.answer("cy", 5)
    # A third person acting since the release makes the next (and last) one.
    await platform.answer("eve", 1)

    shown = statuses(platform.poll_messages())

    assert [status.count for status in shown] == [0, 1, 2, 3, 4, 4, 5]
    assert [status.figures for status in shown] == [None, None, None, FIRST, FIRST, FIRST, SECOND]
    assert [status.final for status in shown] == [False] * 6 + [True]


def high_share_is_all(counts: dict[int, int], policy: ReleasePolicy, times: int) -> float:
    """How often a release of `counts` says "100% high"."""
    return sum(release(counts, 1, policy).shares() == (0, 0, 100) for _ in range(times)) / times


def test_a_unanimous_group_cannot_be_read_as_such_from_one_release() -> None:
    policy = ReleasePolicy(group_size=3, noise=laplace_noise)
    epsilon = policy.epsilon_per_release
    assert spent(epsilon) <= epsilon + 1e-9  # OpenDP's own accounting of one release
    times = 800

    unanimous = high_share_is_all({4: 3}, policy, times)
    one_apart = high_share_is_all({4: 2, 2: 1}, policy, times)  # one person answered 2 instead

    # Often the release does not say "everyone is high", so one that does names no one.
    assert 0 < unanimous < 0.9
    # Differential privacy: changing one answer moves the chance of any output by at most e^ε;
    # the tolerance covers sampling (about five standard errors at these rates).
    tolerance = 0.05
    assert unanimous <= math.exp(epsilon) * one_apart + tolerance
    assert one_apart <= math.exp(epsilon) * unanimous + tolerance


async def answers_in(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.scalars(select(PollAnswerRow.respondent))).all())


def reported(text: str) -> str:
    found = REPORTED.search(text)
    assert found is not None, text
    return found.group(0)


async def test_delete_me_takes_the_answer_at_once_and_reaches_the_figures_only_in_a_later_batch(
    platform: Platform, core: Core, engine: AsyncEngine
) -> None:
    await core.services.team_settings.grant(platform.tenant, platform.user("fran"), "facilitator")
    await platform.open("fran")
    for name, value in (("ann", 4), ("bo", 4), ("cy", 1)):
        await platform.answer(name, value)
    released = "At 3: low (0-1) 33% · middle (2-3) 0% · high (4-5) 67% · average about 3.2"
    before = reported(await platform.say("fran", "report"))
    assert before.startswith("3 answers, low (0-1) 33% · middle (2-3) 0%")

    done = await platform.say("cy", "privacy delete-me confirm")

    assert "Deleted 1 check-in and survey answer(s)" in done
    gone = core.services.pseudonyms.of(platform.tenant, platform.user("cy"))
    respondents = await answers_in(engine)
    assert len(respondents) == 2 and gone not in respondents
    assert reported(await platform.say("fran", "report")) == before
    shown_again = await platform.say("ann", "checkin")  # the poll, shown to one person
    assert statuses([[shown_again]]) == [Status(2, released, False)]
    await platform.answer("dee", 2)
    assert statuses(platform.poll_messages())[-1] == Status(3, released, False)
    # The deletion, dee and eve make a batch: only now do the figures leave cy's answer out.
    await platform.answer("eve", 0)
    after = "At 4: low (0-1) 25% · middle (2-3) 25% · high (4-5) 50% · average about 3.0"
    assert statuses(platform.poll_messages())[-1] == Status(4, after, True)
    assert reported(await platform.say("fran", "report")).startswith("4 answers, low (0-1) 25%")


def counted() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample in /metrics' exposition but timings (buckets, sums, creation times)."""
    body, _ = metrics.exposition()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if not sample.name.endswith(("_bucket", "_sum", "_created"))
    }


def grown(before: dict[Any, float], after: dict[Any, float]) -> dict[Any, float]:
    """The samples that moved, and by how much."""
    return {
        key: after[key] - before.get(key, 0.0) for key in after if after[key] != before.get(key)
    }


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    """The bot's own log lines (not the web servers' access logs, which carry times)."""
    ours = ("bot", "adapters", "crbot", "scheduler")
    return [
        (record.name, record.levelno, record.getMessage())
        for record in caplog.records
        if record.name.split(".")[0] in ours
    ]


async def test_a_low_answer_makes_the_same_calls_metrics_and_logs_as_a_high_one(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await platform.open("fran")
    await platform.answer("ann", 3)  # anything done once per poll is done by now

    caplog.clear()
    start = counted()
    low = await platform.answer("lo", 0)
    low_logs, middle = logged(caplog), counted()
    caplog.clear()
    high = await platform.answer("hi", 5)
    high_logs, end = logged(caplog), counted()

    # The note rides inside the one private acknowledgement every answer gets.
    assert "a note, just for you" in low.private.lower() and "EAP at 555-0100" in low.private
    assert "note, just for you" not in high.private.lower() and "EAP" not in high.private
    assert "your answer is in" in low.private and "your answer is in" in high.private
    assert low.calls == high.calls and low.calls
    assert grown(start, middle) == grown(middle, end) != {}
    assert low_logs == high_logs
