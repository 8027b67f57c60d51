"""A determined reader, played by hypothesis: random answers, changes, deletions, reports,
exports and poll renders by up to 12 people on several polls and channels.

After every step the test records everything someone other than the author can see: the poll
and survey messages, the facilitator's report, its CSVs and chart data, App Home, the counters on
/metrics and the log at DEBUG. It fails when

- a published figure changed without the group size of distinct people having acted on one poll
  since that output last changed (docs/PRIVACY.md, promise 2), or
- two runs that differ only in the value of one person's answer show anything different, once
  the noise is held the same (promise 6): with noise that ignores the true counts, every output
  must then be identical, and the counts the mechanism is given may differ by no more than its
  sensitivity, so OpenDP's noise hides the rest (tests/test_release.py).
"""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot import metrics
from bot.core import Core
from bot.features import insights, surveys
from bot.handlers import report
from bot.messages import Incoming, Person, Reply, Target
from bot.release import SENSITIVITY, status_line
from bot.storage.engine import create_engine
from content.loader import LoadedPack
from crbot import logs
from tests.conftest import FakePort, FrozenClock, build_core

TENANT = "test:team"
GROUP = 3
CHANNELS = ("#a", "#b")
PEOPLE = tuple(f"u{number}" for number in range(12))
FACILITATOR = "fran"

# One step of the reader's experiment.
answer_steps = st.tuples(
    st.just("answer"), st.sampled_from(PEOPLE), st.sampled_from(CHANNELS), st.integers(0, 5)
)
survey_steps = st.tuples(
    st.just("survey"), st.sampled_from(PEOPLE), st.integers(1, 2), st.integers(0, 5)
)
delete_steps = st.tuples(st.just("delete"), st.sampled_from(PEOPLE), st.none(), st.none())
look_steps = st.tuples(
    st.sampled_from(["report", "render"]), st.none(), st.sampled_from(CHANNELS), st.none()
)
steps = st.lists(
    st.one_of(answer_steps, answer_steps, survey_steps, delete_steps, look_steps),
    min_size=4,
    max_size=36,
)

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LIVE_COUNT = re.compile(r"\d+ (people have|person has) answered")


def normalised(text: str) -> str:
    """Ids that differ between runs by chance (poll ids, memory addresses) made alike."""
    return re.sub(r"0x[0-9a-f]+", "0x", UUID.sub("<id>", text))


@dataclass
class Run:
    """One run of the experiment: a core on its own database, and what outsiders saw."""

    core: Core
    port: FakePort
    polls: dict[str, str] = field(default_factory=dict)  # channel -> poll id
    seen: list[dict[str, str]] = field(default_factory=list)
    noise_inputs: list[tuple[int, ...]] = field(default_factory=list)
    log: io.StringIO = field(default_factory=io.StringIO)

    async def say(self, user: str, channel: str, line: str) -> Reply:
        incoming = Incoming(
            person=Person(tenant=TENANT, user_id=user),
            place=Target(tenant=TENANT, address=channel),
            text=line,
        )
        return await self.core.handle(incoming, self.port)

    def message(self, channel: str, message_id: str) -> str:
        """The newest version of a posted message, as everyone in the channel sees it."""
        versions = [r for ref, r in self.port.updated if ref.message_id == message_id]
        # The recording port names the nth message it was given `m<n>`.
        target, posted = self.port.sent[int(message_id.removeprefix("m")) - 1]
        assert target.address == channel
        return (versions[-1] if versions else posted).plain_text()

    async def outputs(self) -> dict[str, str]:
        """Everything a non-author can see now, output by output.

        `fresh …` is one poll's figures as the next render of it would show them; `message …`
        the newest version of a posted message; the rest add up several polls.
        """
        seen: dict[str, str] = {}
        policy = self.core.services.policy(await self.core.services.team(TENANT))
        for channel, poll_id in self.polls.items():
            poll = await self.core.services.polls.get(TENANT, poll_id)
            assert poll is not None and poll.message_id is not None
            seen[f"message poll {channel}"] = self.message(channel, poll.message_id)
            published = await self.core.services.polls.published(TENANT, poll_id, policy)
            seen[f"fresh poll {channel}"] = status_line(published)
        questions = await self.core.services.surveys.latest_round(TENANT, CHANNELS[0])
        assert questions[0].message_id is not None
        seen["message survey"] = self.message(CHANNELS[0], questions[0].message_id)
        for question in questions[:2]:
            published = await self.core.services.polls.published(TENANT, question.id, policy)
            seen[f"fresh question {question.position}"] = status_line(published)
        seen["report"] = (await self.say(FACILITATOR, CHANNELS[0], "report")).plain_text()
        rows, size = await report.report_rows(self.core.services, TENANT, None)
        seen["csv"] = insights.to_csv(rows)
        seen["chart"] = repr([(r.week, r.answered, r.mean) for r in insights.shown_weeks(rows)])
        answers = await report.survey_rows(self.core.services, TENANT, None, size)
        seen["survey csv"] = surveys.to_csv(answers)
        home = await self.core.home(Person(tenant=TENANT, user_id=FACILITATOR))
        seen["home"] = home.plain_text()
        return {name: normalised(text) for name, text in seen.items()}


