"""The two-way loop: anonymous questions to leadership, and "what would help?" suggestions.

The bot never knows who asked: an ask from a direct message keeps no place, and the asker alone
holds a reply code (the bot keeps its digest) to read the answer privately.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from bot.errors import CrbotError, DeliveryError, ErrorCode
from bot.features import posted_answers
from bot.messages import (
    Bullets,
    Button,
    Buttons,
    Context,
    Form,
    FormField,
    Heading,
    Incoming,
    Person,
    Reply,
    Target,
    Text,
)
from bot.ports import ChatPort
from bot.storage.asks import NO_PLACE, Ask
from bot.storage.rollouts import LIVE, RolloutStore

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

MAX_TEXT = 2000
# No 0/O, 1/I/L or U/V look-alikes: the code is read off a screen and typed back. Ten of these
# 29 characters make about 48 bits, far beyond guessing one by typing.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 10
CODE_EXAMPLE = "K7PQM-3XR9T"


def checked_text(text: str, example: str, limit: int = MAX_TEXT) -> str | Reply:
    """What a person wrote after a command, trimmed; a kind reply with `example` when there is
    nothing, and an error when it is longer than `limit`."""
    text = text.strip()
    if not text:
        return Reply.saying(f"Write it after the word, for example `{example}`.")
    if len(text) > limit:
        raise CrbotError(ErrorCode.TOO_LONG)
    return text


def kept_place(incoming: Incoming) -> str:
    """The place an ask keeps: its channel, or none when the place belongs to one person."""
    return NO_PLACE if incoming.private_place else incoming.place.address


def new_reply_code() -> str:
    """A fresh reply code, shown once to the asker and never stored."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}"


def _typed_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def reply_digest(code: str) -> str:
    """What is stored of a reply code; spaces, dashes and case as typed do not matter."""
    return hashlib.sha256(_typed_code(code).encode()).hexdigest()


def checks_a_code(args: tuple[str, ...]) -> bool:
    """Whether `ask check ...` is a reply code (perhaps typed in two parts), not a question."""
    if args[:1] != ("check",):
        return False
    return len(args) <= 2 or len(_typed_code("".join(args[1:]))) == CODE_LENGTH


# What facilitators and leaders do to a question named by its number: `ask forward N`, ...
ON_A_QUESTION = ("forward", "answer", "unpost")


def names_a_question(args: tuple[str, ...]) -> bool:
    """Whether `ask forward N`, `ask answer N` or `ask unpost N` names a question by number,
    not asks one."""
    # Anything shaped like a number counts ("²", "-1", a long run of digits), so a facilitator's
    # mistyped number is answered with a hint rather than sent to everyone as a new question.
    return args[:1] in [(verb,) for verb in ON_A_QUESTION] and len(args) > 1 and _numeral(args[1])


def _numeral(word: str) -> bool:
    return word.lstrip("#+-").isdigit()


def no_such_question(verb: str, ask_id: int | None) -> Reply:
    """`ask forward N`, `ask answer N` or `ask unpost N` when N names no question here."""
    if ask_id is None:
        return Reply.saying(f"Name the question by its number, for example `ask {verb} 3`.")
    return Reply.saying(
        f"There's no question #{ask_id} here. Type `asks` to see the questions waiting."
    )


# Why a question waits: the team has no facilitator, or none could be reached just now.
Waits = Literal["unnamed", "unreached"]
_WAITING = {
    "unnamed": (
        "Kept, anonymously, but nobody can read it yet",
        "this team has no facilitator yet. It will reach a facilitator as soon as one is named",
    ),
    "unreached": (
        "Kept, anonymously, but nobody has read it yet",
        "I couldn't reach a facilitator just now. It will reach one the next time a facilitator "
        "uses the bot",
    ),
}


def asked_reply(code: str, *, shared: bool, waits: Waits | None = None) -> Reply:
    """What the asker sees, once: who has it, where any answer will appear, and their code."""
    where = (
        "Any answer is posted in this channel with your question, never with you."
        if shared
        else "As you asked in private, any answer goes with your question to the team's channel "
        "(never with you), or, if there is none, waits for your code alone."
    )
    summary, first = "Sent, anonymously", "Sent, anonymously."
    if waits is not None:
        summary, why = _WAITING[waits]
        first = f"{summary}: {why}."
    return Reply(
        summary=summary,
        blocks=(
            Text(
                text=f"{first} Facilitators see your question without your name, and may pass "
                f"it to leaders. {where}"
            ),
            Text(text=f"Your reply code: *{code}*"),
            Context(
                text=f"Type `ask check {code}` any time to see how your question is doing and "
                "read the answer, just for you. I keep no copy of the code, so I can't show it "
                "again: keep it somewhere safe."
            ),
        ),
    )


def check_usage() -> Reply:
    """`ask check` without a code."""
    return Reply.saying(
        f"Add the reply code I gave you when you asked, for example `ask check {CODE_EXAMPLE}`."
    )


