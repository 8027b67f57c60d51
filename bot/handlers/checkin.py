"""`checkin`: the fist-to-five poll here, an answer to it, or one's reminder setting."""

from __future__ import annotations

from bot.features import checkins
from bot.messages import Reply
from bot.registry import CommandSpec, Usage
from bot.turn import Turn

REMINDERS_USAGE = (
    "Type `checkin reminders off` to stop check-in reminders, or `checkin reminders on` to "
    "have them again."
)


async def checkin(turn: Turn) -> Reply:
    """`checkin` shows or opens the poll, `checkin 4 [POLL]` answers, `checkin reminders on|off`."""
    services, args, place = turn.services, turn.command.args, turn.incoming.place
    if args[:1] == ("reminders",):
        return await reminders_setting(turn)
    polls = checkins.Checkins(services.polls, services.pseudonyms, services.clock)
    policy = services.policy(turn.team)
    if not args:
        return await polls.show(turn.pack, turn.team, policy, place, turn.port)
    poll_id = turn.command.rest.split()[1] if len(args) > 1 else None
    return await polls.answer(
        turn.pack,
        turn.team,
        policy,
        turn.incoming.person,
        place,
        turn.port,
        args[0],
        poll_id,
        services.support(turn.team),
    )


async def reminders_setting(turn: Turn) -> Reply:
    """`checkin reminders off` or `on`, for the person who types it."""
    services, args = turn.services, turn.command.args
    choice = args[1] if len(args) > 1 else ""
    if choice not in ("on", "off"):
        return Reply.saying(REMINDERS_USAGE)
    wanted = choice == "on"
    await services.reminders.set_wanted(turn.tenant, turn.person, wanted, services.clock.now())
    if wanted:
        return Reply.saying("Check-in reminders are on: one private nudge per check-in at most.")
    return Reply.saying(
        "Check-in reminders are off. You can still answer any check-in whenever you like.",
        "Type `checkin reminders on` to have them again.",
    )


COMMANDS = (
    CommandSpec(
        name="checkin",
        handle=checkin,
        aliases=("check-in", "poll"),
        usage=(
            Usage("checkin", "the fist-to-five check-in (0 to 5); `checkin 4` answers it"),
            Usage("checkin reminders off", "stops the check-in's one reminder"),
        ),
        menu="The fist-to-five check-in",
        rank=35,
    ),
)