def counters() -> dict[str, float]:
    """The /metrics counters (not the timings, which differ from run to run by nature)."""
    found: dict[str, float] = {}
    for family in metrics.REGISTRY.collect():
        for sample in family.samples:
            if sample.name.endswith("_total"):
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                found[f"{sample.name}{{{labels}}}"] = sample.value
    return found


# The database driver's lines come and go with its connection pool and threads; redacted
# (tests/test_log_redaction.py), they carry nothing about anyone.
NOISY_LOGGERS = {"aiosqlite", "asyncio"}


def log_lines(run: Run) -> list[str]:
    """The run's log at DEBUG, with what differs by nature (time, request ids) taken out."""
    lines = []
    for line in run.log.getvalue().splitlines():
        record = json.loads(line)
        if record.get("logger") in NOISY_LOGGERS:
            continue
        record.pop("time", None)
        record.pop("request_id", None)
        message = re.sub(r"\d+(\.\d+)? ?ms", "ms", str(record.get("message", "")))
        record["message"] = message
        lines.append(normalised(json.dumps(record, sort_keys=True)))
    return lines


async def experiment(
    plan: list[tuple[str, Any, Any, Any]],
    packs: dict[str, LoadedPack],
    database: Path,
    migrated: Path,
) -> Run:
    """Play `plan` on a fresh database; record every step's outputs."""
    shutil.copyfile(migrated, database)
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    run: Run

    def fixed_noise(bands: tuple[int, ...], epsilon: float) -> tuple[int, ...]:
        # Noise that makes every release show the same whatever the answers: if any output
        # still differs between two runs, something other than the release carried an answer.
        run.noise_inputs.append(bands)
        return (2, 1, 3)

    clock = FrozenClock(datetime(2027, 3, 15, 9, 0, tzinfo=UTC))
    core = build_core(engine, clock, packs, min_group_size=GROUP, noise=fixed_noise)
    run = Run(core=core, port=FakePort())
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.configure("DEBUG", "json")
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(run.log)
    before = counters()
    try:
        for channel in CHANNELS:
            await run.say(FACILITATOR, channel, "checkin")
            poll = await core.services.polls.current(TENANT, channel)
            assert poll is not None
            run.polls[channel] = poll.id
        await run.say(FACILITATOR, CHANNELS[0], "survey pre")
        for kind, person, where, value in plan:
            if kind == "answer":
                await run.say(person, where, f"checkin {value} {run.polls[where]}")
            elif kind == "survey":
                await run.say(person, CHANNELS[0], f"survey {where} {value}")
            elif kind == "delete":
                await run.say(person, f"D{person}", "privacy delete-me confirm")
            elif kind == "render":
                await run.say("viewer", where, "checkin")
            else:
                await run.say(FACILITATOR, where, "report")
            seen = await run.outputs()
            now = counters()
            seen["metrics"] = repr({k: v - before.get(k, 0) for k, v in now.items()})
            run.seen.append(seen)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        await engine.dispose()
    return run


