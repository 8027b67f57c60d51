"""Reply -> plain text for a terminal."""

from __future__ import annotations

import re

from bot.messages import Markdown, Reply

_MARKS = re.compile(r"(?<![\w*_])[*_](\S(?:.*?\S)?)[*_](?![\w*_])")


def render(reply: Reply) -> str:
    """The reply as plain text, with the core's *bold* and _italic_ marks removed; Markdown a
    person wrote is shown as they wrote it."""
    lines = [
        block.fallback() if isinstance(block, Markdown) else _MARKS.sub(r"\1", block.fallback())
        for block in reply.blocks
    ]
    return "\n".join(lines) or _MARKS.sub(r"\1", reply.summary)
