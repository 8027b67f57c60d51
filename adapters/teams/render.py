"""Reply -> an Adaptive Card (schema 1.5, the newest Teams renders for bots), kept under 80 KB.

Buttons become `Action.Submit` whose data carries the button's command, so a click arrives as a
message activity with `value`; a button with a form opens its inputs in place (`Action.ShowCard`).
How buttons are fitted to what Teams shows is `buttons.py`; a poll's answers are Universal
Actions (`Action.Execute`), so the card pressed can be answered in place (`execute.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from adapters.teams.buttons import (
    COMMAND_KEY,
    FORM_KEY,
    INPUT_PREFIX,
    Actions,
    Places,
    execute,
    field_name,
    picked,
    rows,
    submit_data,
)
from adapters.teams.markdown import authored
from adapters.teams.views import REFRESH_KEY, REFRESH_VERB, poll_of
from bot.messages import (
    Block,
    Bullets,
    Buttons,
    Context,
    Divider,
    File,
    Heading,
    Image,
    Link,
    Markdown,
    Poll,
    Reply,
    Text,
)

__all__ = ["COMMAND_KEY", "FORM_KEY", "INPUT_PREFIX", "Places"]

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
# Teams refuses bot messages near 100 KB (413 MessageSizeTooBig); PLATFORM.md says keep <= 80 KB.
MAX_CARD_BYTES = 80_000
# A "Share in channel" click carries the command again and the channel it was asked from.
SHARE_KEY = "crbot_share"
SHARE_LABEL = "Share in channel"
SHORTENED = "This message was shortened to fit in Teams."

Json = dict[str, Any]
# A reply's visuals ready for a card: data URIs by the image's path in its pack.
Pictures = Mapping[str, str]
NO_PICTURES: Pictures = MappingProxyType({})

# Core text marks *bold* and _italic_ the Slack way; Adaptive Card markdown wants **bold**.
_BOLD = re.compile(r"(?<![\w*])\*(\S(?:.*?\S)?)\*(?![\w*])")
# Teams' TextBlock markdown has no code spans: a `command` would show its backticks.
_CODE = re.compile(r"`([^`\n]+)`")
# A poll's answer label is "3 · Three fingers": the number goes on the button, the rest below.
_MEANING = " · "


def markdown(text: str) -> str:
    """Core marks to Adaptive Card markdown: *bold* and `commands` both become **bold**."""
    return _CODE.sub(r"**\1**", _BOLD.sub(r"**\1**", text))


def _text(text: str, **style: Any) -> Json:
    return {"type": "TextBlock", "text": markdown(text), "wrap": True, **style}


def _poll(poll: Poll) -> list[Json]:
    """The question, the answers as numbered buttons in one row, what each number means, and
    the count line on its own, wrapping (a row of six long titles is cut to "1 · On…")."""
    answers = []
    legend = []
    for option in poll.options:
        number, _, meaning = option.label.partition(_MEANING)
        answers.append(execute(number, submit_data(option)))
        if meaning:
            legend.append({"title": number, "value": meaning})
    return [
        _text(poll.question, weight="Bolder"),
        *({"type": "ActionSet", "actions": row} for row in rows(answers)),
        *([{"type": "FactSet", "facts": legend, "spacing": "Small"}] if legend else []),
        _text(poll.count_line),
        *([_text(poll.privacy_line, isSubtle=True, size="Small")] if poll.privacy_line else []),
    ]


def element(block: Block, actions: Actions, pictures: Pictures = NO_PICTURES) -> list[Json]:
    """One block as card elements; a block this renderer does not know becomes its text.

    `actions` builds the card's buttons, so that no two of its inputs share an id."""
    if isinstance(block, Heading):
        return [_text(block.text, size="Large", weight="Bolder")]
    if isinstance(block, Text):
        return [_text(block.text)]
    if isinstance(block, Markdown):
        return authored(block.text)
    if isinstance(block, Bullets):
        marks = [f"{i}." if block.numbered else "-" for i in range(1, len(block.items) + 1)]
        lines = [f"{mark} {item}" for mark, item in zip(marks, block.items, strict=True)]
        return [_text("\n".join(lines))]
    if isinstance(block, Buttons):
        return actions.row_sets(block.buttons)
    if isinstance(block, Poll):
        return _poll(block)
    if isinstance(block, Divider):
        return [{"type": "Container", "separator": True, "spacing": "Medium", "items": []}]
    if isinstance(block, Context):
        return [_text(block.text, isSubtle=True, size="Small")]
    if isinstance(block, Link):
        return [_text(f"[{block.label}]({block.url})")]
    if isinstance(block, File):
        # In a personal chat a consent card follows; elsewhere Teams lets bots name files only.
        return [_text(f"📎 {block.title} ({block.filename})")]
    if isinstance(block, Image) and block.path in pictures:
        picture = {"type": "Image", "url": pictures[block.path], "altText": block.alt_text}
        return [{**picture, "size": "Stretch"}, _text(block.title, isSubtle=True, size="Small")]
    # An image with no picture prepared (or nothing else known) is told in words.
    return [_text(block.fallback())]