def figures(text: str) -> str:
    """An output without the live count, which may change with every answer."""
    return LIVE_COUNT.sub("N answered", text)


def poll_of(output: str) -> str | None:
    """The one poll an output shows, or None when it adds several up."""
    for prefix in ("fresh ", "message "):
        if output.startswith(prefix) and output != "message survey":
            return output.removeprefix(prefix)
    return None


def check_batches(plan: list[tuple[str, Any, Any, Any]], run: Run) -> None:
    """One poll's figures change only after the group size of distinct people acted on it since
    they last changed; an output that adds polls up changes only when one poll's figures do."""
    # Which polls each person has an answer on, so a deletion acts on exactly those.
    holding: dict[str, set[str]] = defaultdict(set)
    acted: dict[str, set[str]] = defaultdict(set)  # per one-poll output: who acted since
    names = [name for name in run.seen[0] if name != "metrics"]
    previous = {name: figures(run.seen[0][name]) for name in names}
    for index, (kind, person, where, _value) in enumerate(plan):
        touched: set[str] = set()
        if kind == "answer":
            touched = {f"poll {where}"}
        elif kind == "survey":
            touched = {f"question {where}"}
        elif kind == "delete":
            touched = set(holding[person])
            holding[person].clear()
        if kind in ("answer", "survey"):
            holding[person] |= touched
        for name in names:
            if poll_of(name) in touched:
                acted[name].add(person)
        if index == 0:
            continue
        changed = {name for name in names if figures(run.seen[index][name]) != previous[name]}
        for name in sorted(changed):
            now = figures(run.seen[index][name])
            if poll_of(name) is not None:
                assert len(acted[name]) >= GROUP, (
                    f"{name} changed at step {index} ({kind}) after only {len(acted[name])} "
                    f"distinct people acted on it:\n{previous[name]}\n---\n{now}"
                )
                acted[name] = set()
            else:
                assert any(name.startswith("fresh ") for name in changed), (
                    f"{name} changed at step {index} ({kind}) with no poll's figures changing:"
                    f"\n{previous[name]}\n---\n{now}"
                )
            previous[name] = now


@settings(
    max_examples=8,
    deadline=None,
    # Each example is two whole runs; shrinking one would take minutes, so a failure is
    # reported as found.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps, pick=st.integers(0, 10_000), other=st.integers(1, 5))
async def test_no_output_reveals_one_persons_answer(
    plan: list[tuple[str, Any, Any, Any]],
    pick: int,
    other: int,
    tmp_path: Path,
    migrated_sqlite: Path,
    packs: dict[str, LoadedPack],
) -> None:
    name = uuid.uuid4().hex
    first = await experiment(plan, packs, tmp_path / f"{name}-1.db", migrated_sqlite)
    check_batches(plan, first)

    answers = [i for i, step in enumerate(plan) if step[0] in ("answer", "survey")]
    if not answers:
        return
    index = answers[pick % len(answers)]
    kind, person, where, value = plan[index]
    changed = [*plan]
    changed[index] = (kind, person, where, (value + other) % 6)
    second = await experiment(changed, packs, tmp_path / f"{name}-2.db", migrated_sqlite)

    # Releases happen at the same moments, whatever the answer was ...
    assert len(first.noise_inputs) == len(second.noise_inputs)
    for one, two in zip(first.noise_inputs, second.noise_inputs, strict=True):
        # ... and the mechanism is given counts no further apart than its sensitivity.
        assert sum(abs(a - b) for a, b in zip(one, two, strict=True)) <= SENSITIVITY
    for step, (seen_first, seen_second) in enumerate(zip(first.seen, second.seen, strict=True)):
        for output, text in seen_first.items():
            assert text == seen_second[output], f"{output} differs at step {step}"
    assert log_lines(first) == log_lines(second)
