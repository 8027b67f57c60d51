"""Reply -> Block Kit messages, within every limit Slack sets (see PLATFORM.md).

A long reply becomes several messages (50 blocks, ~12k characters each); long text is split
between sections; labels are cut with an ellipsis. A button's value is its command; a button
with a form names the form's digest in its action id, and the form itself is kept in the
database (`forms.py`), because a form rarely fits in the 2,000 characters of a value.

The limits and the cutting and splitting of text are in `limits.py`; the Home tab and modals,
built from the same blocks, in `views.py`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field

from adapters.slack import markdown
from adapters.slack.limits import (
    ACTIONS_CHARS,
    ACTIONS_ELEMENTS,
    BUTTON_TEXT,
    BUTTON_VALUE,
    CONTEXT_ELEMENTS,
    HEADER_TEXT,
    MESSAGE_BLOCKS,
    MESSAGE_CHARS,
    MESSAGE_TEXT,
    SECTION_TEXT,
    Json,
    block_chars,
    chunks,
    cut,
    escape,
    mrkdwn_sections,
    plain_text,
    text_pieces,
)
from bot.messages import (
    Block,
    Bullets,
    Button,
    Buttons,
    Context,
    Divider,
    File,
    Form,
    Heading,
    Image,
    Link,
    Markdown,
    Poll,
    Reply,
    Text,
)

BUTTON_ACTION = "crbot.button"
FORM_ACTION = "crbot.form"
SHARE_ACTION = "crbot.share"
SHARE_PREFIX = "share:"
SHARE_LABEL = "Share in channel"


def form_digest(form: Form) -> str:
    """A stable short name for a form: the same form always gets the same digest."""
    return hashlib.sha256(form.model_dump_json().encode()).hexdigest()[:32]


@dataclass
class Builder:
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
        """A button element, its form kept aside; None for a command no button can carry."""
        if not button.command.strip() or len(button.command) > BUTTON_VALUE:
            return None  # a cut command would do something else, an empty one nothing
        self.buttons += 1
        element: Json = {
            "type": "button",
            "text": plain_text(button.label, BUTTON_TEXT, blank=button.typed or button.command),
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
        """Buttons as actions blocks, as many rows as Slack's limits need."""
        rows: list[list[Json]] = [[]]
        chars = 0
        for element in (e for e in (self.button(b) for b in buttons) if e is not None):
            size = block_chars(element)
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
        """Text as small print: context blocks of at most ten elements each."""
        pieces = text_pieces(escape(text))
        for start in range(0, len(pieces), CONTEXT_ELEMENTS):
            elements = [
                {"type": "mrkdwn", "text": p} for p in pieces[start : start + CONTEXT_ELEMENTS]
            ]
            self.blocks.append({"type": "context", "elements": elements})

    def add(self, block: Block) -> None:
        """One block of a reply, as Block Kit (or its text, where Slack has no match)."""
        if isinstance(block, Heading):
            if block.text.strip():
                self.blocks.append({"type": "header", "text": plain_text(block.text, HEADER_TEXT)})
        elif isinstance(block, Text):
            self.blocks.extend(mrkdwn_sections(escape(block.text)))
        elif isinstance(block, Markdown) and self.markdown_blocks:
            self.blocks.extend(markdown.markdown_blocks(block.text, chunks))
        elif isinstance(block, Markdown):
            for text in markdown.packed(markdown.mrkdwn(block.text), SECTION_TEXT, "\n", chunks):
                self.blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        elif isinstance(block, Bullets):
            self.blocks.extend(mrkdwn_sections(escape(block.fallback())))
        elif isinstance(block, Buttons):
            self.actions(block.buttons)
        elif isinstance(block, Poll):
            self.blocks.extend(mrkdwn_sections(escape(block.question)))
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
            self.blocks.extend(mrkdwn_sections(f"<{url}|{escape(block.label)}>"))
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


def render(reply: Reply, *, share: str | None = None, upload_images: bool = False) -> Rendered:
    """A reply as one or more messages; `share` adds a "Share in channel" button for a command.

    The result is shared between callers when the reply is shareable or fixed, so it must not be
    changed.
    """
    if not (reply.shareable or reply.fixed):
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


# Shareable and fixed replies are the pack's own words (the steps, tips, practices, help), asked
# for again and again with nothing personal in them, so rendering them once per pack is enough.
# The core hands out the same reply object each time, so most are found by identity, before
# hashing the reply.
SHARED_RENDERINGS = 256
_SHARED_BY_IDENTITY: dict[tuple[int, str | None, bool], tuple[Reply, Rendered]] = {}


@functools.lru_cache(maxsize=SHARED_RENDERINGS)
def _render_shared(reply: Reply, share: str | None, upload_images: bool) -> Rendered:
    return _render(reply, share, upload_images)


def _render(reply: Reply, share: str | None, upload_images: bool) -> Rendered:
    builder = Builder(upload_images=upload_images)
    for block in reply.blocks:
        builder.add(block)
    if share is not None and len(SHARE_PREFIX + share) <= BUTTON_VALUE:
        builder.blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": plain_text(SHARE_LABEL, BUTTON_TEXT),
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
        size = block_chars(native)
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
