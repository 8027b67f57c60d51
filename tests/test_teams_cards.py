"""Every card the Teams renderer makes, checked by Microsoft's own `adaptivecards` SDK at Teams'
limits (`tests/cards/check.js`): parsed and validated at schema 1.5 with Teams' host config, and
held to what Teams shows badly although the SDK takes it. Any warning fails.

Node and the SDK come from `npm ci --prefix tests/cards`; without them the test is skipped
locally, and fails in CI (`.ci/run` sets CRBOT_CARDS_REQUIRED=1).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.teams.execute import in_place
from adapters.teams.render import card, share_data
from bot.messages import Poll, Reply
from content.loader import LoadedPack
from tests.conftest import FrozenClock
from tests.replies import every_reply

Json = dict[str, Any]

CHECKER = Path(__file__).parent / "cards"
SDK = CHECKER / "node_modules" / "adaptivecards"
REQUIRED = os.environ.get("CRBOT_CARDS_REQUIRED") == "1"
PLACES = (("Nurses / General", "19:general"), ("Night shift", "19:night"))


def node() -> str:
    """The node binary, or the test skipped (failed where the checker is required)."""
    found = shutil.which("node")
    if found is not None and SDK.is_dir():
        return found
    missing = "node is not installed" if found is None else "the adaptivecards SDK is missing"
    reason = f"{missing}: install Node and run `npm ci --prefix tests/cards` to check cards"
    if REQUIRED:
        pytest.fail(reason)
    pytest.skip(reason)


async def sdk_problems(cards: dict[str, Json], folder: Path) -> dict[str, list[str]]:
    """What the checker says of each card, by name."""
    path = folder / "cards.json"
    path.write_text(json.dumps(cards), encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        node(),
        str(CHECKER / "check.js"),
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    report: dict[str, list[str]] = json.loads(out)
    assert report.keys() == cards.keys()
    return report


def failing(report: dict[str, list[str]]) -> str:
    """The cards with problems, for the assertion message."""
    return "\n".join(
        f"{name}:\n" + "\n".join(f"    {problem}" for problem in problems)
        for name, problems in report.items()
        if problems
    )


# What the bot says does not depend on where it keeps things: the crawl runs on SQLite only.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("pack", ["healthcare", "schools"])
async def test_every_card_the_teams_renderer_makes_passes_the_adaptive_cards_sdk(
    engine: AsyncEngine,
    clock: FrozenClock,
    packs: dict[str, LoadedPack],
    pack: str,
    tmp_path: Path,
) -> None:
    node()
    replies = await every_reply(engine, clock, packs, pack)
    cards: dict[str, Json] = {}
    for number, reply in enumerate(replies):
        name = f"{number:03d} {reply.summary[:60]}"
        cards[name] = card(reply)
        # A form's channel field offers the places the bot is in; a shareable reply sent
        # privately carries a "Share in channel" button.
        cards[f"{name} (in a personal chat)"] = card(
            reply, PLACES, share_data("steps", "19:general") if reply.shareable else None
        )
        polls = [block for block in reply.blocks if isinstance(block, Poll)]
        if polls:
            # What the person who pressed an answer sees in place of the card they pressed.
            thanks = Reply.saying("Thank you, your answer is in.", "Call the EAP at 555-0100.")
            pressed = in_place(reply, thanks, polls[0].options[0].command)
            cards[f"{name} (as pressed)"] = card(pressed)

    report = await sdk_problems(cards, tmp_path)

    assert len(replies) > 100  # the whole bot, not a handful
    assert not failing(report), failing(report)


async def test_the_checker_flags_what_teams_shows_badly(tmp_path: Path) -> None:
    bad = {
        "type": "AdaptiveCard",
        "version": "1.6",
        "body": [
            {"type": "TextBlock", "text": "Type `help`", "wrap": True},
            {"type": "TextBlock", "text": "a long line that is cut at the edge"},
            {"type": "TextBlock", "text": "typo", "wrap": True, "colour": "Good"},
            {"type": "Input.Text", "id": "in_text", "label": "Words"},
            {"type": "Input.Text", "id": "in_text", "label": "Again", "isRequired": True},
            {
                "type": "ActionSet",
                "actions": [
                    {"type": "Action.Submit", "title": f"{n} · Three fingers"} for n in range(7)
                ],
            },
        ],
    }

    [problems] = (await sdk_problems({"bad": bad}, tmp_path)).values()

    said = "\n".join(problems)
    for expected in (
        "version 1.6",
        "backticks",
        "does not wrap",
        "colour",
        "DuplicateId",
        "RequiredInputsShouldHaveErrorMessage",
        "TooManyActions",
        'button "0 · Three fingers" is cut short',
    ):
        assert expected in said, said
