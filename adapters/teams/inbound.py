"""What a request body must be before botbuilder reads it as an activity: small, shallow, JSON, an
object, and typed as the bot relies on.

botbuilder's deserialiser turns a number where a string belongs into its text and a list where a
URL belongs into "['...']", and the error surfaces later, in the turn, as a traceback; Python's
JSON parser meets deep nesting with a RecursionError. So the shape is checked here, once, and
anything else is refused as a bad request.
"""

from __future__ import annotations

import json
import re
from typing import Annotated

from botbuilder.schema import Activity
from botbuilder.schema.teams import TeamsChannelData
from msrest.exceptions import DeserializationError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

# Teams caps a message at about 28 KB and a card submit is smaller still; the web server's own
# limit (1 MiB) is for every route, this one is for activities.
MAX_BODY_BYTES = 256 * 1024
# An activity nests a dozen levels at most (a card in an attachment); far below the parser's limit.
MAX_DEPTH = 64

# A surrogate escape: in pairs they are how some senders write an emoji; alone they are no text.
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENERS = frozenset(b"[{")
# The activities TeamsActivityHandler reads `channelData` of as TeamsChannelData.
_TEAMS_CHANNEL_DATA = frozenset({"conversationUpdate", "messageUpdate", "messageDelete"})


class Refused(Exception):
    """The body is not an activity; `reason` is a short fixed word for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Bot Framework ids are printable ASCII; they go into connector URLs and the bot's tables, whose
# columns hold 200 characters (500 for conversations), with the tenant prefix besides.
Id = Annotated[str, StringConstraints(pattern=r"^[\x20-\x7e]*$", max_length=190)]
ConversationId = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]+$", max_length=400)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[\x21-\x7e]+$", max_length=500)]


class _Strict(BaseModel):
    # Strict: a number is not an id; extra fields are botbuilder's to read.
    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)


class _Account(_Strict):
    id: Id | None = None
    name: str | None = None


class _Conversation(_Strict):
    id: ConversationId
    name: str | None = None
    conversation_type: str | None = Field(None, alias="conversationType")
    tenant_id: Id | None = Field(None, alias="tenantId")
    is_group: bool | None = Field(None, alias="isGroup")


class _ChannelData(_Strict):
    tenant: _Account | None = None
    team: _Account | None = None
    channel: _Account | None = None


class _Envelope(_Strict):
    """The fields the bot reads itself, with the types it reads them as."""

    type: str = Field(min_length=1)
    id: Id | None = None
    name: str | None = None
    action: str | None = None
    text: str | None = None
    locale: str | None = None
    service_url: Url = Field(alias="serviceUrl")
    channel_id: Id | None = Field(None, alias="channelId")
    reply_to_id: Id | None = Field(None, alias="replyToId")
    conversation: _Conversation
    sender: _Account | None = Field(None, alias="from")
    recipient: _Account | None = None
    members_added: list[_Account] | None = Field(None, alias="membersAdded")
    members_removed: list[_Account] | None = Field(None, alias="membersRemoved")
    channel_data: _ChannelData | None = Field(None, alias="channelData")


def too_deep(raw: bytes) -> bool:
    """Whether the JSON in `raw` nests deeper than MAX_DEPTH (brackets inside strings aside)."""
    # Almost every activity has fewer brackets in all than the limit: one count settles it.
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    depth = 0
    for byte in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        depth += 1 if byte in _OPENERS else -1
        if depth > MAX_DEPTH:
            return True
    return False


def _is_text(body: object) -> bool:
    """Whether every string in the body can be written back out (no lone surrogates)."""
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse(raw: bytes) -> Activity:
    """The activity in a request body; raises Refused, with why, when there is none."""
    if len(raw) > MAX_BODY_BYTES:
        raise Refused("too_large")
    if too_deep(raw):
        raise Refused("too_deep")
    try:
        # The Bot Framework sends UTF-8, which the strict decoder holds it to (the JSON module
        # alone would take other encodings, and surrogates written as UTF-8 bytes).
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        # ValueError covers broken JSON and bytes that are not UTF-8.
        raise Refused("not_json") from None
    if _SURROGATE.search(raw) and not _is_text(body):
        raise Refused("not_text")
    if not isinstance(body, dict):
        raise Refused("not_an_object")
    try:
        _Envelope.model_validate(body)
        activity = Activity().deserialize(body)
        if activity.type in _TEAMS_CHANNEL_DATA and activity.channel_data is not None:
            TeamsChannelData().deserialize(activity.channel_data)
    except (ValidationError, DeserializationError, ValueError, TypeError, AttributeError):
        raise Refused("not_an_activity") from None
    return activity
