"""Section 4's drivers of fatigue and resilience: a cohort's anonymous board, sorted by who can
change each driver, with leadership's answers and progress reported back to the channel."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot import loop
from bot.commands import number
from bot.errors import CrbotError, ErrorCode
from bot.messages import (
    Bullets,
    Button,
    Buttons,
    Context,
    Form,
    FormField,
    Heading,
    Reply,
    Target,
    Text,
)
from bot.storage.drivers import Driver

if TYPE_CHECKING:
    from bot.core import Core, Turn

log = logging.getLogger(__name__)

# Short enough that a board of a few dozen drivers stays one readable message.
MAX_DRIVER = 300
MAX_PROGRESS = 2000
# Buttons per board: Slack shows 25 to an actions row; more than a row stops being a board.
MAX_ITEM_BUTTONS = 12
CATEGORIES = {
    "mine": "I can control",
    "leadership": "Leadership can control",
    "cannot": "Cannot control",
}
UNSORTED = "Not sorted yet"
ANSWERS = {
    "this-year": "Exploring this year",
    "next-year": "Exploring next year",
    "unlikely": "Not likely to change in two years",
}
_CATEGORY_WORDS = {
    "me": "mine",
    "i": "mine",
    "self": "mine",
    "leaders": "leadership",
    "lead": "leadership",
    "cant": "cannot",
    "can't": "cannot",
    "none": "cannot",
}
_ANSWER_WORDS = {"now": "this-year", "later": "next-year", "no": "unlikely", "never": "unlikely"}
ANONYMOUS = "Added anonymously: nobody, leaders and facilitators included, can see who added what."
MAY_POST_PROGRESS = ("leader", "facilitator")


def _key(word: str, labels: dict[str, str], words: dict[str, str]) -> str | None:
    """A category or answer key from what was typed or chosen (its key, label or a short word)."""
    word = word.strip().lower()
    by_label = {label.lower(): key for key, label in labels.items()}
    found = by_label.get(word) or words.get(word) or word
    return found if found in labels else None


def category_of(word: str) -> str | None:
    """`mine`, `leadership` or `cannot` from what a person typed or chose."""
    return _key(word, CATEGORIES, _CATEGORY_WORDS)


def answer_of(word: str) -> str | None:
    """`this-year`, `next-year` or `unlikely` from what a leader typed or chose."""
    return _key(word, ANSWERS, _ANSWER_WORDS)


def _control_field() -> FormField:
    return FormField(
        name="control", label="Who can change it?", kind="select", options=(*CATEGORIES.values(),)
    )


def add_form() -> Form:
    """What the "Add a driver" button asks."""
    text = FormField(
        name="text",
        label="What drains you, or keeps you going, at work?",
        kind="long_text",
        max_length=MAX_DRIVER,
    )
    fields = (text, _control_field())
    return Form(title="Add a driver", submit_label="Add anonymously", fields=fields)


def _sort_form() -> Form:
    return Form(title="Sort a driver", submit_label="Sort", fields=(_control_field(),))


def _answer_form() -> Form:
    answer = FormField(
        name="answer", label="Leadership's answer", kind="select", options=(*ANSWERS.values(),)
    )
    return Form(title="Answer the team", submit_label="Post answer", fields=(answer,))


def _progress_form() -> Form:
    text = FormField(
        name="text", label="What has changed?", kind="long_text", max_length=MAX_PROGRESS
    )
    return Form(title="Share progress", submit_label="Post progress", fields=(text,))


def _line(driver: Driver) -> str:
    line = f"#{driver.id} {driver.text}"
    if driver.answer == "unlikely":
        line += " · leadership: not likely to change in two years, worth revisiting later"
    elif driver.answer:
        line += f" · leadership: {ANSWERS[driver.answer].lower()}"
    if driver.progress:
        line += f" · latest progress: {driver.progress}"
    return line


def board(
    drivers: list[Driver], roles: frozenset[str], may_sort: frozenset[int] = frozenset()
) -> Reply:
    """The cohort's board, privately; authors appear nowhere. `may_sort`: ids the viewer sorts."""
    blocks: list[Heading | Text | Bullets | Buttons | Context] = [
        Heading(text="Drivers of fatigue and resilience"),
        Text(
            text="What drains us and what keeps us going at work, sorted by who can change it: "
            "ourselves, leadership, or nobody for now."
        ),
    ]
    if not drivers:
        blocks.append(Text(text="Nothing on the board yet. Add the first driver."))
    groups = [(CATEGORIES[key], key) for key in CATEGORIES] + [(UNSORTED, "unsorted")]
    for label, key in groups:
        lines = tuple(_line(d) for d in drivers if d.category == key)
        if lines:
            blocks += [Text(text=f"*{label}*"), Bullets(items=lines)]
    buttons = [Button(label="Add a driver", command="drivers add", form=add_form(), primary=True)]
    for driver in drivers:
        buttons += _item_buttons(driver, roles, driver.id in may_sort)
    blocks.append(Buttons(buttons=tuple(buttons[: MAX_ITEM_BUTTONS + 1])))
    blocks.append(Context(text=ANONYMOUS))
    return Reply(summary="Drivers of fatigue and resilience", blocks=tuple(blocks))


