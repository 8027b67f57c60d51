"""What one check-in click costs the database: one transaction, through the real Slack stack
(signed requests, bolt, the core) on each database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.release import ReleasePolicy
from bot.storage.engine import sessions
from bot.storage.tables import PollAnswerRow, PollCountRow, PollReleaseRow
from tests.conftest import FrozenClock
from tests.fakes.slack_api import SlackStack, running_slack

Json = dict[str, Any]


@dataclass
class Traffic:
    """The transactions and statements the engine saw."""

    transactions: int = 0
    committed: int = 0
    statements: list[str] = field(default_factory=list)


@contextlib.contextmanager
def watching(engine: AsyncEngine) -> Iterator[Traffic]:
    """Count what reaches the database while the block runs."""
    seen = Traffic()

    def began(_connection: Any) -> None:
        seen.transactions += 1

    def committed(_connection: Any) -> None:
        seen.committed += 1

    def executed(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.statements.append(" ".join(statement.split()))

    target = engine.sync_engine
    listeners = (("begin", began), ("commit", committed), ("before_cursor_execute", executed))
    for name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(target, name, listener)


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


def answers_of(poll: Json) -> list[Json]:
    return [e for b in poll["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def click(stack: SlackStack, button: Json, user: str) -> None:
    status, _ = await stack.slack.click(button, user=user)
    assert status == 200


async def test_a_check_in_click_by_someone_new_is_one_transaction_that_counts_no_answers(
    stack: SlackStack, engine: AsyncEngine
) -> None:
    await stack.slack.command("checkin")
    buttons = answers_of(stack.fake.called("chat.postMessage")[0])
    await click(stack, buttons[4], "U1")  # the team and its roles are known from here on

    with watching(engine) as first:
        await click(stack, buttons[2], "U2")
    with watching(engine) as changed:
        await click(stack, buttons[5], "U2")

    for traffic in (first, changed):
        assert traffic.transactions == 1 and traffic.committed == 1, traffic.statements
        # The count comes from the kept counts, never from counting or grouping the answers.
        assert not any("GROUP BY" in statement for statement in traffic.statements)
    assert "2 people have answered" in str(stack.fake.called("chat.update")[-1]["blocks"])
    async with sessions(engine)() as session:
        kept = await session.execute(select(PollCountRow.value, PollCountRow.answers))
        assert {value: answers for value, answers in kept.all() if answers} == {4: 1, 5: 1}


async def test_the_click_that_makes_a_release_is_still_one_transaction(
    stack: SlackStack, engine: AsyncEngine
) -> None:
    await stack.slack.command("checkin")  # the test core's group size is 3
    buttons = answers_of(stack.fake.called("chat.postMessage")[0])
    await click(stack, buttons[0], "U1")
    await click(stack, buttons[5], "U2")

    with watching(engine) as releasing:
        await click(stack, buttons[5], "U3")

    assert releasing.transactions == 1 and releasing.committed == 1, releasing.statements
    async with sessions(engine)() as session:
        released = await session.scalar(select(func.count()).select_from(PollReleaseRow))
    assert released == 1
    assert "At 3:" in str(stack.fake.called("chat.update")[-1]["blocks"])


async def test_the_kept_counts_follow_answers_changes_deletions_and_retention(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    polls, tenant = core.services.polls, "test:team"
    policy = ReleasePolicy(group_size=3, noise=lambda bands, _: bands)
    old = await polls.open(tenant, "#c", 1, "Q", clock.now())
    for person, value in enumerate((0, 3, 3, 5, 1)):
        await polls.answer(tenant, old.id, f"p{person}", value, clock.now(), policy)
    clock.advance(days=50)
    new = await polls.open(tenant, "#c", 1, "Q", clock.now())
    for person, value in enumerate((0, 3, 3, 5, 1)):
        await polls.answer(tenant, new.id, f"p{person}", 5 - value, clock.now(), policy)
    await polls.answer(tenant, new.id, "p1", 4, clock.now(), policy)  # a change
    await polls.forget(tenant, "p3", clock.now(), policy)  # both polls
    clock.advance(days=60)
    await polls.purge_before(clock.now() - timedelta(days=90))  # the old poll's answers

    async with sessions(engine)() as session:
        kept = await session.execute(
            select(PollCountRow.poll_id, PollCountRow.value, PollCountRow.answers)
        )
        counted = await session.execute(
            select(PollAnswerRow.poll_id, PollAnswerRow.value, func.count()).group_by(
                PollAnswerRow.poll_id, PollAnswerRow.value
            )
        )
    assert {(p, v): n for p, v, n in kept.all() if n} == {(p, v): n for p, v, n in counted.all()}
    assert (await polls.published(tenant, new.id, policy)).respondents == 4
    assert (await polls.published(tenant, old.id, policy)).respondents == 0
