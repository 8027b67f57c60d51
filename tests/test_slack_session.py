"""One HTTP session per process for the Slack Web API: requests and the scheduler's sends reuse
its connections, and stopping the platform closes it."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Reply, Target, Text
from tests.conftest import FrozenClock
from tests.fakes.slack_api import running_slack

CHANNEL = Target(tenant="slack:T1", address="C1")


async def test_requests_and_scheduled_posts_reuse_one_connection_to_the_web_api(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with running_slack(core, engine, clock) as stack:
        for n in range(3):  # each mention is answered through the Web API, inside the request
            mention = {"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "channel": "C1"}
            mention["ts"] = f"1700000000.00010{n}"
            status, _ = await stack.slack.event(mention, event_id=f"Ev{n}")
            assert status == 200
        for n in range(3):  # what the scheduler's sender does: posts through the port
            await stack.platform.port.send(
                CHANNEL, Reply(summary=f"post {n}", blocks=(Text(text=f"post {n}"),))
            )
        answered = stack.fake.called("chat.postEphemeral")
        posted = stack.fake.called("chat.postMessage")

        assert (len(answered), len(posted)) == (3, 3)
        assert stack.fake.connections == 1
        session = stack.platform.session
    assert session is not None
    assert session.closed


async def test_a_walkthroughs_pages_turned_by_clicks_come_back_over_one_connection(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with running_slack(core, engine, clock) as stack:
        _, body = await stack.slack.command("scenario 1 2")
        page = json.loads(body)["blocks"]
        turns = next(b for b in page if b["type"] == "actions")["elements"][:2]  # Back, Next
        for button in (*turns, *turns):
            status, _ = await stack.slack.click(button, ephemeral=True)
            assert status == 200
        pages = await stack.fake.wait_for_responses(4)

        assert all(body["replace_original"] is True for body in pages)
        assert stack.fake.connections == 1
