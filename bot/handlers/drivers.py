"""`drivers`: section 4's anonymous board of what drains us and keeps us going."""

from __future__ import annotations

import logging

from bot.commands import number
from bot.features import drafts, posted_answers
from bot.features import drivers as drivers_view
from bot.features.asks import checked_text
from bot.messages import Context, Reply, Text
from bot.registry import (
    FACILITATORS_AND_LEADERS,
    LEADERS,
    CommandSpec,
    Usage,
    by_first_word,
    first_word_in,
)
from bot.services import Services
from bot.storage.drivers import Driver
from bot.storage.post_drafts import PostDraft
from bot.turn import Turn

log = logging.getLogger(__name__)


def _typed_after(turn: Turn, words: int) -> str:
    """What was typed after the first `words` words following the command."""
    parts = turn.command.rest.split(maxsplit=words)
    return parts[words] if len(parts) > words else ""


async def _driver(services: Services, turn: Turn) -> Driver | Reply:
    """The driver a command names, or a kind reply saying there is none."""
    args = turn.command.args
    driver_id = number(args[1]) if len(args) > 1 else None
    if driver_id is None:
        return Reply.saying(f"Name the driver by its number, for example `drivers {args[0]} 3`.")
    found = await services.drivers.get(turn.team.tenant_id, driver_id)
    if found is None:
        return Reply.saying(
            f"There's no driver #{driver_id} on the board. Type `drivers` to see it."
        )
    return found


def _chosen(turn: Turn, field: str, position: int) -> str:
    """A form's answer, or the word typed at `position`."""
    form = turn.incoming.form or {}
    if field in form:
        return form[field]
    args = turn.command.args
    return args[position] if len(args) > position else ""


async def drivers(turn: Turn) -> Reply:
    """`drivers [add TEXT | sort N WHERE | answer N ANSWER | unpost N | progress N TEXT]`."""
    services, args, tenant = turn.services, turn.command.args, turn.tenant
    action = args[0] if args else ""
    if action == "add":
        return await _add(services, turn)
    if action == "sort":
        return await _sort(services, turn)
    if action == "answer":
        return await _answer(services, turn)
    if action == "unpost":
        return await _unpost(services, turn)
    if action == "progress":
        return await _progress(services, turn)
    place = turn.incoming.place.address
    items = await services.drivers.board(tenant, place)
    mine = await services.drivers.own_ids(tenant, turn.person)
    may_sort = {d.id for d in items if d.id in mine or "facilitator" in turn.roles}
    return drivers_view.board(items, turn.roles, frozenset(may_sort))


async def _add(services: Services, turn: Turn) -> Reply:
    form = turn.incoming.form or {}
    typed = form.get("text", _typed_after(turn, 1))
    text = checked_text(typed, "drivers add Short staffing on weekends", drivers_view.MAX_DRIVER)
    if isinstance(text, Reply):
        return text
    category = drivers_view.category_of(form.get("control", "")) or "unsorted"
    tenant = turn.team.tenant_id
    place = turn.incoming.place.address
    added = await services.drivers.add(
        tenant, place, text, category, turn.person, services.clock.now()
    )
    log.info("driver added", extra={"tenant": tenant, "item": added.id})
    if category == "unsorted":
        return Reply(
            summary=f"Added #{added.number}, anonymously",
            blocks=(
                Text(text=f"Added anonymously as #{added.number}. Who can change it?"),
                drivers_view.sort_buttons(added.number),
                Context(text=drivers_view.ANONYMOUS),
            ),
        )
    return Reply.saying(
        f"Added anonymously as #{added.number}, under “{drivers_view.CATEGORIES[category]}”.",
        drivers_view.ANONYMOUS,
    )


async def _sort(services: Services, turn: Turn) -> Reply:
    driver = await _driver(services, turn)
    if isinstance(driver, Reply):
        return driver
    tenant = turn.team.tenant_id
    facilitator = "facilitator" in turn.roles
    if not facilitator and not await services.drivers.added_by(tenant, driver.id, turn.person):
        return Reply.saying("Only the person who added a driver, or a facilitator, can sort it.")
    if driver.answer is not None and not facilitator:
        return Reply.saying(
            f"Leadership has answered #{driver.number}, so it stays where it is; "
            "a facilitator can still move it."
        )
    category = drivers_view.category_of(_chosen(turn, "control", 2))
    if category is None:
        return Reply(
            summary=f"Where does #{driver.number} sit?",
            blocks=(
                Text(text=f"Who can change #{driver.number}?"),
                drivers_view.sort_buttons(driver.number),
            ),
        )
    await services.drivers.sort(tenant, driver.id, category)
    return Reply.saying(f"Moved #{driver.number} to “{drivers_view.CATEGORIES[category]}”.")


