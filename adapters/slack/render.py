"""Reply -> Block Kit messages, within every limit Slack sets (see PLATFORM.md).

A long reply becomes several messages (50 blocks, ~12k characters each); long text is split
between sections; labels are cut with an ellipsis. A button's value is its command; a button
with a form names the form's digest in its action id, and the form itself is kept in the
database (`forms.py`), because a form rarely fits in the 2,000 characters of a value.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from adapters.slack import markdown
from bot.messages import (
    Block,
    Bullets,
    Button,
    Buttons,
    Context,
    Divider,
    File,
    Form,
    FormField,
    Heading,
    Image,
    Link,
    Markdown,
    Poll,
    Reply,
    Text,
)

Json = dict[str, Any]

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100  # a modal or the Home tab
SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
VIEW_TITLE = 24
PRIVATE_METADATA = 3000
MESSAGE_TEXT = 3000
# Slack answers msg_blocks_too_long near 13k characters in total, below every listed limit
# (slackapi/bolt-js #2509), so a message is closed well before that.
MESSAGE_CHARS = 11_000
ACTIONS_CHARS = MESSAGE_CHARS // 2

BUTTON_ACTION = "crbot.button"
FORM_ACTION = "crbot.form"
SHARE_ACTION = "crbot.share"
SHARE_PREFIX = "share:"
FORM_CALLBACK = "crbot.form"
FIELD_ACTION = "value"
SHARE_LABEL = "Share in channel"
NOTHING = "Nothing to show here yet."
SHORTENED = "There's more: ask me again in a message, or type the command in a DM."


def escape(text: str) -> str:
    """Slack's three control characters, so text never turns into a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chunks(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """Escaped text split into pieces of at most `limit`, at a line, a space or an entity."""
    rest = text
    pieces: list[str] = []
    while len(rest) > limit:
        at = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        if at <= limit // 2:
            at = limit
            amp = rest.rfind("&", limit - 5, limit)
            if amp != -1 and ";" not in rest[amp:limit]:
                at = amp  # never cut inside `&amp;`
        pieces.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def form_digest(form: Form) -> str:
    """A stable short name for a form: the same form always gets the same digest."""
    return hashlib.sha256(form.model_dump_json().encode()).hexdigest()[:32]


def _plain(text: str, limit: int, blank: str = "…") -> Json:
    # Slack refuses a blank text object wherever one is required (a label, a title, a header).
    shown = text if text.strip() else (blank if blank.strip() else "…")
    return {"type": "plain_text", "text": cut(shown, limit), "emoji": True}


def _pieces(text: str) -> list[str]:
    # Slack refuses a section or context element with blank text, so blank pieces are left out.
    return [piece for piece in chunks(text) if piece.strip()]


def _sections(text: str) -> list[Json]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": p}} for p in _pieces(text)]