def check_reply(ask: Ask | None) -> Reply:
    """What the holder of a reply code reads, privately: the status, then the answer."""
    if ask is None:
        return Reply.saying(
            "I couldn't find a question with that code, sorry. Check it against the one I gave "
            "you (letters and digits; there is no 0, 1, O or I in a code) and try again."
        )
    if ask.status != "answered" or ask.answer is None:
        status = (
            "Facilitators have passed it to leaders; no answer yet."
            if ask.status == "forwarded"
            else "Facilitators have it; it hasn't gone to leaders yet."
            if ask.delivered
            else "No facilitator has read it yet: it goes to one as soon as one uses the bot."
        )
        return Reply(
            summary=f"Your question: {status}",
            blocks=(Heading(text="Your question"), Text(text=ask.text), Context(text=status)),
        )
    return Reply(
        summary="Your question has an answer",
        blocks=(
            *_answered("Your question", ask.text, ask.answer),
            Context(text="Only you see this, because only you hold the code."),
        ),
    )


def _answered(heading: str, question: str, answer: str) -> tuple[Heading | Text, ...]:
    return (
        Heading(text=heading),
        Text(text=question),
        Heading(text="Leadership's answer"),
        Text(text=answer),
    )


def for_facilitators(ask: Ask) -> Reply:
    """A new question, privately to each facilitator."""
    return Reply(
        summary=f"{ask.alias} from the team",
        blocks=(
            Heading(text=f"{ask.alias} from the team"),
            Text(text=ask.text),
            Context(text="Asked anonymously: nobody, including the bot's operators, can see who."),
            Buttons(
                buttons=(Button(label="Forward to leaders", command=f"ask forward {ask.number}"),)
            ),
        ),
    )


# The word that confirms a second forward or a second answer to the same question.
AGAIN = "again"


def _answer_form() -> Form:
    return Form(
        title="Answer the team",
        submit_label="Post answer",
        fields=(
            FormField(name="text", label="Your answer", kind="long_text", max_length=MAX_TEXT),
        ),
    )


def forward_again(ask: Ask) -> Reply:
    """`ask forward N` for a question leaders already have: asks before sending it twice."""
    where = "has an answer" if ask.status == "answered" else "is with leaders already"
    again = f"ask forward {ask.number} {AGAIN}"
    return Reply(
        summary=f"{ask.alias} {where}",
        blocks=(
            Text(text=f"{ask.alias} {where}. Send it to the leaders again?"),
            Buttons(buttons=(Button(label="Send it again", command=again),)),
            Context(text=f"Or type `{again}`. Nothing has been sent."),
        ),
    )


def answer_again(ask: Ask) -> Reply:
    """`ask answer N` for a question already answered: asks before a second answer is posted."""
    again = f"ask answer {ask.number} {AGAIN}"
    buttons = [Button(label="Post a second answer", command=again, form=_answer_form())]
    if ask.answer_post is not None:
        # Taking the first one down instead asks again before it deletes (`unpost_confirm`).
        buttons.append(posted_answers.delete_button(f"ask unpost {ask.number}"))
    return Reply(
        summary=f"{ask.alias} has an answer already",
        blocks=(
            Text(text=f"{ask.alias} has an answer already, posted with the question:"),
            Text(text=ask.answer or ""),
            Text(text="Post a second answer to it?"),
            Buttons(buttons=tuple(buttons)),
            Context(text=f"Or type `{again} ...`. Nothing has been posted."),
        ),
    )


def unpost_question(ask: Ask) -> str:
    """What a leader is asked before a posted answer is deleted, in chat and in the console."""
    return (
        f"Delete the answer posted with {ask.alias} from the channel? The question goes back "
        "to leaders, to be answered again."
    )


def unpost_confirm(ask: Ask) -> Reply:
    """`ask unpost N`: the posted answer, and a button to delete it, before anything is done."""
    return posted_answers.delete_confirm(
        f"Delete the answer posted to {ask.alias}?",
        unpost_question(ask),
        f"ask unpost {ask.number}",
        Text(text=f"It reads: {ask.answer or ''}"),
    )


def nothing_to_unpost(ask: Ask) -> Reply:
    """`ask unpost N` for a question with no answer in any channel."""
    if ask.status == "answered":
        return Reply.saying(
            f"{ask.alias}'s answer was never posted in a channel: it is kept for the asker's "
            "reply code alone, so there is nothing to delete."
        )
    return Reply.saying(f"{ask.alias} has no posted answer to delete.")


def unposted_reply(ask: Ask) -> Reply:
    """What the leader is told once the posted answer is deleted."""
    return Reply.saying(
        f"The answer to {ask.alias} is deleted from the channel, and the question is back with "
        f"leaders. Answer it again with `ask answer {ask.number} ...`."
    )


