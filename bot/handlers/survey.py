"""`survey`: the programme survey posted here, answering it, and facilitators posting one."""

from __future__ import annotations

from bot.features import surveys
from bot.features.checkins import ANSWERS
from bot.messages import MessageRef, Reply
from bot.registry import FACILITATORS, CommandSpec, Usage, by_first_word
from bot.services import Services
from bot.storage.surveys import SurveyQuestion
from bot.turn import Turn


async def survey(turn: Turn) -> Reply:
    """`survey` (the one here), `survey pre|mid|post` (post it now), `survey N ANSWER`."""
    services, args, tenant = turn.services, turn.command.args, turn.tenant
    place = turn.incoming.place.address
    if args and args[0] in surveys.ORDER:
        if await surveys.post(services, turn.port, tenant, turn.pack, place, args[0]) is None:
            return Reply.saying("This team's content pack has no programme surveys.")
        return Reply.saying(f"Posted the {args[0]}-programme survey here.")
    if len(args) >= 2:
        return await _answer(services, turn)
    questions = await services.surveys.latest_round(tenant, place)
    if not questions:
        return Reply.saying("No survey has been posted here yet.")
    reply = await surveys.current(services, tenant, questions, turn.team.min_group_size)
    return reply.model_copy(update={"private": True})


async def _answer(services: Services, turn: Turn) -> Reply:
    args, tenant = turn.command.args, turn.team.tenant_id
    which, value = args[0], args[1]
    if value not in ANSWERS:
        return Reply.saying("A survey answer is a number from 0 to 5, for example `survey 2 4`.")
    question: SurveyQuestion | None
    if which.isascii() and which.isdigit():
        latest = await services.surveys.latest_round(tenant, turn.incoming.place.address)
        question = next((q for q in latest if q.position == int(which)), None)
    else:
        question = await services.surveys.question(tenant, turn.command.rest.split()[0])
    if question is None:
        return Reply.saying("I couldn't find that survey question here. Type `survey` to see it.")
    policy = services.policy(turn.team)
    await services.polls.answer(
        tenant, question.id, turn.person, int(value), services.clock.now(), policy
    )
    if question.message_id is not None:
        questions = await services.surveys.round_of(tenant, question.round_id)
        reply = await surveys.current(services, tenant, questions, turn.team.min_group_size)
        ref = MessageRef(tenant=tenant, address=question.place, message_id=question.message_id)
        await turn.port.update(ref, reply)
    return Reply.saying(surveys.THANKS, surveys.privacy_note(turn.team.min_group_size))


COMMANDS = (
    CommandSpec(
        name="survey",
        handle=survey,
        aliases=("surveys",),
        allowed_for=by_first_word({which: FACILITATORS for which in surveys.ORDER}),
        usage=(
            Usage("survey", "the programme survey posted here; `survey 2 4` answers question 2"),
            Usage("survey pre|mid|post", "post a programme survey here now", FACILITATORS),
        ),
        rank=57,
    ),
)
