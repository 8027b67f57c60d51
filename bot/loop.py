"""The two-way loop and people's control of their data, routed from the core.

`ask`/`asks` (anonymous questions to leadership), `suggest` ("what would help?", released in
batches), `report` (facilitators' check-in insights) and `privacy show-me|delete-me`.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands import number
from bot.errors import CrbotError, ErrorCode
from bot.features import asks, insights, surveys
from bot.messages import Bullets, Button, Buttons, Context, Heading, Image, Reply, Target, Text
from bot.ports import ChatPort
from bot.roles import holders

if TYPE_CHECKING:
    from bot.core import Core, Turn

log = logging.getLogger(__name__)

# How many weeks a chat report shows; the CSV and the chart carry every week.
REPORT_WEEKS = 8


def require(turn: Turn, *roles: str) -> None:
    """Refuse unless the person holds one of `roles`."""
    if not turn.roles & set(roles):
        raise CrbotError(ErrorCode.NOT_ALLOWED)


async def ask(core: Core, turn: Turn) -> Reply:
    """`ask TEXT`, `ask check CODE`, and facilitators' `ask forward N`, leaders' `ask answer N`."""
    args, tenant = turn.command.args, turn.team.tenant_id
    if asks.checks_a_code(args):
        if len(args) < 2:
            return asks.check_usage()
        digest = asks.reply_digest("".join(args[1:]))
        return asks.check_reply(await core.asks.by_reply_digest(tenant, digest))
    if asks.names_a_question(args):
        require(turn, "facilitator" if args[0] == "forward" else "leader")
        ask_id = number(args[1])
        found = await core.asks.get_ask(tenant, ask_id) if ask_id is not None else None
        if found is None:
            return asks.no_such_question(args[0], ask_id)
        if args[0] == "forward":
            await core.asks.set_status(tenant, found.id, "forwarded")
            sent = await asks.tell(
                turn.port, tenant, await holders(core, tenant, "leader"), asks.for_leaders(found)
            )
            return asks.delivered(sent, "leaders")
        typed = " ".join(turn.command.rest.split()[2:])
        text = asks.checked_text(
            (turn.incoming.form or {}).get("text", typed), f"ask answer {found.id} ..."
        )
        if isinstance(text, Reply):
            return text
        # An ask from a direct message kept no place: its answer goes to a channel the team
        # shares, never back to the one person's chat it came from.
        shared = found.from_shared_place
        address = found.place if shared else await asks.team_channel(core.rollouts.store, tenant)
        if address:
            await turn.port.send(
                Target(tenant=tenant, address=address), asks.answer_post(found, text)
            )
        await core.asks.set_status(tenant, found.id, "answered", text)
        return asks.answered_reply(posted=bool(address), shared=shared)
    text = asks.checked_text(turn.command.rest, "ask Could we talk about breaks?")
    if isinstance(text, Reply):
        return text
    code = asks.new_reply_code()
    place, digest = asks.kept_place(turn.incoming), asks.reply_digest(code)
    facilitators = await holders(core, tenant, "facilitator")
    stored = await core.asks.add_ask(
        tenant, place, text, core.clock.now(), reply_digest=digest, delivering=bool(facilitators)
    )
    sent = 0
    if facilitators:
        sent = await asks.tell(turn.port, tenant, facilitators, asks.for_facilitators(stored))
        if not sent:
            await core.asks.put_back(tenant, [stored.id])
    waits: asks.Waits | None = None if sent else ("unreached" if facilitators else "unnamed")
    return asks.asked_reply(code, shared=stored.from_shared_place, waits=waits)


async def deliver_waiting(core: Core, tenant: str, port: ChatPort) -> int:
    """Send facilitators the questions and suggestion batches none could read; how many went."""
    waiting = await core.asks.take_waiting(tenant, core.clock.now())
    if not waiting.asks and not waiting.batches:
        return 0
    facilitators = await holders(core, tenant, "facilitator")
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
    await core.asks.put_back(tenant, unsent, [i for ids in unsent_batches for i in ids])
    delivered = len(waiting.asks) - len(unsent) + len(waiting.batches) - len(unsent_batches)
    log.info("waiting items sent to facilitators: %d", delivered, extra={"tenant": tenant})
    return delivered


async def open_asks(core: Core, turn: Turn) -> Reply:
    """Facilitators' list of questions still waiting."""
    require(turn, "facilitator", "leader")
    return asks.open_list(await core.asks.open_asks(turn.team.tenant_id))


async def suggest(core: Core, turn: Turn) -> Reply:
    """`suggest TEXT`: an anonymous "what would help?", shared only in batches of people."""
    text = asks.checked_text(turn.command.rest, "suggest A quiet room at lunch")
    if isinstance(text, Reply):
        return text
    tenant, size = turn.team.tenant_id, turn.team.min_group_size
    released = await core.asks.add_suggestion(tenant, turn.person, text, core.clock.now(), size)
    if released:
        # The batch waits like a question and takes the same way out, so one released while no
        # facilitator could read it reaches the next one; the reply is the same either way, so
        # nobody learns they completed a batch.
        await deliver_waiting(core, tenant, turn.port)
    return asks.suggested_reply(size)


async def report_rows(
    core: Core, tenant: str, channel: str | None
) -> tuple[list[insights.WeekRow], int]:
    """A team's (or one channel's) weekly rows and the group size they were suppressed at."""
    team = await core.team(tenant)
    polls = await core.polls.releases(tenant, [channel] if channel else None)
    return insights.weekly_rows(polls, by_place=channel is not None), team.min_group_size


