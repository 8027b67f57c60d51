"""Authored Markdown as Adaptive Card elements, in the subset of Markdown Teams renders.

A TextBlock in Teams shows **bold**, _italic_, lists and [links](url), and nothing else: no
headings, code or quotes. So headings become bolder, larger TextBlocks, a quote an emphasis
Container, code monospace, and each line the author broke its own TextBlock (Teams joins the
lines of a TextBlock broken only once).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import groupby
from typing import Any

from bot.authored import Line, Part, Span, parse, styled

Json = dict[str, Any]

# Teams' marks; inline code reads as bold (a TextBlock would show the backticks).
_MARKS = {"code": "**", "italic": "_", "bold": "**"}
_HEADING_SIZES = {1: "Large", 2: "Medium"}
_MARK_CHARACTERS = re.compile(r"\*|(?<![^\W_])_|_(?![^\W_])|\](?=\()|\\(?=[!-/:-@\[-`{-~])")
_LIST_MARK = re.compile(r" {0,3}([-+*]|\d{1,9}[.)])( |$)")


def _link(url: str, text: str) -> str:
    # Parentheses either way round would end or unbalance the link's address, so both are
    # percent-encoded, as a space is.
    address = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return f"[{text}]({address})"


def _escape(text: str) -> str:
    # What the author meant as a character, not a mark (`\*`, or a `*` in code). Backslash
    # escapes are CommonMark's, and Teams' desktop, web and iOS clients read them; Android
    # has shown the backslash, so only what would otherwise become a mark is escaped (not a
    # snake_case underscore, nor the brackets of "[one thing]").
    return _MARK_CHARACTERS.sub(r"\\\g<0>", text)


def _line(line: Line, marks: Mapping[str, str] = _MARKS) -> str:
    text = "".join(styled(span, marks, _link, _escape) for span in line)
    # Words that only look like a list mark ("1) first", an escaped "1.") would start a list in
    # a TextBlock; a zero-width space before them keeps them words, and backslash escapes
    # work on some Teams clients only.
    return "\u200b" + text if _LIST_MARK.match(text) else text


def _text(text: str, **style: Any) -> Json:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _lines(lines: tuple[Line, ...], **style: Any) -> list[Json]:
    """One TextBlock per line, the lines after the first close under it."""
    blocks = [_text(text, **style) for line in lines if (text := _line(line)).strip()]
    return [blocks[0], *({**b, "spacing": "None"} for b in blocks[1:])] if blocks else []


def _code(part: Part) -> list[Json]:
    """Code in monospace, a TextBlock a line. Teams still reads `*` and `_` in it, and honours
    backslash escapes on some clients only; text runs would not, but the card check reads a
    RichTextBlock's runs as unknown, so code keeps to TextBlocks."""
    lines = tuple((Span(line),) for line in part.plain().split("\n"))
    return _lines(lines, fontType="Monospace")


def _item(part: Part) -> str:
    mark = f"{part.number}." if part.number is not None else "-"
    indent = "    " * (part.level - 1)
    return "\n".join(
        f"{indent}{mark} {_line(line)}" if n == 0 else f"{indent}   {_line(line)}"
        for n, line in enumerate(part.lines)
    )


def _elements(parts: list[Part]) -> list[Json]:
    found: list[Json] = []
    # A list's items share one TextBlock, so Teams draws them as one list.
    for is_item, run in groupby(parts, key=lambda part: part.kind == "item"):
        group = list(run)
        if is_item:
            found.append(_text("\n".join(_item(part) for part in group)))
            continue
        for part in group:
            if part.kind == "heading":
                size = _HEADING_SIZES.get(part.level, "Default")
                # The whole line is bolder already: only italics show inside it.
                text = "\n".join(_line(line, {"italic": "_"}) for line in part.lines)
                if text.strip():
                    found.append(_text(text, weight="Bolder", size=size))
            elif part.kind == "code":
                found += _code(part)
            elif part.kind == "rule":
                found.append({"type": "Container", "separator": True, "items": []})
            else:
                found += _lines(part.lines)
    return found


def authored(text: str) -> list[Json]:
    """A Markdown text as card elements; quoted parts inside an emphasis Container."""
    found: list[Json] = []
    for quoted, run in groupby(parse(text), key=lambda part: part.quote > 0):
        inner = _elements(list(run))
        if quoted and inner:
            found.append({"type": "Container", "style": "emphasis", "items": inner})
        else:
            found += inner
    return found
