"""Interaction payloads in the shapes of Slack's documented examples (api.slack.com: block_actions
from a message and from the App Home, view_submission, view_closed, a global and a message
shortcut), with ids and action ids the bot has never made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NAMES = tuple(sorted(path.stem for path in HERE.glob("*.json")))


def captured(name: str, response_url: str = "") -> dict[str, Any]:
    """One payload, its `{response_url}` pointing where the test listens."""
    text = (HERE / f"{name}.json").read_text(encoding="utf-8")
    payload: dict[str, Any] = json.loads(text.replace("{response_url}", response_url))
    return payload
