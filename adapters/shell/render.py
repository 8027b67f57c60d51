"""Reply -> plain text for a terminal."""

from __future__ import annotations

import re

from bot.messages import Reply

_MARKS = re.compile(r"(?<![\w*_])[*_](\S(?:.*?\S)?)[*_](?![\w*_])")


def render(reply: Reply) -> str:
    """The reply as plain text, with *bold* and _italic_ marks removed."""
    return _MARKS.sub(r"\1", reply.plain_text())