def _card(body: list[Json]) -> Json:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }


def size(card: Json) -> int:
    """The card's size as Teams counts it: UTF-8 JSON bytes."""
    return len(json.dumps(card, ensure_ascii=False).encode())


def asks_for_a_channel(reply: Reply) -> bool:
    """Whether a form in the reply has a channel field (so the places are worth looking up)."""
    return any(
        field.kind == "channel"
        for block in reply.blocks
        if isinstance(block, Buttons)
        for button in block.buttons
        if button.form is not None
        for field in button.form.fields
    )


def share_data(command: str, address: str) -> Json:
    """What the "Share in channel" button sends back."""
    return {COMMAND_KEY: command, SHARE_KEY: address}


def card(
    reply: Reply, places: Places = (), share: Json | None = None, pictures: Pictures = NO_PICTURES
) -> Json:
    """The reply as one Adaptive Card; trailing blocks are dropped (and said so) past 80 KB.

    `places` are the (title, conversation id) pairs a channel field offers; `share` adds a
    "Share in channel" button sending that data.
    """
    tail = []
    if share is not None:
        submit = {"type": "Action.Submit", "title": SHARE_LABEL, "data": share}
        tail = [{"type": "ActionSet", "actions": [submit]}]
    blocks = list(reply.blocks)
    result = _card([*(_body(blocks, places, pictures) or [_text(reply.summary)]), *tail])
    while size(result) > MAX_CARD_BYTES and blocks:
        blocks.pop()
        body = _body(blocks, places, pictures)
        result = _card([*body, _text(SHORTENED, isSubtle=True, size="Small"), *tail])
    poll = poll_of(reply)
    if poll is not None:
        result["refresh"] = refresh(poll.poll_id)
    return result


def refresh(poll_id: str) -> Json:
    """A poll card's refresh: each viewer's client asks what they should see of it (`views.py`).

    No `userIds`: the list would tell every member's client who answered the check-in."""
    action = {"type": "Action.Execute", "title": "Refresh", "verb": REFRESH_VERB}
    return {"action": {**action, "data": {REFRESH_KEY: poll_id}}}


def _body(blocks: list[Block], places: Places, pictures: Pictures) -> list[Json]:
    actions = Actions(places)
    return [item for block in blocks for item in element(block, actions, pictures)]


def attachment(
    reply: Reply, places: Places = (), share: Json | None = None, pictures: Pictures = NO_PICTURES
) -> Json:
    """The card as a Bot Framework attachment (plain JSON, so this module needs no SDK types)."""
    return {"contentType": CARD_CONTENT_TYPE, "content": card(reply, places, share, pictures)}


def form_answers(value: dict[str, Any]) -> dict[str, str] | None:
    """The inputs a submit carried, by field name; None when the button had no form."""
    answers = {
        name: "" if item is None else str(item)
        for key, item in value.items()
        if (name := field_name(key)) is not None
    }
    return answers if answers or value.get(FORM_KEY) else None


def command_of(value: dict[str, Any]) -> object:
    """The command a click carried: its button's, or the one chosen among several."""
    return value.get(COMMAND_KEY) or picked(value)
