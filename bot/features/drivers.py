"""Section 4's drivers of fatigue and resilience: a cohort's anonymous board, sorted by who can
change each driver, with leadership's answers and progress reported back to the channel."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

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
    return Form(title="Share progress", submit_label="Post progress", fields=(text,))


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
    """What the viewer may do to one driver: sort their own, answer or report progress."""
    wanted: list[tuple[str, str, Form]] = []
    if may_sort and driver.answer is None:
        wanted.append(("Sort", "sort", _sort_form()))
    if "leader" in roles and driver.category == "leadership" and driver.answer is None:
        wanted.append(("Answer", "answer", _answer_form()))
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


async def post_answer(
    services: Services, port: ChatPort, tenant: str, driver: Driver, answer: str
) -> Reply:
    """Record leadership's answer on a driver and post it to the cohort's channel."""
    await services.drivers.answer(tenant, driver.id, answer, services.clock.now())
    await port.send(Target(tenant=tenant, address=driver.place), answer_post(driver, answer))
    log.info("driver answered", extra={"tenant": tenant, "item": driver.number})
    moved = " and moved it to “cannot control”" if answer == "unlikely" else ""
    return Reply.saying(f"Posted your answer on #{driver.number} to the team{moved}.")
