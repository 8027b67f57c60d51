"""Section 4's drivers of fatigue and resilience: a cohort's anonymous board, sorted by who can
change each driver, with leadership's answers and progress reported back to the channel."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.features import posted_answers
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
from bot.ports import ChatPort
from bot.storage.drivers import Driver

if TYPE_CHECKING:
    from bot.services import Services

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
MAY_POST_PROGRESS = ("leader", "facilitator")
ANONYMOUS = "Added anonymously: nobody, leaders and facilitators included, can see who added what."


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
    return Form(title="Share progress", submit_label="Preview", fields=(text,))


def _line(driver: Driver) -> str:
    line = f"#{driver.number} {driver.text}"
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
    """What the viewer may do to one driver: sort their own, answer (or change the posted
    answer, which asks first) or report progress."""
    wanted: list[tuple[str, str, Form]] = []
    if may_sort and driver.answer is None:
        wanted.append(("Sort", "sort", _sort_form()))
    if "leader" in roles and driver.category == "leadership" and driver.answer is None:
        wanted.append(("Answer", "answer", _answer_form()))
    if "leader" in roles and driver.answer_post is not None:
        wanted.append(("Change the answer on", "answer", _answer_form()))
    if roles & set(MAY_POST_PROGRESS) and driver.answer in ("this-year", "next-year"):
        wanted.append(("Progress on", "progress", _progress_form()))
    return [
        Button(
            label=f"{label} #{driver.number}", command=f"drivers {verb} {driver.number}", form=form
        )
        for label, verb, form in wanted
    ]


def sort_buttons(driver_id: int) -> Buttons:
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


def _moved(answer: str) -> str:
    return " and moved it to “cannot control”" if answer == "unlikely" else ""


async def post_answer(
    services: Services, port: ChatPort, tenant: str, driver: Driver, answer: str
) -> Reply:
    """Post leadership's answer on a driver to the cohort's channel, and record it with the
    message it went out as (so it can be corrected or deleted)."""
    posted = await port.send(
        Target(tenant=tenant, address=driver.place), answer_post(driver, answer)
    )
    await services.drivers.answer(tenant, driver.id, answer, services.clock.now(), posted)
    log.info("driver answered", extra={"tenant": tenant, "item": driver.number})
    return Reply.saying(f"Posted your answer on #{driver.number} to the team{_moved(answer)}.")


async def correct_answer(
    services: Services, port: ChatPort, tenant: str, driver: Driver, answer: str
) -> Reply | None:
    """Replace the posted answer's message with `answer`, in place; None when no message is
    kept (an answer posted before they were kept)."""
    if driver.answer_post is None:
        return None
    await port.update(driver.answer_post, answer_post(driver, answer))
    await services.drivers.answer(tenant, driver.id, answer, services.clock.now())
    log.info("driver answer corrected", extra={"tenant": tenant, "item": driver.number})
    return Reply.saying(
        f"The posted answer on #{driver.number} now reads “{ANSWERS[answer]}”{_moved(answer)}."
    )


async def unpost_answer(services: Services, port: ChatPort, tenant: str, driver: Driver) -> bool:
    """Delete the posted answer's message and leave the driver unanswered on the leadership
    list (`DriverStore.withdraw_answer`); False when no message is kept."""

    async def withdraw() -> None:
        await services.drivers.withdraw_answer(tenant, driver.id)
        log.info("driver answer deleted", extra={"tenant": tenant, "item": driver.number})

    return await posted_answers.take_down(port, driver.answer_post, withdraw)


def replace_question(driver: Driver, answer: str) -> str:
    """What a leader is asked before the answer on an answered driver changes."""
    was = ANSWERS[driver.answer] if driver.answer else ""
    if driver.answer_post is None:
        return (
            f"#{driver.number} has an answer already, “{was}”. Post “{ANSWERS[answer]}” to "
            "the team as a new answer?"
        )
    return (
        f"#{driver.number} has an answer already, “{was}”. Replace the posted answer with "
        f"“{ANSWERS[answer]}”?"
    )


def unpost_question(driver: Driver) -> str:
    """What a leader is asked before the posted answer on a driver is deleted."""
    return (
        f"Delete leadership's answer on #{driver.number} from the channel? The driver goes "
        "back on the leadership list, unanswered."
    )


# The word that confirms replacing a posted answer in chat.
REPLACE = "replace"


def replace_confirm(driver: Driver, answer: str) -> Reply:
    """`drivers answer N ANSWER` on an answered driver: asks before anything changes."""
    replace = f"drivers answer {driver.number} {answer} {REPLACE}"
    label = "Replace the posted answer" if driver.answer_post else "Post the new answer"
    buttons = [Button(label=label, command=replace)]
    if driver.answer_post is not None:
        buttons.append(posted_answers.delete_button(f"drivers unpost {driver.number}"))
    return Reply(
        summary=f"#{driver.number} has an answer already",
        blocks=(
            Text(text=replace_question(driver, answer)),
            Buttons(buttons=tuple(buttons)),
            Context(text=f"Or type `{replace}`. Nothing has changed."),
        ),
    )


def unpost_confirm(driver: Driver) -> Reply:
    """`drivers unpost N`: asks before the posted answer is deleted."""
    return posted_answers.delete_confirm(
        f"Delete the answer posted on #{driver.number}?",
        unpost_question(driver),
        f"drivers unpost {driver.number}",
    )
