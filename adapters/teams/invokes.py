"""Invoke activities: what an `Action.Execute` sent, and the answers Teams expects to an invoke.

An invoke is answered in the HTTP response itself (Teams shows the person an error when none
comes). A Universal Action (`adaptiveCard/action`) is answered with a message Teams shows the
person who pressed the button, or with a card that replaces the one pressed.
"""

from __future__ import annotations

import re
from typing import Any

from botbuilder.core import InvokeResponse

from adapters.teams.render import COMMAND_KEY
from adapters.teams.views import REFRESH_KEY, REFRESH_VERB

CARD_ACTION = "adaptiveCard/action"
FILE_CONSENT = "fileConsent/invoke"
MESSAGE = "application/vnd.microsoft.activity.message"
CARD = "application/vnd.microsoft.card.adaptive"
ERROR = "application/vnd.microsoft.error"
# Poll ids are uuids; a longer one is not ours.
MAX_POLL_ID = 64
# Invoke names are protocol words ("task/fetch"); anything else a sender made up is not logged.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,40}(?:/[A-Za-z][A-Za-z0-9]{0,40})?")


def executed(value: object) -> dict[str, Any] | None:
    """What an Action.Execute sent, shaped like a card submit's value (the command, the inputs);
    None when the invoke carries no Action.Execute."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    # Like Action.Submit, Teams merges the card's inputs into `data`.
    data = action.get("data")
    submitted = dict(data) if isinstance(data, dict) else {}
    verb = action.get("verb")
    if COMMAND_KEY not in submitted and isinstance(verb, str) and verb:
        submitted[COMMAND_KEY] = verb
    return submitted


def refreshed(value: object) -> str | None:
    """The poll a card's refresh asks about (its `Action.Execute` with the refresh verb), or
    None when the invoke is not one."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, dict) or action.get("verb") != REFRESH_VERB:
        return None
    data = action.get("data")
    poll_id = data.get(REFRESH_KEY) if isinstance(data, dict) else None
    return poll_id if isinstance(poll_id, str) and 0 < len(poll_id) <= MAX_POLL_ID else None


def file_consent(value: object) -> bool:
    """Whether a file consent invoke says which way the person chose."""
    return isinstance(value, dict) and value.get("action") in ("accept", "decline")


def _answer(status: int, kind: str, value: object) -> InvokeResponse:
    # botbuilder's AdaptiveCardInvokeResponse types `value` as an object map, so its serialiser
    # refuses the plain string a message carries: the same three fields, written out.
    return InvokeResponse(status=status, body={"statusCode": status, "type": kind, "value": value})


def message(text: str) -> InvokeResponse:
    """A card action's answer that shows the person a short text; their card stays."""
    return _answer(200, MESSAGE, text)


def card(content: dict[str, Any]) -> InvokeResponse:
    """A card action's answer that replaces the card pressed with `content`."""
    return _answer(200, CARD, content)


def bad_request(words: str) -> InvokeResponse:
    """A card action's answer when the invoke is not one."""
    return _answer(400, ERROR, {"code": "BadRequest", "message": words})


def empty() -> InvokeResponse:
    """The answer to an invoke the bot has nothing to say to."""
    return InvokeResponse(status=200)


def loggable(name: str | None) -> str:
    """An invoke's name for a log line: the name itself when it looks like one."""
    if not name:
        return ""
    return name if _NAME.fullmatch(name) else "other"
