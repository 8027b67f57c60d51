"""Authored Markdown for Slack: Slack's own `markdown` block in messages, mrkdwn elsewhere.

A `markdown` block takes standard Markdown (headings show bold, links are links), up to 12,000
characters for all the markdown blocks of one payload together. It only exists in messages, so
a Home tab or a modal gets the same text converted to mrkdwn sections instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from bot.authored import Line, Part, parse, styled

# A block of authored text stays well inside the 11,000 characters a message is closed at, so
# a message never holds more markdown than the 12,000 Slack allows across its blocks.
MARKDOWN_PIECE = 5000
_FENCES = ("```", "~~~")
_SLACK_TOKEN = re.compile(r"<(?=[!@#]|[^<>\s|]*\|)")


def neutralised(text: str) -> str:
    """The text with Slack's own `<…>` tokens made literal: in a markdown block Slack still
    reads `<!here>`, `<@U123>`, `<#C123>` and `<url|label>`, and nobody's follow-up should
    mention the whole channel or hide where a link goes. Any other `<` stays, and so does
    Markdown's `<https://…>`. In code too, to be safe: a token there shows as `&lt;!here>`."""
    return _SLACK_TOKEN.sub("&lt;", text)


def packed(
    pieces: list[str], limit: int, joiner: str, split: Callable[[str], list[str]]
) -> list[str]:
    """Pieces joined, in order, into as few texts of at most `limit` as they fit; a piece
    longer than `limit` is cut by `split`."""
    texts: list[str] = []
    for piece in (p for whole in pieces for p in (split(whole) if len(whole) > limit else [whole])):
        if texts and len(texts[-1]) + len(joiner) + len(piece) <= limit:
            texts[-1] += joiner + piece
        else:
            texts.append(piece)
    return texts


def _paragraphs(text: str) -> list[str]:
    """The text cut at its blank lines, never inside a fenced code block."""
    found, current, fenced = [], [], False
    for line in text.split("\n"):
        if line.lstrip().startswith(_FENCES):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                found.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        found.append("\n".join(current))
    return found


def markdown_blocks(text: str, split: Callable[[str], list[str]]) -> list[dict[str, str]]:
    """The text as `markdown` blocks, cut between paragraphs when it is long."""
    pieces = packed(_paragraphs(neutralised(text.strip())), MARKDOWN_PIECE, "\n\n", split)
    return [{"type": "markdown", "text": piece} for piece in pieces if piece.strip()]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# mrkdwn's marks; code keeps its backticks, and its words are not styled further.
_MARKS = {"code": "`", "strike": "~", "italic": "_", "bold": "*"}


def _link(url: str, text: str) -> str:
    return "<" + url.replace(">", "%3E").replace("|", "%7C") + f"|{text}>"


_IN_BOLD = {name: mark for name, mark in _MARKS.items() if name != "bold"}


def _line(line: Line, marks: Mapping[str, str] = _MARKS) -> str:
    return "".join(
        styled(span, {"code": "`"} if span.code else marks, _link, _escape) for span in line
    )


def _part(part: Part) -> str:
    if part.kind == "code":
        body = "```\n" + "\n".join(_escape(part.plain()).split("\n")) + "\n```"
    elif part.kind == "rule":
        body = "───"
    else:
        lines = [_line(line) for line in part.lines]
        if part.kind == "heading":
            # mrkdwn has no headings: a bold line, as Slack shows a markdown block's headings.
            lines = [f"*{text}*" for line in part.lines if (text := _line(line, _IN_BOLD).strip())]
        elif part.kind == "item":
            mark = f"{part.number}." if part.number is not None else "•"
            indent = "    " * (part.level - 1)
            lines = [f"{indent}{mark} {lines[0]}", *(f"{indent}   {rest}" for rest in lines[1:])]
        body = "\n".join(lines)
    if part.quote:  # mrkdwn quotes one level deep
        body = "\n".join(f"> {line}" for line in body.split("\n"))
    return body


def mrkdwn(text: str) -> list[str]:
    """The text as mrkdwn, one string per heading, paragraph, list item or code block."""
    return [body for body in (_part(part) for part in parse(text)) if body.strip()]