@dataclass
class _Builder:
    """Collects blocks and the forms their buttons open, numbering buttons as it goes."""

    upload_images: bool = False
    # Messages carry files as uploads beside them and take `markdown` blocks; a modal or the
    # Home tab can do neither.
    upload_files: bool = True
    markdown_blocks: bool = True
    blocks: list[Json] = field(default_factory=list)
    forms: dict[str, Form] = field(default_factory=dict)
    images: list[Image] = field(default_factory=list)
    files: list[File] = field(default_factory=list)
    buttons: int = 0

    def button(self, button: Button) -> Json | None:
        if not button.command.strip() or len(button.command) > BUTTON_VALUE:
            return None  # a cut command would do something else, an empty one nothing
        self.buttons += 1
        element: Json = {
            "type": "button",
            "text": _plain(button.label, BUTTON_TEXT, blank=button.typed or button.command),
            "value": button.command,
            "action_id": f"{BUTTON_ACTION}.{self.buttons}",
        }
        if button.form is not None:
            digest = form_digest(button.form)
            self.forms[digest] = button.form
            element["action_id"] = f"{FORM_ACTION}.{digest}.{self.buttons}"
        if button.primary:
            element["style"] = "primary"
        return element

    def actions(self, buttons: tuple[Button, ...], block_id: str | None = None) -> None:
        rows: list[list[Json]] = [[]]
        chars = 0
        for element in (e for e in (self.button(b) for b in buttons) if e is not None):
            size = _size(element)
            # A row of long commands could outgrow a whole message, which no split then fixes.
            if rows[-1] and (len(rows[-1]) >= ACTIONS_ELEMENTS or chars + size > ACTIONS_CHARS):
                rows.append([])
                chars = 0
            rows[-1].append(element)
            chars += size
        for number, row in enumerate(r for r in rows if r):
            block: Json = {"type": "actions", "elements": row}
            if block_id is not None and number == 0:
                block["block_id"] = block_id
            self.blocks.append(block)

    def context(self, text: str) -> None:
        pieces = _pieces(escape(text))
        for start in range(0, len(pieces), CONTEXT_ELEMENTS):
            elements = [
                {"type": "mrkdwn", "text": p} for p in pieces[start : start + CONTEXT_ELEMENTS]
            ]
            self.blocks.append({"type": "context", "elements": elements})

    def add(self, block: Block) -> None:
        if isinstance(block, Heading):
            if block.text.strip():
                self.blocks.append({"type": "header", "text": _plain(block.text, HEADER_TEXT)})
        elif isinstance(block, Text):
            self.blocks.extend(_sections(escape(block.text)))
        elif isinstance(block, Markdown) and self.markdown_blocks:
            self.blocks.extend(markdown.markdown_blocks(block.text, chunks))
        elif isinstance(block, Markdown):
            for text in markdown.packed(markdown.mrkdwn(block.text), SECTION_TEXT, "\n", chunks):
                self.blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        elif isinstance(block, Bullets):
            self.blocks.extend(_sections(escape(block.fallback())))
        elif isinstance(block, Buttons):
            self.actions(block.buttons)
        elif isinstance(block, Poll):
            self.blocks.extend(_sections(escape(block.question)))
            self.actions(block.options, block_id=f"poll.{block.poll_id}")
            self.context(block.count_line)
            if block.privacy_line:
                self.context(block.privacy_line)
        elif isinstance(block, Divider):
            self.blocks.append({"type": "divider"})
        elif isinstance(block, Context):
            self.context(block.text)
        elif isinstance(block, Link):
            url = block.url.replace(">", "%3E").replace("|", "%7C")
            self.blocks.extend(_sections(f"<{url}|{escape(block.label)}>"))
        elif isinstance(block, Image) and self.upload_images:
            self.images.append(block)  # uploaded as a file beside the message
        elif isinstance(block, File) and self.upload_files:
            self.files.append(block)
        else:
            self.context(block.fallback())


@dataclass(frozen=True)
class Message:
    """One Slack message: notification text and blocks."""

    text: str
    blocks: list[Json]
    # The serialised answer to a command, by response type: shared replies are rendered once and
    # answered many times, and serialising their blocks costs more than the rest of the answer.
    _answers: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def command_answer(self, response_type: str) -> str:
        """This message as the JSON body that answers a slash command (`ephemeral` or
        `in_channel`)."""
        answer = self._answers.get(response_type)
        if answer is None:
            body = {"response_type": response_type, "text": self.text, "blocks": self.blocks}
            answer = self._answers[response_type] = json.dumps(body)
        return answer


@dataclass(frozen=True)
class Rendered:
    """A reply as Slack messages, the forms their buttons open, and the images and files to
    upload beside them."""

    messages: list[Message]
    forms: dict[str, Form]
    images: list[Image]
    files: list[File] = field(default_factory=list)


def _size(block: Json) -> int:
    # Slack counts characters, not the escapes `json.dumps` writes for every non-ASCII one.
    return len(json.dumps(block, ensure_ascii=False))


def render(reply: Reply, *, share: str | None = None, upload_images: bool = False) -> Rendered:
    """A reply as one or more messages; `share` adds a "Share in channel" button for a command.

    The result is shared between callers when the reply is shareable, so it must not be changed.
    """
    if not reply.shareable:
        return _render(reply, share, upload_images)
    key = (id(reply), share, upload_images)
    seen = _SHARED_BY_IDENTITY.get(key)
    if seen is not None and seen[0] is reply:
        return seen[1]
    rendered = _render_shared(reply, share, upload_images)
    if len(_SHARED_BY_IDENTITY) >= SHARED_RENDERINGS:
        _SHARED_BY_IDENTITY.clear()
    # The reply is kept beside its rendering, so its id cannot pass to another object meanwhile.
    _SHARED_BY_IDENTITY[key] = (reply, rendered)
    return rendered


# Shareable replies are the pack's own words (the steps, tips, practices), asked for again and
# again with nothing personal in them, so rendering them once per pack is enough. The core hands
# out the same reply object each time, so most are found by identity, before hashing the reply.
SHARED_RENDERINGS = 256
_SHARED_BY_IDENTITY: dict[tuple[int, str | None, bool], tuple[Reply, Rendered]] = {}


@functools.lru_cache(maxsize=SHARED_RENDERINGS)
def _render_shared(reply: Reply, share: str | None, upload_images: bool) -> Rendered:
    return _render(reply, share, upload_images)


