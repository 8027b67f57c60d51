"""The neutral message model: what the core says, before any platform renders it.

Adapters render each block natively (Block Kit, Adaptive Cards, plain text); a block an adapter does
not know falls back to its `fallback()` text.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Target(_Frozen):
    """Where a message goes: a tenant and an opaque, platform-given address (channel or user)."""

    tenant: str
    address: str


class MessageRef(_Frozen):
    """A message already sent, so it can be updated; the core stores it, never parses it."""

    tenant: str
    address: str
    message_id: str


class Person(_Frozen):
    """Someone writing to the bot, as the platform names them."""

    tenant: str
    user_id: str
    display_name: str | None = None


class Incoming(_Frozen):
    """One thing a person did: typed a command, or pressed a button that carries one."""

    person: Person
    place: Target
    text: str
    # What a person filled into the form a button opened, by field name (a private reflection,
    # a follow-up, a section's schedule).
    form: dict[str, str] | None = None
    via_button: bool = False
    # The place belongs to one person (a direct message): anonymous items never keep it, and
    # nothing anonymous is posted back to it.
    private_place: bool = False
    # What a command is typed after here: `/compassion-steps ` in a Slack channel, `@crbot ` in a
    # Teams channel, nothing in a direct message or the shell. Help and hints use it, because a
    # bare `ask ...` typed in a channel is posted to everyone and never reaches the bot.
    prefix: str = ""
    # The same where private replies are shown, when that is elsewhere: Teams shows them in the
    # person's personal chat, where the bare words work. None: where `prefix` applies.
    private_prefix: str | None = None
    # What the person typed is itself a post others read under their name (a message in a Teams
    # channel, a mention in a Slack channel): nothing it carries can be anonymous any more.
    typed_publicly: bool = False


class Heading(_Frozen):
    """A short title line."""

    kind: Literal["heading"] = "heading"
    text: str

    def fallback(self) -> str:
        """Plain-text form."""
        return self.text.upper()


class Text(_Frozen):
    """A paragraph; may hold *bold* and _italic_ marks, which renderers translate."""

    kind: Literal["text"] = "text"
    text: str

    def fallback(self) -> str:
        """Plain-text form."""
        return self.text


class Markdown(_Frozen):
    """Words a person wrote in Markdown (a leader's follow-up, a post from a file), which each
    platform renders in its own syntax; as plain text it reads as written."""

    kind: Literal["markdown"] = "markdown"
    text: str

    def fallback(self) -> str:
        """Plain-text form: Markdown is made to be read as it is."""
        return self.text


class Bullets(_Frozen):
    """A list of short items."""

    kind: Literal["bullets"] = "bullets"
    items: tuple[str, ...]
    numbered: bool = False

    def fallback(self) -> str:
        """Plain-text form."""
        marks = [f"{i}." if self.numbered else "•" for i in range(1, len(self.items) + 1)]
        return "\n".join(f"{mark} {item}" for mark, item in zip(marks, self.items, strict=True))


class Image(_Frozen):
    """An image from a content pack, with the text that describes it."""

    kind: Literal["image"] = "image"
    path: str
    title: str
    alt_text: str

    def fallback(self) -> str:
        """Plain-text form."""
        return f"[image: {self.title}. {self.alt_text}]"


class File(_Frozen):
    """A file the bot made for someone (a calendar, a spreadsheet), written to `path` first."""

    kind: Literal["file"] = "file"
    path: str
    filename: str
    title: str
    media_type: str = "application/octet-stream"

    def fallback(self) -> str:
        """Plain-text form: where the file is."""
        return f"[file: {self.title} ({self.filename}) at {self.path}]"


class FormField(_Frozen):
    """One input of a form; `kind` tells the platform which native input to use."""

    name: str
    label: str
    kind: Literal["text", "long_text", "select", "date", "time", "channel", "timezone"] = "text"
    options: tuple[str, ...] = ()
    initial: str | None = None
    optional: bool = False
    max_length: int = 3000


class Form(_Frozen):
    """What a button asks for before it sends its command (a modal, a card's inputs)."""

    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Send"


class Button(_Frozen):
    """A button that sends `command` back to the core as if it were typed.

    With a `form`, the platform first asks the person to fill it in (a modal, a card's inputs)
    and sends the answers as `Incoming.form`.
    """

    label: str
    command: str
    primary: bool = False
    form: Form | None = None
    # What to type instead, where it differs from `command` (`next` rather than a position).
    typed: str | None = None

    def hint(self) -> str:
        """How to do the same by typing."""
        if self.form is not None:
            return f"[{self.label}: type `{self.typed or self.command}` and your words]"
        return f"[{self.label}: type `{self.typed or self.command}`]"


class Buttons(_Frozen):
    """A row of buttons."""

    kind: Literal["buttons"] = "buttons"
    buttons: tuple[Button, ...]

    def fallback(self) -> str:
        """Plain-text form: the commands to type instead."""
        return "  ".join(button.hint() for button in self.buttons)


class Poll(_Frozen):
    """A check-in question with its answer buttons and the counts so far."""

    kind: Literal["poll"] = "poll"
    poll_id: str
    question: str
    options: tuple[Button, ...]
    count_line: str
    # None for a question among several that share one privacy note below them (a survey).
    privacy_line: str | None

    def fallback(self) -> str:
        """Plain-text form."""
        answers = "\n".join(f"  {b.label}" for b in self.options)
        first, last = self.options[0], self.options[-1]
        if first.typed and last.typed:  # a survey question: typed by its number, not its id
            how = f"Answer with `{first.typed}` to `{last.typed}`."
        else:
            how = f"Answer with `checkin 0` to `checkin {len(self.options) - 1}`."
        privacy = f"\n{self.privacy_line}" if self.privacy_line else ""
        return f"{self.question}\n{answers}\n{how}\n{self.count_line}{privacy}"


class Divider(_Frozen):
    """A visual break."""

    kind: Literal["divider"] = "divider"

    def fallback(self) -> str:
        """Plain-text form."""
        return "—" * 3


class Context(_Frozen):
    """A small, quiet line: a credit, a hint, a privacy note."""

    kind: Literal["context"] = "context"
    text: str

    def fallback(self) -> str:
        """Plain-text form."""
        return self.text


class Link(_Frozen):
    """A link to a toolkit document."""

    kind: Literal["link"] = "link"
    url: str
    label: str

    def fallback(self) -> str:
        """Plain-text form."""
        return f"{self.label}: {self.url}"


Block = Annotated[
    Heading | Text | Markdown | Bullets | Image | File | Buttons | Poll | Divider | Context | Link,
    Field(discriminator="kind"),
]


class Reply(_Frozen):
    """A whole message: blocks, a one-line summary for notifications, and who may see it."""

    summary: str
    blocks: tuple[Block, ...] = ()
    # Private replies go only to the person who asked (ephemeral in a channel).
    private: bool = True
    # A private reply the person may choose to post to the channel as it is.
    shareable: bool = False
    # Nothing personal: the pack's words, one object handed to everyone who asks (help, the
    # scenario list), so a renderer may keep its rendering. Shareable replies are fixed too.
    fixed: bool = False
    # Pin a channel message where the platform lets bots pin (a visual, the culture agreements).
    pin: bool = False

    @classmethod
    def saying(cls, words: str, *notes: str) -> Reply:
        """A private reply of one paragraph, with optional quiet lines under it."""
        return cls(summary=words, blocks=(Text(text=words), *(Context(text=n) for n in notes)))

    def plain_text(self) -> str:
        """The whole message as plain text, block by block."""
        return "\n".join(block.fallback() for block in self.blocks) or self.summary
