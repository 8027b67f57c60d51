"""Reply -> an Adaptive Card (schema 1.5, the newest Teams renders for bots), kept under 80 KB.

Buttons become `Action.Submit` whose data carries the button's command, so a click arrives as a
message activity with `value`; a button with a form opens its inputs in place (`Action.ShowCard`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from bot.messages import (
    Block,
    Bullets,
    Button,
    Buttons,
    Context,
    Divider,
    File,
    FormField,
    Heading,
    Image,
    Link,
    Poll,
    Reply,
    Text,
)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
# Teams refuses bot messages near 100 KB (413 MessageSizeTooBig); PLATFORM.md says keep <= 80 KB.
MAX_CARD_BYTES = 80_000
# Input ids carry a prefix, so a form field can never be mistaken for the command.
INPUT_PREFIX = "in_"
COMMAND_KEY = "command"
FORM_KEY = "crbot_form"
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


def markdown(text: str) -> str:
    """Core marks to Adaptive Card markdown."""
    return _BOLD.sub(r"**\1**", text)


def _text(text: str, **style: Any) -> Json:
    return {"type": "TextBlock", "text": markdown(text), "wrap": True, **style}


def submit_data(button: Button) -> Json:
    """What a click sends back in the activity's `value`."""
    data: Json = {COMMAND_KEY: button.command}
    if button.form is not None:
        data[FORM_KEY] = True
    return data


Places = Sequence[tuple[str, str]]


def _input(field: FormField, places: Places) -> Json:
    common: Json = {
        "id": INPUT_PREFIX + field.name,
        "label": field.label,
        "isRequired": not field.optional,
    }
    if field.initial is not None:
        common["value"] = field.initial
    if field.kind == "select" or (field.kind == "timezone" and field.options):
        choices = [{"title": option, "value": option} for option in field.options]
        return {"type": "Input.ChoiceSet", "style": "compact", "choices": choices, **common}
    if field.kind == "date":
        return {"type": "Input.Date", **common}
    if field.kind == "time":
        return {"type": "Input.Time", **common}
    if field.kind == "channel" and places:
        # Cards have no channel picker: offer the channels and chats the bot has been added to.
        choices = [{"title": title, "value": address} for title, address in places]
        return {"type": "Input.ChoiceSet", "style": "compact", "choices": choices, **common}
    multiline = field.kind == "long_text"
    return {"type": "Input.Text", "isMultiline": multiline, "maxLength": field.max_length, **common}


def action(button: Button, places: Places = ()) -> Json:
    """A button as a card action: a plain submit, or a form shown in place with its own submit."""
    submit: Json = {"type": "Action.Submit", "title": button.label, "data": submit_data(button)}
    if button.form is None:
        return submit
    form = button.form
    submit["title"] = form.submit_label
    card: Json = {
        "type": "AdaptiveCard",
        "body": [_text(form.title, weight="Bolder"), *(_input(f, places) for f in form.fields)],
        "actions": [submit],
    }
    return {"type": "Action.ShowCard", "title": button.label, "card": card}


def _poll(poll: Poll) -> list[Json]:
    return [
        _text(poll.question, weight="Bolder"),
        {"type": "ActionSet", "actions": [action(b) for b in poll.options]},
        _text(poll.count_line),
        *([_text(poll.privacy_line, isSubtle=True, size="Small")] if poll.privacy_line else []),
    ]


def element(block: Block, places: Places = (), pictures: Pictures = NO_PICTURES) -> list[Json]:
    """One block as card elements; a block this renderer does not know becomes its text."""
    if isinstance(block, Heading):
        return [_text(block.text, size="Large", weight="Bolder")]
    if isinstance(block, Text):
        return [_text(block.text)]
    if isinstance(block, Bullets):
        marks = [f"{i}." if block.numbered else "-" for i in range(1, len(block.items) + 1)]
        lines = [f"{mark} {item}" for mark, item in zip(marks, block.items, strict=True)]
        return [_text("\n".join(lines))]
    if isinstance(block, Buttons):
        return [{"type": "ActionSet", "actions": [action(b, places) for b in block.buttons]}]
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
    body = [item for block in blocks for item in element(block, places, pictures)]
    result = _card([*(body or [_text(reply.summary)]), *tail])
    while size(result) > MAX_CARD_BYTES and blocks:
        blocks.pop()
        body = [item for block in blocks for item in element(block, places, pictures)]
        result = _card([*body, _text(SHORTENED, isSubtle=True, size="Small"), *tail])
    return result


def attachment(
    reply: Reply, places: Places = (), share: Json | None = None, pictures: Pictures = NO_PICTURES
) -> Json:
    """The card as a Bot Framework attachment (plain JSON, so this module needs no SDK types)."""
    return {"contentType": CARD_CONTENT_TYPE, "content": card(reply, places, share, pictures)}


def form_answers(value: dict[str, Any]) -> dict[str, str] | None:
    """The inputs a submit carried, by field name; None when the button had no form."""
    answers = {
        key[len(INPUT_PREFIX) :]: "" if item is None else str(item)
        for key, item in value.items()
        if key.startswith(INPUT_PREFIX)
    }
    return answers if answers or value.get(FORM_KEY) else None