async def _answer(services: Services, turn: Turn) -> Reply:
    driver = await _driver(services, turn)
    if isinstance(driver, Reply):
        return driver
    if driver.category != "leadership" and driver.answer is None:
        return Reply.saying(f"#{driver.number} is not on the “leadership can control” list.")
    answer = drivers_view.answer_of(_chosen(turn, "answer", 2))
    if answer is None:
        choices = ", ".join(
            f"`drivers answer {driver.number} {key}`" for key in drivers_view.ANSWERS
        )
        return Reply.saying(f"Answer with one of {choices}.")
    tenant = turn.team.tenant_id
    if driver.answer is None:
        return await drivers_view.post_answer(services, turn.port, tenant, driver, answer)
    if driver.answer == answer:
        label = drivers_view.ANSWERS[answer]
        return Reply.saying(f"Leadership's answer on #{driver.number} is “{label}” already.")
    if turn.command.args[3:4] != (drivers_view.REPLACE,):
        return drivers_view.replace_confirm(driver, answer)
    corrected = await drivers_view.correct_answer(services, turn.port, tenant, driver, answer)
    # An answer posted before messages were kept can only be followed by a new post.
    return corrected or await drivers_view.post_answer(services, turn.port, tenant, driver, answer)


async def _unpost(services: Services, turn: Turn) -> Reply:
    driver = await _driver(services, turn)
    if isinstance(driver, Reply):
        return driver
    if driver.answer_post is None:
        return Reply.saying(f"#{driver.number} has no posted answer to delete.")
    if turn.command.args[2:3] != (posted_answers.SURE,):
        return drivers_view.unpost_confirm(driver)
    await drivers_view.unpost_answer(services, turn.port, turn.team.tenant_id, driver)
    return Reply.saying(
        f"Leadership's answer on #{driver.number} is deleted from the channel; the driver is "
        f"back on the leadership list. Answer it again with `drivers answer {driver.number} ...`."
    )


def _progress_kind(services: Services, driver: Driver) -> drafts.PostKind:
    """Progress on a driver as the drafts show it; once posted it is the driver's latest."""

    async def posted(draft: PostDraft, text: str) -> None:
        await services.drivers.record_progress(draft.tenant, driver.id, text, services.clock.now())

    async def removed(draft: PostDraft, text: str) -> None:
        before = draft.details.get("before")
        before = before if isinstance(before, str) else None
        await services.drivers.take_back_progress(draft.tenant, driver.id, text, before)

    return drafts.PostKind(
        name="driver-progress",
        noun=f"progress on #{driver.number}",
        command=f"drivers progress {driver.number}",
        limit=drivers_view.MAX_PROGRESS,
        render=lambda _, text: drivers_view.progress_post(driver, text),
        posted=posted,
        removed=removed,
    )


async def _progress(services: Services, turn: Turn) -> Reply:
    driver = await _driver(services, turn)
    if isinstance(driver, Reply):
        return driver
    kind = _progress_kind(services, driver)
    named = drafts.draft_named(turn.command.args, 2)
    form = turn.incoming.form or {}
    if named is not None:
        words = form.get("text") or _typed_after(turn, 4)
        return await drafts.act(turn, kind, *named, words)
    if driver.category != "leadership":
        return Reply.saying(f"#{driver.number} is not on the “leadership can control” list.")
    text = checked_text(
        form.get("text", _typed_after(turn, 2)),
        f"drivers progress {driver.number} We have started ...",
        drivers_view.MAX_PROGRESS,
    )
    if isinstance(text, Reply):
        return text
    # What the board shows as its latest progress again if this one is deleted.
    return await drafts.start(turn, kind, driver.place, text, before=driver.progress)


COMMANDS = (
    CommandSpec(
        name="drivers",
        handle=drivers,
        aliases=("driver",),
        anonymous_for=first_word_in("add"),
        allowed_for=by_first_word(
            {"answer": LEADERS, "unpost": LEADERS, "progress": FACILITATORS_AND_LEADERS}
        ),
        usage=(
            Usage("drivers", "our board of what drains us and keeps us going"),
            Usage("drivers add ...", "add one anonymously"),
            Usage("drivers sort N mine|leadership|cannot", "sort one you added"),
            Usage("drivers sort N ...", "sort any driver on the board", frozenset({"facilitator"})),
            Usage(
                "drivers answer N this-year|next-year|unlikely",
                "answer a leadership driver; a second time, replace the posted answer after you "
                "confirm",
                LEADERS,
            ),
            Usage(
                "drivers unpost N",
                "delete the answer posted on a driver, after you confirm",
                LEADERS,
            ),
            Usage(
                "drivers progress N ...",
                "share progress on a driver: you see it first, then post, edit or delete it",
                FACILITATORS_AND_LEADERS,
            ),
        ),
        rank=55,
    ),
)
