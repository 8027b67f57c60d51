"""`holidays`: the days the team's posts stay off (public holidays where it is, its term
breaks) and, for facilitators, `holidays country ...`, `post-anyway DATE` and `avoid DATE`."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from bot.messages import Bullets, Context, Heading, Reply, Text
from bot.registry import FACILITATORS, CommandSpec, Usage
from bot.rollouts.closures import TeamDays, day_words
from bot.rollouts.public_holidays import RegionError, holidays_between
from bot.turn import Turn

log = logging.getLogger(__name__)

HEADING = "Days the bot posts nothing"
USAGE = (
    "Type `holidays country GB ENG` (a country's code and, if it has them, a state's or "
    "province's), `holidays country none`, `holidays post-anyway 2026-12-23` or "
    "`holidays avoid 2026-12-23`."
)
IMPORT = (
    "A term calendar (.ics) is imported on the console's settings page (type `console`), or by "
    "an administrator with `crbot calendar import`."
)
# What the reply lists ahead: enough to see the next break and the holidays around it.
SHOWN_AHEAD = timedelta(days=183)
SHOWN_LINES = 12


async def holidays(turn: Turn) -> Reply:
    """Show the team's calendar, or change it."""
    args, services, tenant = turn.command.args, turn.services, turn.tenant
    if not args:
        return await _shown(turn)
    verb, pack, calendar = args[0].lower(), turn.pack, services.calendar
    if verb == "country" and len(args) >= 2:
        country = None if args[1].lower() == "none" else args[1]
        try:
            await calendar.set_region(tenant, country, " ".join(args[2:]), pack)
        except RegionError as error:
            log.info("holiday region refused", extra={"tenant": tenant, "command": "holidays"})
            field = "The country" if error.field == "country" else "The state or province"
            return Reply.saying(f"Nothing has changed. {field}: {error.problem}.", USAGE)
        return await _shown(turn, "The team's public holidays are changed.")
    if verb in ("post-anyway", "avoid") and len(args) == 2:
        try:
            day = date.fromisoformat(args[1])
        except ValueError:
            return Reply.saying(f"Nothing has changed: {args[1]!r} is not a date.", USAGE)
        if verb == "post-anyway":
            await calendar.post_anyway(tenant, day, pack)
            return await _shown(turn, f"Posts may go out on {day_words(day)}.")
        if not await calendar.avoid_again(tenant, day, pack):
            return Reply.saying(f"{day} was not a day to post anyway.", USAGE)
        return await _shown(turn, f"Posts keep off {day_words(day)} again.")
    if verb == "import":
        return Reply.saying(IMPORT)
    return Reply.saying(USAGE)


async def _shown(turn: Turn, changed: str = "") -> Reply:
    days = await turn.services.calendar.days(turn.tenant)
    today = turn.services.clock.now().date()
    blocks: list[Text | Heading | Bullets | Context] = [Text(text=changed)] if changed else []
    blocks += [Heading(text=HEADING), Text(text=_region_words(days))]
    lines = _coming(days, today)
    if lines:
        blocks.append(Bullets(items=tuple(lines[:SHOWN_LINES])))
    blocks.append(Context(text=f"{USAGE} {IMPORT}"))
    return Reply(summary=changed or HEADING, blocks=tuple(blocks))


def _region_words(days: TeamDays) -> str:
    region = days.region
    where = f"the public holidays of {region.words}" if region else "no public holidays"
    breaks = "its term breaks" if days.breaks else "no term calendar"
    return (
        "A post due on one of these days goes out on the next working day instead. "
        f"The team keeps {where} and {breaks}."
    )


def _coming(days: TeamDays, today: date) -> list[str]:
    """The holidays and breaks of the coming months, and the days to post anyway."""
    ahead = holidays_between(days.region, today, today + SHOWN_AHEAD) if days.region else {}
    lines = [(day, f"{day_words(day)}: {name}") for day, name in ahead.items()]
    for each in days.term_breaks:
        if each.last >= today and each.first <= today + SHOWN_AHEAD:
            span = day_words(each.first)
            if each.last != each.first:
                span += f" to {day_words(each.last)}"
            lines.append((each.first, f"{span}: {each.name}"))
    for day in days.post_anyway:
        if day >= today:
            lines.append((day, f"{day_words(day)}: posts go out anyway"))
    return [words for _, words in sorted(lines)]


COMMANDS = (
    CommandSpec(
        name="holidays",
        handle=holidays,
        allowed=FACILITATORS,
        usage=(
            Usage(
                "holidays", "the days the bot posts nothing: holidays, term breaks", FACILITATORS
            ),
            Usage(
                "holidays country CODE [STATE]",
                "keep a country's public holidays, e.g. `holidays country US NY`; "
                "`post-anyway DATE` or `avoid DATE` for one day",
                FACILITATORS,
            ),
        ),
        rank=72,
    ),
)
