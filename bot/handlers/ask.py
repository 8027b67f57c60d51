"""`ask` and `asks`: anonymous questions to leadership; `suggest`: "what would help?" in batches."""

from __future__ import annotations

import logging

from bot.commands import Command, number
from bot.features import asks, posted_answers
from bot.messages import Reply
from bot.ports import ChatPort
from bot.registry import (
    EVERYONE,
    FACILITATORS,
    FACILITATORS_AND_LEADERS,
    LEADERS,
    CommandSpec,
    Usage,
    always,
)
from bot.services import Services
from bot.storage.asks import Ask
from bot.turn import Turn

log = logging.getLogger(__name__)


async def ask(turn: Turn) -> Reply:
    """`ask TEXT`, `ask check CODE`, and facilitators' `ask forward N`, leaders' `ask answer N`
    and `ask unpost N`."""
    args = turn.command.args
    if asks.checks_a_code(args):
        return await _check(turn)
    if asks.names_a_question(args):
        return await _forward_or_answer(turn)
    services, tenant = turn.services, turn.tenant
    text = asks.checked_text(turn.command.rest, "ask Could we talk about breaks?")
    if isinstance(text, Reply):
        return text
    code = asks.new_reply_code()
    place, digest = asks.kept_place(turn.incoming), asks.reply_digest(code)
    facilitators = await services.holders(tenant, "facilitator")
    stored = await services.asks.add_ask(
        tenant,
        place,
        text,
        services.clock.now(),
        reply_digest=digest,
        delivering=bool(facilitators),
    )
    sent = 0
    if facilitators:
        sent = await asks.tell(turn.port, tenant, facilitators, asks.for_facilitators(stored))
        if not sent:
            await services.asks.put_back(tenant, [stored.id])
    waits: asks.Waits | None = None if sent else ("unreached" if facilitators else "unnamed")
    return asks.asked_reply(code, shared=stored.from_shared_place, waits=waits)


async def _check(turn: Turn) -> Reply:
    args = turn.command.args
    if len(args) < 2:
        return asks.check_usage()
    digest = asks.reply_digest("".join(args[1:]))
    return asks.check_reply(await turn.services.asks.by_reply_digest(turn.tenant, digest))


async def _forward_or_answer(turn: Turn) -> Reply:
    services, tenant, args = turn.services, turn.tenant, turn.command.args
    ask_id = number(args[1])
    found = await services.asks.get_ask(tenant, ask_id) if ask_id is not None else None
    if found is None:
        return asks.no_such_question(args[0], ask_id)
    if args[0] == "unpost":
        return await _unpost(turn, found)
    again = args[2:3] == (asks.AGAIN,)
    if args[0] == "forward":
        if found.status != "new" and not again:
            return asks.forward_again(found)
        return await asks.forward(services, turn.port, tenant, found)
    if found.status == "answered" and not again:
        return asks.answer_again(found)
    typed = " ".join(turn.command.rest.split()[3 if again else 2 :])
    text = asks.checked_text(
        (turn.incoming.form or {}).get("text", typed), f"ask answer {found.number} ..."
    )
    if isinstance(text, Reply):
        return text
    return await asks.post_answer(services, turn.port, tenant, found, text)


async def _unpost(turn: Turn, found: Ask) -> Reply:
    if found.answer_post is None:
        return asks.nothing_to_unpost(found)
    if turn.command.args[2:3] != (posted_answers.SURE,):
        return asks.unpost_confirm(found)
    await asks.unpost_answer(turn.services, turn.port, turn.tenant, found)
    return asks.unposted_reply(found)


async def deliver_waiting(services: Services, tenant: str, port: ChatPort) -> int:
    """Send facilitators the questions and suggestion batches none could read; how many went."""
    waiting = await services.asks.take_waiting(tenant, services.clock.now())
    if not waiting.asks and not waiting.batches:
        return 0
    facilitators = await services.holders(tenant, "facilitator")
    unsent = [
        ask.id
        for ask in waiting.asks
        if not await asks.tell(port, tenant, facilitators, asks.for_facilitators(ask))
    ]
    unsent_batches = [
        batch.ids
        for batch in waiting.batches
        if not await asks.tell(port, tenant, facilitators, asks.suggestion_batch(batch.texts))
    ]
    await services.asks.put_back(tenant, unsent, [i for ids in unsent_batches for i in ids])
    delivered = len(waiting.asks) - len(unsent) + len(waiting.batches) - len(unsent_batches)
    log.info("waiting items sent to facilitators: %d", delivered, extra={"tenant": tenant})
    return delivered


async def open_asks(turn: Turn) -> Reply:
    """Facilitators' and leaders' list of questions still waiting."""
    return asks.open_list(await turn.services.asks.open_asks(turn.tenant))


async def suggest(turn: Turn) -> Reply:
    """`suggest TEXT`: an anonymous "what would help?", shared only in batches of people."""
    services = turn.services
    text = asks.checked_text(turn.command.rest, "suggest A quiet room at lunch")
    if isinstance(text, Reply):
        return text
    tenant, size = turn.tenant, turn.team.min_group_size
    now = services.clock.now()
    released = await services.asks.add_suggestion(tenant, turn.person, text, now, size)
    if released:
        # The batch waits like a question and takes the same way out, so one released while no
        # facilitator could read it reaches the next one; the reply is the same either way, so
        # nobody learns they completed a batch.
        await deliver_waiting(services, tenant, turn.port)
    return asks.suggested_reply(size)


def _who_may_ask(command: Command) -> frozenset[str]:
    # `ask answer 3` answers question 3; `ask answer me this` is a question like any other.
    if asks.names_a_question(command.args):
        return FACILITATORS if command.args[0] == "forward" else LEADERS
    return EVERYONE


def _asks_something(command: Command) -> bool:
    # `ask check CODE` and a facilitator's or leader's `ask forward|answer|unpost N` carry no
    # question.
    return not (asks.checks_a_code(command.args) or asks.names_a_question(command.args))


COMMANDS = (
    CommandSpec(
        name="ask",
        handle=ask,
        aliases=("compassion-ask",),
        allowed_for=_who_may_ask,
        anonymous_for=_asks_something,
        usage=(
            Usage("ask ...", "a question or concern for leadership, sent anonymously"),
            Usage("ask check CODE", "its answer, with the reply code you were given"),
            Usage("ask forward N", "pass a waiting question to leaders", FACILITATORS),
            Usage(
                "ask answer N ...",
                "answer a forwarded question; it is posted with the question in the team's channel",
                LEADERS,
            ),
            Usage(
                "ask unpost N",
                "delete the answer posted to a question, after you confirm; "
                "it goes back to leaders to answer again",
                LEADERS,
            ),
        ),
        menu="Ask leadership a question, anonymously",
        rank=50,
    ),
    CommandSpec(
        name="asks",
        handle=open_asks,
        allowed=FACILITATORS_AND_LEADERS,
        usage=(Usage("asks", "questions waiting for an answer", FACILITATORS_AND_LEADERS),),
        rank=51,
    ),
    CommandSpec(
        name="suggest",
        handle=suggest,
        aliases=("what-would-help",),
        anonymous_for=always,
        usage=(
            Usage(
                "suggest ...",
                "what would help? Facilitators see suggestions only together, once enough "
                "different people have written",
            ),
        ),
        menu="Suggest what would help, anonymously",
        rank=52,
    ),
)