async def report(core: Core, turn: Turn) -> Reply:
    """`report [here]`: the check-in trend, privately, for facilitators."""
    require(turn, "facilitator")
    tenant = turn.team.tenant_id
    channel = turn.incoming.place.address if "here" in turn.command.args else None
    rows, size = await report_rows(core, tenant, channel)
    scope = f"in {channel}" if channel else "across the team"
    blocks: list[Heading | Text | Bullets | Image | Context] = [Heading(text=f"Check-ins {scope}")]
    if not rows:
        blocks.append(Text(text="No check-ins have been answered yet."))
    else:
        recent = rows[-REPORT_WEEKS:]
        blocks.append(Bullets(items=tuple(insights.row_line(row, size) for row in recent)))
        if not insights.shown_weeks(rows):
            blocks.append(Text(text=insights.nothing_shown_line(size)))
        elif (image := await _chart(core, tenant, channel, rows, scope)) is not None:
            blocks.append(image)
    survey_lines = await survey_report(core, tenant, channel, size)
    if survey_lines:
        blocks += [Heading(text=f"Programme surveys {scope}"), Bullets(items=survey_lines)]
    blocks.append(
        Context(
            text=f"Figures change only after {size} people answer, and carry a little random "
            "noise, so no figure can be worked back to one person."
        )
    )
    return Reply(summary=f"Check-ins {scope}", blocks=tuple(blocks))


async def survey_rows(
    core: Core, tenant: str, channel: str | None, size: int
) -> list[surveys.SurveyRow]:
    """The programme surveys' answers, a row per question, suppressed below `size`."""
    questions = await core.surveys.releases(tenant, channel)
    return surveys.survey_rows(questions, by_place=channel is not None)


async def survey_report(core: Core, tenant: str, channel: str | None, size: int) -> tuple[str, ...]:
    """The programme surveys' answers, a line per question, suppressed below `size`."""
    rows = await survey_rows(core, tenant, channel, size)
    return tuple(surveys.row_line(row, size) for row in rows)


async def _chart(
    core: Core, tenant: str, channel: str | None, rows: list[insights.WeekRow], scope: str
) -> Image | None:
    folder = core.options.reports_dir
    if folder is None:
        return None
    import asyncio

    png = await asyncio.to_thread(insights.to_png, rows, f"Check-ins {scope}")
    # The file name is a digest, so it carries no tenant or channel name to the platform.
    name = hashlib.sha256(f"{tenant}|{channel}|{len(rows)}".encode()).hexdigest()[:16]
    path = Path(folder) / f"checkins-{name}.png"
    await asyncio.to_thread(_write, path, png)
    return Image(path=str(path), title=f"Check-ins {scope}", alt_text="Weekly check-in trend")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def privacy(core: Core, turn: Turn) -> Reply:
    """`privacy show-me` and `privacy delete-me [confirm]`."""
    args, tenant, person = turn.command.args, turn.team.tenant_id, turn.person
    if args[:1] == ("delete-me",):
        if "confirm" not in args:
            return Reply(
                summary="Delete what I hold about you?",
                blocks=(
                    Text(
                        text="This deletes your check-in and survey answers, reflections, "
                        "walkthrough place, the drivers you added to a board, your stars on "
                        "proposed agreements and your reminder setting at once. Figures already "
                        "shown change only with the next batch of answers, so your deletion "
                        "cannot be told apart from anyone else's action."
                    ),
                    Buttons(
                        buttons=(
                            Button(label="Delete my data", command="privacy delete-me confirm"),
                        )
                    ),
                ),
            )
        answers = await core.polls.forget(tenant, person, core.clock.now(), core.policy(turn.team))
        removed = await core.walkthroughs.forget(tenant, person)
        drivers = await core.drivers.forget(tenant, person)
        stars = await core.agreements.forget(tenant, person)
        settings = await core.reminders.forget(tenant, person)
        log.info("person data deleted", extra={"tenant": tenant})
        words = (
            f"Deleted {answers} check-in and survey answer(s), {removed} reflection(s), "
            f"{drivers} driver(s) you added and {stars} star(s) you gave."
        )
        if settings:
            return Reply.saying(
                words, "Check-in reminders are on again; `checkin reminders off` stops them."
            )
        return Reply.saying(words)
    answers = await core.polls.count_answers_of(tenant, person)
    reflections = await core.walkthroughs.reflections_of(tenant, person)
    position = await core.walkthroughs.position(tenant, person)
    drivers = await core.drivers.count_added_by(tenant, person)
    stars = await core.agreements.count_stars_of(tenant, person)
    reminders_off = bool(await core.reminders.turned_off(tenant, [person]))
    roles = sorted(turn.roles - {"staff"}) or ["staff"]
    items = (
        f"Your role here: {', '.join(roles)} (stored with your user id, so the bot knows it)",
        f"Check-in and survey answers: {answers}, stored under a code made from your id with a "
        "secret key;"
        " they are only ever shown inside figures about the whole group",
        f"Reflections: {len(reflections)} (only you can read them: `reflections`)",
        "Walkthrough: "
        + (f"scenario {position.scenario}, page {position.position}" if position else "none"),
        f"Drivers you added to a board: {drivers}, marked so that only you can find them; "
        "nobody else can see who added what",
        f"Stars on proposed agreements: {stars}, marked the same way; only counts are shown",
        "Check-in reminders: "
        + ("off (kept under the same code as your answers)" if reminders_off else "on"),
        "Questions (`ask`) and suggestions (`suggest`): stored with no link to you at all",
    )
    return Reply(
        summary="What I hold about you",
        blocks=(
            Heading(text="What I hold about you"),
            Bullets(items=items),
            Context(
                text=f"Raw answers are deleted after {core.options.retention_days} days; "
                "`privacy delete-me` deletes yours now."
            ),
        ),
    )
