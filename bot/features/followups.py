"""Leaders' and facilitators' follow-up messages to a team channel."""

from __future__ import annotations

import logging

from bot.features.asks import checked_text
from bot.messages import Context, Heading, Markdown, Person, Reply, Target
from bot.ports import ChatPort

log = logging.getLogger(__name__)

# Leaves room for the heading and attribution inside one 3,000-character block.
MAX_FOLLOW_UP = 2900
MAY_POST = frozenset({"leader", "facilitator"})


def follow_up_reply(text: str, author: str | None) -> Reply:
    """The posted follow-up: the words, and whose they are."""
    by = f"From {author}" if author else "From your leadership team"
    return Reply(
        summary="A follow-up from your circle's leaders",
        blocks=(
            Heading(text="Following up on our circle"),
            # The leader's own words, often Markdown from a form or a file: each platform shows
            # its headings, emphasis and links natively.
            Markdown(text=text),
            Context(text=by),
        ),
        private=False,
    )


def checked(text: str) -> str | Reply:
    """The follow-up's words, trimmed; a kind reply when there are none, an error when too long."""
    return checked_text(text, "follow-up Thank you all for ...", MAX_FOLLOW_UP)


async def post_follow_up(
    port: ChatPort, person: Person, target: Target, text: str, as_self: bool
) -> Reply:
    """Post a follow-up to `target` at once (an operator's `crbot post`; in chat a follow-up is
    a draft first); who may is the `follow-up` command's declaration."""
    checked_text = checked(text)
    if isinstance(checked_text, Reply):
        return checked_text
    text = checked_text
    author = (person.display_name or person.user_id) if as_self else None
    await port.send(target, follow_up_reply(text, author))
    log.info("follow-up posted", extra={"tenant": person.tenant, "channel": target.address})
    words = f"Posted your follow-up in {target.address}."
    return Reply.saying(words)
