"""Installing in many workspaces (OAuth), and forgetting a workspace on uninstall."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.tables import SlackFormRow, slack_bots, slack_installations
from bot.core import Core
from bot.messages import Person, Reply
from tests.conftest import FrozenClock
from tests.fakes.slack_api import INSTALLED_TOKEN, SlackStack, running_slack

OAUTH = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret"}


async def count(engine: AsyncEngine, table: Any, **where: str) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    async with engine.connect() as connection:
        return int(await connection.scalar(query) or 0)


@pytest.fixture
async def oauth(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock, **OAUTH) as running:
        yield running


@pytest.fixture
async def single(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


async def install(stack: SlackStack) -> int:
    async with ClientSession() as session:
        async with session.get(f"{stack.root}/slack/install", allow_redirects=False) as page:
            assert page.status == 200
            state = page.cookies["slack-app-oauth-state"].value
            assert f"state={state}" in await page.text()
        back = f"{stack.root}/slack/oauth_redirect?code=the-code&state={state}"
        cookie = {"Cookie": f"slack-app-oauth-state={state}"}
        async with session.get(back, headers=cookie, allow_redirects=False) as done:
            return done.status


async def test_the_oauth_round_trip_stores_the_installation(
    oauth: SlackStack, engine: AsyncEngine
) -> None:
    status = await install(oauth)

    assert status == 200
    (exchange,) = oauth.fake.called("oauth.v2.access")
    assert exchange["code"] == "the-code"
    assert await count(engine, slack_installations, team_id="T9") == 1
    assert await count(engine, slack_bots, team_id="T9") == 1


async def test_an_installed_workspace_is_answered_with_its_own_token(oauth: SlackStack) -> None:
    await install(oauth)

    status, body = await oauth.slack.command("tips", team="T9")

    assert status == 200 and json.loads(body)["response_type"] == "ephemeral"
    await oauth.platform.port.send_private(
        Person(tenant="slack:T9", user_id="U1"), Reply(summary="Hello")
    )
    assert oauth.fake.calls[-1].token == INSTALLED_TOKEN


async def test_a_callback_without_its_state_is_refused(
    oauth: SlackStack, engine: AsyncEngine
) -> None:
    async with ClientSession() as session:
        url = f"{oauth.root}/slack/oauth_redirect?code=the-code&state=forged"
        async with session.get(url, allow_redirects=False) as done:
            assert done.status >= 400
    assert oauth.fake.called("oauth.v2.access") == []
    assert await count(engine, slack_installations) == 0


async def test_uninstalling_deletes_the_installation_and_the_workspaces_rows(
    oauth: SlackStack, engine: AsyncEngine
) -> None:
    await install(oauth)
    await oauth.slack.command("scenario 1", team="T9")  # keeps the reflect form
    assert await count(engine, SlackFormRow.__table__) == 1

    status, _ = await oauth.slack.event({"type": "app_uninstalled"}, event_id="EvBye", team="T9")

    assert status == 200
    assert await count(engine, slack_installations) == 0
    assert await count(engine, slack_bots) == 0
    assert await count(engine, SlackFormRow.__table__) == 0


async def test_revoked_bot_tokens_forget_the_workspace(
    oauth: SlackStack, engine: AsyncEngine
) -> None:
    await install(oauth)
    revoked = {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}

    status, _ = await oauth.slack.event(revoked, event_id="EvRevoked", team="T9")

    assert status == 200
    assert await count(engine, slack_bots) == 0


async def test_a_single_workspace_uninstall_is_acked_and_forgets_its_rows(
    single: SlackStack, engine: AsyncEngine
) -> None:
    await single.slack.command("scenario 1")

    status, _ = await single.slack.event({"type": "app_uninstalled"}, event_id="EvBye1")

    assert status == 200
    assert await count(engine, SlackFormRow.__table__) == 0
