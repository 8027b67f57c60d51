"""The forms buttons open are kept once per workspace: a page showing a form this process kept
lately writes nothing, and a workspace that uninstalled has its forms kept anew."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.tables import SlackFormRow
from bot.core import Core
from tests.conftest import FrozenClock
from tests.fakes.slack_api import SlackStack, running_slack
from tests.test_slack_flows import button, count


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


@contextmanager
def form_writes(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent to the database that writes the forms table."""
    writes: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT") and "slack_forms" in statement:
            writes.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield writes
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)


async def reflect_button(stack: SlackStack, page: str, user: str = "U1") -> dict[str, Any]:
    status, body = await stack.slack.command(page, user=user)
    assert status == 200
    return button(json.loads(body)["blocks"], "Reflect privately")


async def test_a_form_on_every_page_is_written_once_and_opens_from_each(
    stack: SlackStack, engine: AsyncEngine
) -> None:
    with form_writes(engine) as writes:
        first = await reflect_button(stack, "scenario 1")
        again = await reflect_button(stack, "scenario 1", user="U2")
    await stack.slack.click(again, user="U2", ephemeral=True)

    assert first["action_id"] == again["action_id"]  # the same form, by digest
    assert len(writes) == 1
    assert await count(engine, SlackFormRow) == 1
    (opened,) = stack.fake.called("views.open")
    assert opened["view"]["type"] == "modal"


async def test_a_workspace_that_uninstalled_has_its_forms_kept_anew(
    stack: SlackStack, engine: AsyncEngine
) -> None:
    await reflect_button(stack, "scenario 1")
    await stack.platform.records.forget_workspace("slack:T1")
    assert await count(engine, SlackFormRow) == 0

    reflect = await reflect_button(stack, "scenario 1")
    await stack.slack.click(reflect, ephemeral=True)

    assert await count(engine, SlackFormRow) == 1
    (opened,) = stack.fake.called("views.open")
    assert opened["view"]["type"] == "modal"
