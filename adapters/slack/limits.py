"""Slack's limits (see PLATFORM.md), and text escaped, cut and split to fit within them."""

from __future__ import annotations

import json
from typing import Any

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


def plain_text(text: str, limit: int, blank: str = "…") -> Json:
    """A `plain_text` object of at most `limit` characters, never blank."""
    # Slack refuses a blank text object wherever one is required (a label, a title, a header).
    shown = text if text.strip() else (blank if blank.strip() else "…")
    return {"type": "plain_text", "text": cut(shown, limit), "emoji": True}


def text_pieces(text: str) -> list[str]:
    """`chunks` of the text, leaving out the blank ones."""
    # Slack refuses a section or context element with blank text, so blank pieces are left out.
    return [piece for piece in chunks(text) if piece.strip()]


def mrkdwn_sections(text: str) -> list[Json]:
    """Section blocks of mrkdwn text (escaped already), split to fit."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": p}} for p in text_pieces(text)]


def block_chars(block: Json) -> int:
    """The characters Slack counts in a block, towards a message's total."""
    # Slack counts characters, not the escapes `json.dumps` writes for every non-ASCII one.
    return len(json.dumps(block, ensure_ascii=False))
