"""A leader's Markdown reads on each platform as they wrote it: the round trip.

Each platform's output is read back the way its client reads it (a CommonMark parser for
Slack's markdown block and for Teams' TextBlocks, Slack's mrkdwn rules for sections) into what a
reader sees: each line's role (heading, paragraph, list item, code, quote) and its styled runs.
That must match the source, changed only where the platform has no such construct.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from slack_sdk.models.blocks import Block
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.shell.render import render as shell_render
from adapters.slack.limits import chunks
from adapters.slack.markdown import markdown_blocks, mrkdwn
from adapters.slack.render import render
from adapters.slack.views import home_view
from adapters.teams.markdown import authored
from adapters.teams.render import card
from bot.core import Core
from bot.features.followups import follow_up_reply
from bot.messages import Markdown, Reply
from tests.conftest import FrozenClock
from tests.fakes.slack_api import running_slack

Json = dict[str, Any]
# (role, quote depth, runs); a run is (text, styles, link).
Run = tuple[str, frozenset[str], str | None]
Seen = tuple[str, int, tuple[Run, ...]]

SAMPLE = """# Thank you, team

## What we *heard*

Plain words, **bold words**, *italic words*, ***bold italic words***, and a
[link to the toolkit](https://example.org/toolkit?part=1&lang=en).
A line after a hard break:\\
and the `follow-up` command, ~~struck~~ words, 1 < 2, and <!here> typed by accident.

- first bullet
- second bullet with **bold**

1. first step
2. second step

> A quote from the circle, with _emphasis_.

```
code stays as it is: *not bold*
```
"""

_READER = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
_STYLE_OF = {"strong": "bold", "em": "italic", "s": "strike", "code_inline": "code"}


def _runs(inline: SyntaxTreeNode) -> list[list[Run]]:
    lines: list[list[Run]] = [[]]

    def walk(node: SyntaxTreeNode, styles: frozenset[str], href: str | None) -> None:
        for child in node.children:
            if child.type in ("text", "code_inline", "html_inline"):
                extra = {"code"} if child.type == "code_inline" else set()
                lines[-1].append((child.content, styles | extra, href))
            elif child.type in ("softbreak", "hardbreak"):
                lines.append([])
            elif child.type == "link":
                walk(child, styles, str(child.attrs["href"]) or None)  # no target: no link
            else:
                walk(child, styles | {_STYLE_OF.get(child.type, child.type)}, href)

    walk(inline, frozenset(), None)
    return lines


def _merged(runs: list[Run]) -> tuple[Run, ...]:
    """Runs as a reader sees them: neighbours of one style joined, spacing evened out, nothing
    empty, no space at either end of the line."""
    merged: list[Run] = []
    for text, styles, href in runs:
        text = re.sub(r"\s+", " ", text)
        if not text:
            continue
        if merged and merged[-1][1:] == (styles, href):
            merged[-1] = (merged[-1][0] + text, styles, href)
        else:
            merged.append((text, styles, href))
    if merged:
        merged[0] = (merged[0][0].lstrip(), *merged[0][1:])
        merged[-1] = (merged[-1][0].rstrip(), *merged[-1][1:])
    return tuple(run for run in merged if run[0])


def _code(line: str, quote: int) -> list[Seen]:
    runs = _merged([(line, frozenset(), None)])
    return [("code", quote, runs)] if runs else []


def seen(markdown: str, quote: int = 0, role: str | None = None) -> list[Seen]:
    """What a CommonMark reader shows of a text, line by line."""
    found: list[Seen] = []

    def blocks(node: SyntaxTreeNode, quote: int, mark: str | None) -> None:
        for child in node.children:
            if child.type in ("heading", "paragraph"):
                kind = child.tag if child.type == "heading" else (mark or role or "p")
                for line in _runs(child.children[0]):
                    if _merged(line):  # an empty line shows nothing
                        found.append((kind, quote, _merged(line)))
            elif child.type in ("fence", "code_block"):
                for line in child.content.rstrip("\n").split("\n"):
                    found.extend(_code(line, quote))
            elif child.type == "blockquote":
                blocks(child, quote + 1, mark)
            elif child.type in ("bullet_list", "ordered_list"):
                for item in child.children:
                    blocks(item, quote, "-" if child.type == "bullet_list" else "1.")

    blocks(SyntaxTreeNode(_READER.parse(markdown)), quote, None)
    return found


def restyled(lines: list[Seen], **changes: Any) -> list[Seen]:
    """The source as a platform without some constructs shows it: `heading` is the role a
    heading takes and the style it gains, `styles` maps a style to what shows instead,
    `deepest_quote` is as deep as quotes go."""
    changed: list[Seen] = []
    for role, quote, runs in lines:
        if role.startswith("h") and "heading" in changes:
            role, gained = changes["heading"](role)
            runs = tuple((t, s | gained, h) for t, s, h in runs)
        swaps: dict[str, str | None] = changes.get("styles", {})
        runs = tuple((t, frozenset(swaps.get(x, x) for x in s) - {None}, h) for t, s, h in runs)
        quote = min(quote, changes.get("deepest_quote", quote))
        changed.append((role, quote, _merged(list(runs))))
    return changed


# Slack's mrkdwn, read back into CommonMark: the reader above then applies.
_MRKDWN = [
    (re.compile(r"<([^|>]+)\|([^>]+)>"), r"[\2](\1)"),
    (re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])"), r"**\1**"),
    (re.compile(r"(?<![\w~])~(\S(?:[^~]*?\S)?)~(?![\w~])"), r"~~\1~~"),
]


def _unescaped(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def seen_in_mrkdwn(text: str) -> list[Seen]:
    """What Slack shows of a mrkdwn section, line by line."""
    found: list[Seen] = []
    fenced = False
    for line in text.split("\n"):
        quote = 1 if line.startswith("> ") else 0
        line = line.removeprefix("> ")
        if line.strip() == "```":
            fenced = not fenced
            continue
        plain = _unescaped(line)
        if fenced:
            found += _code(plain, quote)
            continue
        role, body = "p", line
        if line.startswith("• "):
            role, body = "-", line[2:]
        elif re.match(r"\d+\. ", line):
            role, body = "1.", line.split(" ", 1)[1]
        for pattern, replacement in _MRKDWN:
            body = pattern.sub(replacement, body)
        # mrkdwn has no block syntax but quotes and fences: the rest of a line is inline.
        inline = SyntaxTreeNode(_READER.parseInline(body)).children[0]
        for runs in _runs(inline):
            # Slack shows its three entities as the characters, in code too.
            shown = _merged([(_unescaped(text), styles, href) for text, styles, href in runs])
            if shown:
                found.append((role, quote, shown))
    return found


def seen_in_card(elements: list[Json], quote: int = 0) -> list[Seen]:
    """What Teams shows of card elements, line by line."""
    found: list[Seen] = []
    for element in elements:
        if element["type"] == "Container":
            inner = 1 if element.get("style") == "emphasis" else 0
            found += seen_in_card(element.get("items", []), quote + inner)
        elif element.get("fontType") == "Monospace":  # escaped as Markdown still
            found += [("code", q, r) for _, q, r in seen(element["text"], quote)]
        elif element.get("weight") == "Bolder":
            size = {"Large": "h1", "Medium": "h2"}.get(element.get("size", ""), "h3")
            found += [(size, q, r) for _, q, r in seen(element["text"], quote)]
        else:
            found += seen(element["text"], quote)
    return found


def test_a_markdown_block_on_slack_carries_every_construct_and_no_mention() -> None:
    (message,) = render(Reply(summary="s", blocks=(Markdown(text=SAMPLE),))).messages

    texts = [block["text"] for block in message.blocks]

    assert [block["type"] for block in message.blocks] == ["markdown"]
    assert seen("\n\n".join(texts)) == seen(SAMPLE)
    assert "<!here>" not in texts[0] and "&lt;!here>" in texts[0]
    assert all(Block.parse(block).to_dict() == block for block in message.blocks)  # type: ignore[union-attr]


def test_a_home_tab_shows_the_markdown_as_mrkdwn_with_headings_bold() -> None:
    view, _ = home_view(Reply(summary="s", blocks=(Markdown(text=SAMPLE),)))

    shown = [line for block in view["blocks"] for line in seen_in_mrkdwn(block["text"]["text"])]

    expected = restyled(seen(SAMPLE), heading=lambda role: ("p", frozenset({"bold"})))
    assert shown == expected


def test_teams_shows_headings_bolder_quotes_apart_and_code_as_bold() -> None:
    shown = seen_in_card(card(Reply(summary="s", blocks=(Markdown(text=SAMPLE),)))["body"])

    # Teams has no code spans (bold instead) and no strikethrough.
    expected = restyled(seen(SAMPLE), styles={"code": "bold", "strike": None})
    assert shown == expected


def test_the_shell_prints_the_markdown_as_it_was_written() -> None:
    printed = shell_render(Reply(summary="s", blocks=(Markdown(text=SAMPLE),)))

    assert printed == SAMPLE


def test_a_follow_up_is_posted_as_the_leaders_markdown_on_both_platforms() -> None:
    words = "**Thank you** for [the circle](https://example.org)."
    reply = follow_up_reply(words, "Lee")

    (message,) = render(reply).messages
    texts = [element.get("text") for element in card(reply)["body"]]

    assert {"type": "markdown", "text": words} in message.blocks
    assert words in texts


async def test_a_markdown_follow_up_from_app_home_reaches_slack_as_a_markdown_block(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with running_slack(core, engine, clock) as stack:
        await core.services.team_settings.grant("slack:T1", "lee", "leader")
        await stack.slack.event(
            {"type": "app_home_opened", "user": "lee", "tab": "home"}, event_id="EvLee"
        )
        home = stack.fake.called("views.publish")[-1]["view"]["blocks"]
        (follow_up,) = [
            element
            for block in home
            if block["type"] == "actions"
            for element in block["elements"]
            if element["text"]["text"] == "Post a follow-up"
        ]
        await stack.slack.click(follow_up, user="lee", channel=None)
        (opened,) = stack.fake.called("views.open")
        status, _ = await stack.slack.submit(
            opened["view"],
            {
                "channel": {"value": {"selected_conversation": "C9"}},
                "text": {"value": {"value": SAMPLE}},
                "as": {"value": {"selected_option": {"value": "the bot"}}},
            },
            user="lee",
        )
        (preview,) = [m for m in stack.fake.called("chat.postMessage") if m["channel"] == "Dlee"]
        (post_it,) = [
            element
            for block in preview["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
            if element["text"]["text"] == "Post it"
        ]
        await stack.slack.click(post_it, user="lee", channel="Dlee")

    assert status == 200
    (posted,) = [m for m in stack.fake.called("chat.postMessage") if m["channel"] == "C9"]
    blocks = json.loads(posted["blocks"]) if isinstance(posted["blocks"], str) else posted["blocks"]
    (authored,) = [block for block in blocks if block["type"] == "markdown"]
    assert seen(authored["text"]) == seen(SAMPLE.strip())


# Markdown's marks and block starts, mixed every way (`<`, and Slack's tokens, which show
# escaped even in code, are the sample's).
markdownish = st.text(alphabet="ab *_#>-1.`[]()\n~&", max_size=80)


def words(lines: list[Seen]) -> list[str]:
    """Every letter and digit shown, in order of size: what no rendering may lose."""
    return sorted(c for _, _, runs in lines for text, _, _ in runs for c in text if c.isalnum())


@settings(max_examples=300, deadline=None)
@given(markdownish)
def test_no_word_of_any_markdown_is_lost_on_slack_or_teams(text: str) -> None:
    source = words(seen(text))
    native = [b["text"] for b in markdown_blocks(text, chunks)]

    assert words(seen("\n\n".join(native))) == source
    assert words([line for part in mrkdwn(text) for line in seen_in_mrkdwn(part)]) == source
    assert words(seen_in_card(authored(text))) == source


def test_a_link_whose_address_holds_parentheses_keeps_them_inside_on_teams() -> None:
    (block,) = authored("[1](())")
    assert block["text"] == "[1](%28%29)"
    for text in ("[1](())", "[the agenda](https://example.org/a_(b))"):
        assert words(seen_in_card(authored(text))) == words(seen(text))
