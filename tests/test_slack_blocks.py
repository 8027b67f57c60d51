"""Every reply the bot makes, rendered for Slack, is accepted by slack_sdk's own Block Kit models.

slack_sdk's models (`slack_sdk.models.blocks`, `slack_sdk.models.views`) carry Slack's limits as
validators, written by Slack, not by this project: a payload they refuse, Slack refuses too.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.render import Rendered, render
from adapters.slack.views import home_view, modal
from bot.messages import (
    Bullets,
    Button,
    Buttons,
    Context,
    Divider,
    Form,
    FormField,
    Heading,
    Link,
    Markdown,
    Poll,
    Reply,
    Text,
)
from content.loader import LoadedPack
from tests.conftest import FrozenClock
from tests.replies import every_reply
from tests.test_slack_render import assert_within_limits

Json = dict[str, Any]
# "The cumulative limit for all markdown blocks in a single payload is 12,000 characters."
# (docs.slack.dev, reference/block-kit/blocks/markdown-block)
MARKDOWN_PER_MESSAGE = 12_000


def refusals(native: Json) -> list[str]:
    """Why slack_sdk refuses a block (nothing when it accepts it): an unknown type, a broken
    limit, or a field it would drop."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            parsed = Block.parse(native)
            if parsed is None:
                return [f"unknown block type {native.get('type')!r}"]
            back = parsed.to_dict()
        except Exception as error:  # slack_sdk raises SlackObjectFormationError and others
            return [f"{native.get('type')}: {error}"]
    problems = [f"{native.get('type')}: {warning.message}" for warning in caught]
    if back != native:
        problems.append(f"{native.get('type')}: slack_sdk reads it differently: {back}")
    return problems


def view_refusals(view: Json) -> list[str]:
    """Why slack_sdk refuses a modal or Home tab, its blocks included."""
    problems = [p for block in view.get("blocks", []) for p in refusals(block)]
    try:
        View(**view).to_dict()
    except Exception as error:
        problems.append(f"{view['type']} view: {error}")
    return problems


def message_refusals(rendered: Rendered) -> list[str]:
    problems = []
    for message in rendered.messages:
        problems += [p for block in message.blocks for p in refusals(block)]
        # What the project checks itself: blocks per message, total size, unique action ids.
        try:
            assert_within_limits(message.blocks)
        except AssertionError as error:
            problems.append(f"message beyond a limit: {error}")
        # slack_sdk checks one markdown block; Slack's limit is on all of a message's together.
        authored = sum(len(b["text"]) for b in message.blocks if b["type"] == "markdown")
        if authored > MARKDOWN_PER_MESSAGE:
            problems.append(f"{authored} characters of markdown in one message")
    return problems


def every_refusal(reply: Reply) -> list[str]:
    """Everything slack_sdk refuses in a reply as Slack shows it: its messages (shared or not),
    the modals its buttons open, and the reply as a Home tab."""
    rendered = render(reply, share="compassion-steps" if reply.shareable else None)
    problems = message_refusals(rendered)
    for digest, form in rendered.forms.items():
        problems += view_refusals(modal(form, json.dumps({"form": digest, "command": "x" * 500})))
    problems += view_refusals(home_view(reply)[0])
    return problems


@pytest.fixture(params=["healthcare", "schools"])
async def replies(
    request: pytest.FixtureRequest,
    engine: AsyncEngine,
    clock: FrozenClock,
    packs: dict[str, LoadedPack],
) -> list[Reply]:
    """Every distinct reply a team using each built-in pack is sent."""
    return await every_reply(engine, clock, packs, request.param)


# What the bot says does not depend on where it keeps things: the crawl runs on SQLite only.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_slack_sdk_accepts_every_block_message_modal_and_home_tab_the_bot_makes(
    replies: list[Reply],
) -> None:
    assert len(replies) > 300  # the whole bot was used, not one corner of it

    refused = {r.summary: problems for r in replies if (problems := every_refusal(r))}

    assert refused == {}


# Markdown as people write it, short and very long; `<!here>` must never reach Slack as one.
PARAGRAPH = "## Heading\n\nSome **bold**, *italic* and a [link](https://example.org) <!here>."
AUTHORED = [
    PARAGRAPH,
    "\n\n".join([PARAGRAPH] * 200),
    "```\n" + "code line *\n" * 2000 + "```",
    "x" * 30_000,
    "ü " * 9000,
]

# Any reply the model allows, however odd: blank or huge words, Slack's control characters,
# forms with no fields or initial values of the wrong shape. Field names are the code's own.
words = st.text(max_size=300) | st.text(alphabet="ab <>&*_\n", max_size=4000)
short = st.text(max_size=120)
fields = st.builds(
    FormField,
    name=st.from_regex(r"[a-z_]{1,40}", fullmatch=True),
    label=short,
    kind=st.sampled_from(["text", "long_text", "select", "date", "time", "channel", "timezone"]),
    options=st.lists(short, max_size=120).map(tuple),
    initial=st.none() | short | st.sampled_from(["2027-04-20", "10:30"]),
    optional=st.booleans(),
    max_length=st.integers(1, 5000),
)
forms = st.builds(
    Form, title=short, fields=st.lists(fields, max_size=4).map(tuple), submit_label=short
)
buttons = st.builds(
    Button,
    label=short,
    # Commands are the code's own (ASCII), some too long for a button.
    command=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=2010),
    primary=st.booleans(),
    form=st.none() | forms,
)
blocks = st.one_of(
    st.builds(Heading, text=words),
    st.builds(Text, text=words),
    st.builds(Bullets, items=st.lists(words, max_size=30).map(tuple), numbered=st.booleans()),
    st.builds(Buttons, buttons=st.lists(buttons, max_size=30).map(tuple)),
    st.builds(
        Poll,
        poll_id=st.from_regex(r"[0-9a-f]{1,32}", fullmatch=True),
        question=words,
        options=st.lists(buttons, min_size=1, max_size=8).map(tuple),
        count_line=words,
        privacy_line=st.none() | words,
    ),
    st.builds(Divider),
    st.builds(Context, text=words),
    st.builds(Link, url=short, label=short),
    st.builds(Markdown, text=words | st.sampled_from(AUTHORED)),
)
any_reply = st.builds(
    Reply, summary=words, blocks=st.lists(blocks, max_size=40).map(tuple), shareable=st.booleans()
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_reply)
def test_slack_sdk_accepts_whatever_the_core_could_say(reply: Reply) -> None:
    assert every_refusal(reply) == []


def test_authored_markdown_past_slacks_limit_fills_messages_up_to_it_and_loses_nothing() -> None:
    text = "\n\n".join(f"Paragraph {n}: " + "**kind** words " * 40 for n in range(60))
    assert len(text) > 3 * MARKDOWN_PER_MESSAGE

    rendered = render(Reply(summary="A long post", blocks=(Markdown(text=text),)))

    assert len(rendered.messages) > 3
    assert message_refusals(rendered) == []
    pieces = [b["text"] for m in rendered.messages for b in m.blocks]
    assert {b["type"] for m in rendered.messages for b in m.blocks} == {"markdown"}
    assert "\n\n".join(pieces) == text.strip()  # cut between paragraphs, every word kept
    # Each message is filled close to what Slack takes, not one paragraph a message.
    assert all(len("".join(b["text"] for b in m.blocks)) > 8000 for m in rendered.messages[:-1])
