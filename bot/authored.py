"""Markdown a person wrote (a leader's follow-up, a post from a file), read into plain parts.

Each platform speaks a different Markdown: Slack's mrkdwn, Teams' small subset, the shell none.
So the text is parsed once, by a CommonMark parser, into lines of styled spans, and each adapter
writes those in its own syntax. Raw HTML stays text: nobody's follow-up should inject markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

# CommonMark, with ~~strikethrough~~ that people type by habit; no HTML.
_PARSER = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


@dataclass(frozen=True)
class Span:
    """A run of text in one style; `href` makes it a link."""

    text: str
    bold: bool = False
    italic: bool = False
    strike: bool = False
    code: bool = False
    href: str | None = None


Line = tuple[Span, ...]


@dataclass(frozen=True)
class Part:
    """One block of the text: a heading, a paragraph, a list item, a code block or a rule.

    `lines` are the block's lines as the author broke them; `quote` is how deeply it is quoted;
    `level` is a heading's level or a list item's depth (1 for the outermost); `number` is an
    ordered item's number.
    """

    kind: Literal["heading", "paragraph", "item", "code", "rule"]
    lines: tuple[Line, ...] = ()
    level: int = 0
    number: int | None = None
    quote: int = 0

    def plain(self) -> str:
        """The part's words without any styling, lines joined by newlines."""
        return "\n".join("".join(span.text for span in line) for line in self.lines)


def styled(
    span: Span,
    marks: Mapping[str, str],
    link: Callable[[str, str], str],
    escape: Callable[[str], str] = str,
) -> str:
    """A span in a platform's syntax: `marks` by style (`code`, `strike`, `italic`, `bold`; a
    style left out is not shown), `link(url, text)` for a link. The marks hug the words, as
    every Markdown dialect wants, and the spaces around them stay outside."""
    text = escape(span.text)
    core = text.strip()
    if not core:
        return text
    for name in ("code", "strike", "italic", "bold"):
        mark = marks.get(name)
        if mark is not None and getattr(span, name):
            core = f"{mark}{core}{mark}"
    if span.href:
        core = link(span.href, core)
    return text[: len(text) - len(text.lstrip())] + core + text[len(text.rstrip()) :]


def parse(text: str) -> list[Part]:
    """The parts of a Markdown text, in order."""
    return _blocks(SyntaxTreeNode(_PARSER.parse(text)), quote=0, depth=0)


def _blocks(node: SyntaxTreeNode, quote: int, depth: int) -> list[Part]:
    parts: list[Part] = []
    for child in node.children:
        if child.type == "heading":
            level = int(child.tag[1:]) if child.tag[1:].isdigit() else 1
            parts.append(Part("heading", _inline(child), level=level, quote=quote))
        elif child.type == "paragraph":
            parts.append(Part("paragraph", _inline(child), quote=quote))
        elif child.type in ("fence", "code_block"):
            lines = tuple(
                (Span(line, code=True),) for line in child.content.rstrip("\n").split("\n")
            )
            parts.append(Part("code", lines, quote=quote))
        elif child.type == "hr":
            parts.append(Part("rule", quote=quote))
        elif child.type == "blockquote":
            parts += _blocks(child, quote + 1, depth)
        elif child.type in ("bullet_list", "ordered_list"):
            parts += _list(child, quote, depth + 1)
        elif child.type == "html_block":  # only with HTML on; kept as the text it is
            parts.append(Part("paragraph", ((Span(child.content.strip()),),), quote=quote))
    return parts


def _list(node: SyntaxTreeNode, quote: int, depth: int) -> list[Part]:
    parts: list[Part] = []
    start = node.attrs.get("start", 1) if node.type == "ordered_list" else None
    for index, item in enumerate(node.children):
        inner = _blocks(item, quote, depth)
        number = None if start is None else int(start) + index
        # The item's first paragraph carries its mark; what follows stays inside the item.
        if inner and inner[0].kind == "paragraph":
            first = replace(inner[0], kind="item", level=depth, number=number)
            parts += [first, *inner[1:]]
        else:
            parts += [Part("item", ((Span(""),),), level=depth, number=number), *inner]
    return parts


def _inline(node: SyntaxTreeNode) -> tuple[Line, ...]:
    lines: list[list[Span]] = [[]]
    for child in node.children:  # the block's one `inline` node
        _spans(child, Span(""), lines)
    return tuple(tuple(span for span in line if span.text) for line in lines)


def _spans(node: SyntaxTreeNode, style: Span, lines: list[list[Span]]) -> None:
    for child in node.children:
        kind = child.type
        if kind == "text":
            lines[-1].append(replace(style, text=child.content))
        elif kind == "code_inline":
            lines[-1].append(replace(style, text=child.content, code=True))
        elif kind in ("softbreak", "hardbreak"):
            lines.append([])  # people break lines on purpose in a message: keep them
        elif kind == "strong":
            _spans(child, replace(style, bold=True), lines)
        elif kind == "em":
            _spans(child, replace(style, italic=True), lines)
        elif kind == "s":
            _spans(child, replace(style, strike=True), lines)
        elif kind == "link":
            _spans(child, replace(style, href=str(child.attrs.get("href", ""))), lines)
        elif kind == "image":
            alt = child.content or str(child.attrs.get("src", ""))
            lines[-1].append(replace(style, text=alt, href=str(child.attrs.get("src", ""))))
        elif kind == "html_inline":
            lines[-1].append(replace(style, text=child.content))
        else:
            _spans(child, style, lines)