def for_leaders(ask: Ask) -> Reply:
    """A forwarded question, privately to each leader, with a form to answer it."""
    answer_form = _answer_form()
    return Reply(
        summary=f"{ask.alias}, forwarded by a facilitator",
        blocks=(
            Heading(text=f"{ask.alias}, forwarded by a facilitator"),
            Text(text=ask.text),
            Context(text=answer_note(ask)),
            Buttons(
                buttons=(
                    Button(label="Answer", command=f"ask answer {ask.number}", form=answer_form),
                )
            ),
        ),
    )


def answer_note(ask: Ask) -> str:
    """Where a leader's answer will go, told before they write it."""
    if ask.from_shared_place:
        return "Your answer is posted with the question in the channel it was asked in."
    return (
        "This was asked in private: your answer is posted with the question in the team's "
        "channel, or, if the team has none I know of, kept for the asker's reply code."
    )


def answered_reply(*, posted: bool, shared: bool) -> Reply:
    """What the leader is told after answering: plainly, where the answer went."""
    if shared:
        return Reply.saying("Your answer is posted with the question in its channel.")
    if posted:
        return Reply.saying(
            "The question was asked in private, so your answer is posted with it in the team's "
            "channel, and the asker can also read it with their reply code."
        )
    return Reply.saying(
        "The question was asked in private and the team has no channel I know of, so nothing "
        "was posted: your answer is kept, and the asker reads it with their reply code."
    )


def answer_post(ask: Ask, answer: str) -> Reply:
    """The public answer: the question and the answer, never the asker."""
    return Reply(
        summary="Leadership answers a question from the team",
        blocks=(
            *_answered("A question from the team", ask.text, answer),
            Context(text="Questions reach leadership anonymously. Ask yours with `ask ...`."),
        ),
        private=False,
    )


def suggestion_batch(texts: list[str]) -> Reply:
    """A batch of anonymous suggestions, privately to facilitators; it names no place."""
    return Reply(
        summary=f"{len(texts)} suggestions from the team",
        blocks=(
            Heading(text=f"What would help? {len(texts)} answers from the team"),
            Bullets(items=tuple(texts)),
            Context(text="Shared as a batch so that nobody can tell whose is whose."),
        ),
    )


def suggested_reply(size: int) -> Reply:
    """What the person who suggested sees."""
    return Reply.saying(
        f"Thank you. Facilitators see suggestions only together, once {size} or more different "
        "people have written, so nobody can tell whose is whose."
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
                    Button(label=f"Forward #{a.number}", command=f"ask forward {a.number}")
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


async def answer_place(services: Services, tenant: str, ask: Ask) -> str | None:
    """Where an answer to `ask` is posted: its channel, else the team's; None when neither."""
    # An ask from a direct message kept no place: its answer goes to a channel the team
    # shares, never back to the one person's chat it came from.
    if ask.from_shared_place:
        return ask.place
    return await team_channel(services.rollouts.store, tenant)


async def post_answer(
    services: Services, port: ChatPort, tenant: str, ask: Ask, text: str
) -> Reply:
    """Post a leader's answer with its question (never the asker) and keep it for the code."""
    address = await answer_place(services, tenant, ask)
    posted = None
    if address:
        posted = await port.send(Target(tenant=tenant, address=address), answer_post(ask, text))
    await services.asks.set_status(tenant, ask.id, "answered", text, posted)
    log.info("ask answered", extra={"tenant": tenant, "item": ask.number})
    return answered_reply(posted=bool(address), shared=ask.from_shared_place)


async def correct_answer(
    services: Services, port: ChatPort, tenant: str, ask: Ask, text: str
) -> bool:
    """Replace the posted answer's words in its message; False when there is no message."""
    if ask.answer_post is None:
        return False
    await port.update(ask.answer_post, answer_post(ask, text))
    await services.asks.set_status(tenant, ask.id, "answered", text)
    log.info("ask answer corrected", extra={"tenant": tenant, "item": ask.number})
    return True


async def unpost_answer(services: Services, port: ChatPort, tenant: str, ask: Ask) -> bool:
    """Delete the posted answer's message and put the question back with leaders, unanswered
    (see `AskStore.withdraw_answer`); False when there is no message to delete."""

    async def withdraw() -> None:
        await services.asks.withdraw_answer(tenant, ask.id)
        log.info("ask answer deleted", extra={"tenant": tenant, "item": ask.number})

    return await posted_answers.take_down(port, ask.answer_post, withdraw)


async def forward(services: Services, port: ChatPort, tenant: str, ask: Ask) -> Reply:
    """Send a question to the team's leaders; an answered one keeps its answer."""
    if ask.status == "new":
        await services.asks.set_status(tenant, ask.id, "forwarded")
    leaders = await services.holders(tenant, "leader")
    sent = await tell(port, tenant, leaders, for_leaders(ask))
    log.info("ask forwarded", extra={"tenant": tenant, "item": ask.number})
    return delivered(sent, "leaders")


async def team_channel(rollouts: RolloutStore, tenant: str) -> str | None:
    """The channel of the tenant's newest live rollout: a place the team shares, or None."""
    live = [found for found in await rollouts.listing(tenant) if found.status in LIVE]
    return live[-1].address if live else None