def _item_buttons(driver: Driver, roles: frozenset[str], may_sort: bool) -> list[Button]:
    """What the viewer may do to one driver: sort their own, answer or report progress."""
    wanted: list[tuple[str, str, Form]] = []
    if may_sort and driver.answer is None:
        wanted.append(("Sort", "sort", _sort_form()))
    if "leader" in roles and driver.category == "leadership" and driver.answer is None:
        wanted.append(("Answer", "answer", _answer_form()))
    if roles & set(MAY_POST_PROGRESS) and driver.answer in ("this-year", "next-year"):
        wanted.append(("Progress on", "progress", _progress_form()))
    return [
        Button(label=f"{label} #{driver.id}", command=f"drivers {verb} {driver.id}", form=form)
        for label, verb, form in wanted
    ]


def _sort_buttons(driver_id: int) -> Buttons:
    return Buttons(
        buttons=tuple(
            Button(label=label, command=f"drivers sort {driver_id} {key}")
            for key, label in CATEGORIES.items()
        )
    )


def answer_post(driver: Driver, answer: str) -> Reply:
    """Leadership's answer on a driver, for the cohort's channel."""
    follow = {
        "this-year": "Leadership is exploring this now and will share progress through the year.",
        "next-year": "Leadership plans to explore this next year and will share progress.",
        "unlikely": "It moves to our “cannot control” list for now. The need is real, and it is "
        "worth looking at again once other priorities are met.",
    }[answer]
    return Reply(
        summary="Leadership answers a driver from our board",
        private=False,
        blocks=(
            Heading(text="Leadership answers a driver from our board"),
            Text(text=f"“{driver.text}”"),
            Text(text=f"*{ANSWERS[answer]}.* {follow}"),
            Context(text="Drivers are added anonymously. See the whole board with `drivers`."),
        ),
    )


def progress_post(driver: Driver, text: str) -> Reply:
    """Leadership's progress on a driver, for the cohort's channel."""
    return Reply(
        summary="Progress on a driver from our board",
        private=False,
        blocks=(
            Heading(text="Progress on a driver from our board"),
            Text(text=f"“{driver.text}”"),
            Text(text=text),
            Context(text="See the whole board with `drivers`."),
        ),
    )


def _checked(text: str, limit: int, example: str) -> str | Reply:
    text = text.strip()
    if not text:
        return Reply.saying(f"Write it after the word, for example `{example}`.")
    if len(text) > limit:
        raise CrbotError(ErrorCode.TOO_LONG)
    return text


def _typed_after(turn: Turn, words: int) -> str:
    """What was typed after the first `words` words following the command."""
    parts = turn.command.rest.split(maxsplit=words)
    return parts[words] if len(parts) > words else ""


async def _driver(core: Core, turn: Turn) -> Driver | Reply:
    """The driver a command names, or a kind reply saying there is none."""
    args = turn.command.args
    driver_id = number(args[1]) if len(args) > 1 else None
    if driver_id is None:
        return Reply.saying(f"Name the driver by its number, for example `drivers {args[0]} 3`.")
    found = await core.drivers.get(turn.team.tenant_id, driver_id)
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