def _render(reply: Reply, share: str | None, upload_images: bool) -> Rendered:
    builder = _Builder(upload_images=upload_images)
    for block in reply.blocks:
        builder.add(block)
    if share is not None and len(SHARE_PREFIX + share) <= BUTTON_VALUE:
        builder.blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": _plain(SHARE_LABEL, BUTTON_TEXT),
                        "value": SHARE_PREFIX + share,
                        "action_id": SHARE_ACTION,
                    }
                ],
            }
        )
    text = cut(reply.summary, MESSAGE_TEXT) or " "
    messages: list[Message] = []
    current: list[Json] = []
    chars = 0
    for native in builder.blocks:
        size = _size(native)
        if current and (len(current) >= MESSAGE_BLOCKS or chars + size > MESSAGE_CHARS):
            messages.append(Message(text=text, blocks=current))
            current, chars = [], 0
        current.append(native)
        chars += size
    if current or not messages:
        messages.append(Message(text=text, blocks=current))
    return Rendered(
        messages=messages, forms=builder.forms, images=builder.images, files=builder.files
    )


def surface_blocks(reply: Reply) -> tuple[list[Json], dict[str, Form]]:
    """Blocks for a modal or the Home tab: one surface, so cut at 100 blocks with a note."""
    builder = _Builder(upload_files=False, markdown_blocks=False)
    for block in reply.blocks:
        builder.add(block)
    # A view needs at least one block; a reply with none shows its summary.
    blocks = builder.blocks or _sections(escape(reply.summary)) or _sections(NOTHING)
    if len(blocks) > SURFACE_BLOCKS:
        note = {"type": "context", "elements": [{"type": "mrkdwn", "text": SHORTENED}]}
        blocks = [*blocks[: SURFACE_BLOCKS - 1], note]
    return blocks, builder.forms


def home_view(reply: Reply) -> tuple[Json, dict[str, Form]]:
    """The App Home tab for a reply."""
    blocks, forms = surface_blocks(reply)
    return {"type": "home", "blocks": blocks}, forms


_DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _option(text: str) -> Json:
    return {"text": _plain(text, OPTION_TEXT), "value": text[:OPTION_VALUE]}


def _element(item: FormField) -> Json:
    if item.kind in ("select", "timezone"):
        options = [_option(o) for o in item.options[:OPTIONS]] or [_option("UTC")]
        element: Json = {"type": "static_select", "options": options}
        initial = next((o for o in options if o["value"] == item.initial), None)
        if initial is not None:
            element["initial_option"] = initial
    elif item.kind == "channel":
        element = {
            "type": "conversations_select",
            "default_to_current_conversation": True,
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        }
    elif item.kind == "date":
        element = {"type": "datepicker"}
        # Slack refuses the whole view over an initial date or time of another shape.
        if item.initial and _DATE.fullmatch(item.initial):
            element["initial_date"] = item.initial
    elif item.kind == "time":
        element = {"type": "timepicker"}
        if item.initial and _TIME.fullmatch(item.initial):
            element["initial_time"] = item.initial
    else:
        element = {
            "type": "plain_text_input",
            "multiline": item.kind == "long_text",
            "max_length": min(item.max_length, SECTION_TEXT),
        }
        if item.initial:
            element["initial_value"] = item.initial[: element["max_length"]]
    element["action_id"] = FIELD_ACTION
    return element


def modal(form: Form, metadata: str) -> Json:
    """A modal asking for a form's fields; `metadata` comes back with the submission."""
    blocks = [
        {
            "type": "input",
            "block_id": item.name[:255],
            "label": _plain(item.label, 2000),
            "optional": item.optional,
            "element": _element(item),
        }
        for item in form.fields[:SURFACE_BLOCKS]
    ]
    # A form with nothing to fill in still needs a block: it asks to confirm, by its title.
    blocks = blocks or _sections(escape(form.title)) or _sections(NOTHING)
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": _plain(form.title, VIEW_TITLE),
        "submit": _plain(form.submit_label, VIEW_TITLE),
        "close": _plain("Cancel", VIEW_TITLE),
        "private_metadata": metadata[:PRIVATE_METADATA],
        "blocks": blocks,
    }


def answers(state: Json) -> dict[str, str]:
    """A submitted modal's values, by field name (empty optional fields are left out)."""
    found: dict[str, str] = {}
    values = state.get("values")
    # Slack nests objects here; anything else (a modal of another shape) has no answers.
    for name, actions in (values if isinstance(values, dict) else {}).items():
        value = actions.get(FIELD_ACTION) if isinstance(actions, dict) else None
        if not isinstance(value, dict):
            continue
        option = value.get("selected_option")
        picked = (
            value.get("value")
            or (option.get("value") if isinstance(option, dict) else None)
            or value.get("selected_conversation")
            or value.get("selected_channel")
            or value.get("selected_date")
            or value.get("selected_time")
        )
        if isinstance(picked, str) and picked:
            found[str(name)] = picked
    return found
