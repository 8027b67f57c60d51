"""The two-way loop: anonymous questions to leadership, and "what would help?" suggestions."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.errors import CrbotError, DeliveryError, ErrorCode
from bot.messages import (
    Bullets,
    Button,
    Buttons,
    Context,
    Form,
    FormField,
    Heading,
    Person,
    Reply,
    Target,
    Text,
)
from bot.ports import ChatPort
from bot.storage.asks import Ask

log = logging.getLogger(__name__)

MAX_TEXT = 2000


def checked_text(text: str, example: str) -> str | Reply:
    """The trimmed text, or a kind reply when it is empty; too long is an error."""
    text = text.strip()
    if not text:
        return Reply.saying(f"Write it after the word, for example `{example}`.")
    if len(text) > MAX_TEXT:
        raise CrbotError(ErrorCode.TOO_LONG)
    return text


def asked_reply() -> Reply:
    """What the asker sees."""
    return Reply.saying(
        "Sent, anonymously. Facilitators see your question without your name, and may pass it "
        "to leaders; any answer is posted to this channel with the question, never with you."
    )


def for_facilitators(ask: Ask) -> Reply:
    """A new question, privately to each facilitator."""
    return Reply(
        summary=f"{ask.alias} from the team",
        blocks=(
            Heading(text=f"{ask.alias} from the team"),
            Text(text=ask.text),
            Context(text="Asked anonymously: nobody, including the bot's operators, can see who."),
            Buttons(buttons=(Button(label="Forward to leaders", command=f"ask forward {ask.id}"),)),
        ),
    )


def for_leaders(ask: Ask) -> Reply:
    """A forwarded question, privately to each leader, with a form to answer it."""
    answer_form = Form(
        title="Answer the team",
        submit_label="Post answer",
        fields=(
            FormField(name="text", label="Your answer", kind="long_text", max_length=MAX_TEXT),
        ),
    )
    return Reply(
        summary=f"{ask.alias}, forwarded by a facilitator",
        blocks=(
            Heading(text=f"{ask.alias}, forwarded by a facilitator"),
            Text(text=ask.text),
            Context(text="Your answer is posted to the team's channel together with the question."),
            Buttons(
                buttons=(Button(label="Answer", command=f"ask answer {ask.id}", form=answer_form),)
            ),
        ),
    )


def answer_post(ask: Ask, answer: str) -> Reply:
    """The public answer: the question and the answer, never the asker."""
    return Reply(
        summary="Leadership answers a question from the team",
        blocks=(
            Heading(text="A question from the team"),
            Text(text=ask.text),
            Heading(text="Leadership's answer"),
            Text(text=answer),
            Context(text="Questions reach leadership anonymously. Ask yours with `ask ...`."),
        ),
        private=False,
    )


def suggestion_batch(texts: list[str], place: str) -> Reply:
    """A batch of anonymous suggestions, privately to facilitators."""
    return Reply(
        summary=f"{len(texts)} suggestions from {place}",
        blocks=(
            Heading(text=f"What would help? {len(texts)} answers from {place}"),
            Bullets(items=tuple(texts)),
            Context(text="Shared as a batch so that nobody can tell whose is whose."),
        ),
    )


def open_list(asks: list[Ask]) -> Reply:
    """Questions still waiting, for facilitators."""
    if not asks:
        return Reply.saying("No questions are waiting.")
    return Reply(
        summary="Questions waiting",
        blocks=(
            Heading(text="Questions waiting"),
            Bullets(items=tuple(f"{a.alias} ({a.status}): {a.text}" for a in asks)),
            Buttons(
                buttons=tuple(
                    Button(label=f"Forward #{a.id}", command=f"ask forward {a.id}")
                    for a in asks
                    if a.status == "new"
                )[:25]
            ),
        ),
    )


async def tell(port: ChatPort, tenant: str, users: Iterable[str], reply: Reply) -> int:
    """Send `reply` privately to each user; a failure for one does not stop the others."""
    sent = 0
    for user in users:
        try:
            await port.send_private(Person(tenant=tenant, user_id=user), reply)
            sent += 1
        except DeliveryError as error:
            log.warning("private send failed: %s", error.reason, extra={"tenant": tenant})
    return sent


def delivered(sent: int, who: str) -> Reply:
    """What the sender is told after a private fan-out."""
    if sent == 0:
        return Reply.saying(f"There are no {who} set up for this team yet, so I kept it for them.")
    return Reply.saying(f"Sent to {sent} {who}.")


def place_target(tenant: str, ask: Ask) -> Target:
    """Where the answer to a question is posted: the channel it was asked from."""
    return Target(tenant=tenant, address=ask.place)