async def drivers(core: Core, turn: Turn) -> Reply:
    """`drivers [add TEXT | sort N WHERE | answer N ANSWER | progress N TEXT]`."""
    args, tenant = turn.command.args, turn.team.tenant_id
    action = args[0] if args else ""
    if action == "add":
        return await _add(core, turn)
    if action == "sort":
        return await _sort(core, turn)
    if action == "answer":
        return await _answer(core, turn)
    if action == "progress":
        return await _progress(core, turn)
    place = turn.incoming.place.address
    items = await core.drivers.board(tenant, place)
    mine = await core.drivers.own_ids(tenant, turn.person)
    may_sort = {d.id for d in items if d.id in mine or "facilitator" in turn.roles}
    return board(items, turn.roles, frozenset(may_sort))


async def _add(core: Core, turn: Turn) -> Reply:
    form = turn.incoming.form or {}
    typed = form.get("text", _typed_after(turn, 1))
    text = _checked(typed, MAX_DRIVER, "drivers add Short staffing on weekends")
    if isinstance(text, Reply):
        return text
    category = category_of(form.get("control", "")) or "unsorted"
    tenant = turn.team.tenant_id
    place = turn.incoming.place.address
    added = await core.drivers.add(tenant, place, text, category, turn.person, core.clock.now())
    log.info("driver added", extra={"tenant": tenant, "item": added.id})
    if category == "unsorted":
        return Reply(
            summary=f"Added #{added.id}, anonymously",
            blocks=(
                Text(text=f"Added anonymously as #{added.id}. Who can change it?"),
                _sort_buttons(added.id),
                Context(text=ANONYMOUS),
            ),
        )
    return Reply.saying(
        f"Added anonymously as #{added.id}, under “{CATEGORIES[category]}”.", ANONYMOUS
    )


async def _sort(core: Core, turn: Turn) -> Reply:
    driver = await _driver(core, turn)
    if isinstance(driver, Reply):
        return driver
    tenant = turn.team.tenant_id
    facilitator = "facilitator" in turn.roles
    if not facilitator and not await core.drivers.added_by(tenant, driver.id, turn.person):
        return Reply.saying("Only the person who added a driver, or a facilitator, can sort it.")
    if driver.answer is not None and not facilitator:
        return Reply.saying(
            f"Leadership has answered #{driver.id}, so it stays where it is; "
            "a facilitator can still move it."
        )
    category = category_of(_chosen(turn, "control", 2))
    if category is None:
        return Reply(
            summary=f"Where does #{driver.id} sit?",
            blocks=(Text(text=f"Who can change #{driver.id}?"), _sort_buttons(driver.id)),
        )
    await core.drivers.sort(tenant, driver.id, category)
    return Reply.saying(f"Moved #{driver.id} to “{CATEGORIES[category]}”.")


async def _answer(core: Core, turn: Turn) -> Reply:
    loop.require(turn, "leader")
    driver = await _driver(core, turn)
    if isinstance(driver, Reply):
        return driver
    if driver.category != "leadership" and driver.answer is None:
        return Reply.saying(f"#{driver.id} is not on the “leadership can control” list.")
    answer = answer_of(_chosen(turn, "answer", 2))
    if answer is None:
        choices = ", ".join(f"`drivers answer {driver.id} {key}`" for key in ANSWERS)
        return Reply.saying(f"Answer with one of {choices}.")
    tenant = turn.team.tenant_id
    await core.drivers.answer(tenant, driver.id, answer, core.clock.now())
    await turn.port.send(Target(tenant=tenant, address=driver.place), answer_post(driver, answer))
    log.info("driver answered", extra={"tenant": tenant, "item": driver.id})
    moved = " and moved it to “cannot control”" if answer == "unlikely" else ""
    return Reply.saying(f"Posted your answer on #{driver.id} to the team{moved}.")


async def _progress(core: Core, turn: Turn) -> Reply:
    loop.require(turn, *MAY_POST_PROGRESS)
    driver = await _driver(core, turn)
    if isinstance(driver, Reply):
        return driver
    if driver.category != "leadership":
        return Reply.saying(f"#{driver.id} is not on the “leadership can control” list.")
    form = turn.incoming.form or {}
    text = _checked(
        form.get("text", _typed_after(turn, 2)),
        MAX_PROGRESS,
        f"drivers progress {driver.id} We have started ...",
    )
    if isinstance(text, Reply):
        return text
    tenant = turn.team.tenant_id
    await core.drivers.record_progress(tenant, driver.id, text, core.clock.now())
    await turn.port.send(Target(tenant=tenant, address=driver.place), progress_post(driver, text))
    return Reply.saying(f"Posted progress on #{driver.id} to the team.")
