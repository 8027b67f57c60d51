"""Pre, mid and post programme surveys: the pack's short question sets posted as polls, answered
under pseudonyms, and reported like check-ins (a question's counts show only at the group size)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.features import insights
from bot.messages import Button, Context, Heading, Poll, Reply, Target, Text
from bot.ports import ChatPort
from bot.release import Figures, combined, figures_line, status_line
from bot.storage.polls import FIST_TO_FIVE
from bot.storage.surveys import QuestionFigures, SurveyQuestion
from content.models import Pack

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

ORDER = ("pre", "mid", "post")
SUMMARY = "A short survey"
THANKS = (
    "Thank you, your answer is in. You can change it any time by choosing again. "
    "Only figures about the whole group are ever shown."
)


def privacy_note(min_group_size: int) -> str:
    """Who sees what, once under the questions."""
    return (
        f"A question's figures change only after {min_group_size} people answer it, with a "
        "little random noise; nobody, leaders and facilitators included, can see your answers."
    )


def render(
    scale: list[str],
    title: str,
    introduction: str,
    questions: list[SurveyQuestion],
    lines: list[str],
    size: int,
) -> Reply:
    """The survey message: one poll per question, each with its count line.

    The group size is stated once, in the note under the questions: a privacy line under every
    question would repeat it as many times as there are questions.
    """
    polls = tuple(
        Poll(
            poll_id=question.id,
            question=f"{question.position}. {question.question}",
            options=tuple(
                Button(
                    label=scale[value],
                    command=f"survey {question.id} {value}",
                    typed=f"survey {question.position} {value}",
                )
                for value in FIST_TO_FIVE
            ),
            count_line=line,
            privacy_line=None,
        )
        for question, line in zip(questions, lines, strict=True)
    )
    return Reply(
        summary=SUMMARY,
        private=False,
        blocks=(
            Heading(text=title),
            Text(text=introduction),
            *polls,
            Context(text=privacy_note(size)),
        ),
    )


async def current(
    services: Services, tenant: str, questions: list[SurveyQuestion], size: int
) -> Reply:
    """The round's message as it stands now."""
    pack = services.pack_of(await services.team(tenant)).pack
    scale = list(pack.surveys.scale) if pack.surveys else [str(v) for v in FIST_TO_FIVE]
    survey = pack.surveys.named(questions[0].survey) if pack.surveys else None
    # A pack that lost its surveys since still shows the questions as they were posted.
    title = survey.title if survey else SUMMARY
    introduction = survey.introduction if survey else "Answer from 0 (not at all) to 5."
    policy = services.policy(await services.team(tenant))
    lines = [
        status_line(await services.polls.published(tenant, q.id, policy), explain=False)
        for q in questions
    ]
    return render(scale, title, introduction, questions, lines, policy.group_size)


async def post(
    services: Services, port: ChatPort, tenant: str, pack: Pack, place: str, which: str
) -> str | None:
    """Post the pack's `which` survey to `place`; None when the pack has no such survey."""
    survey = pack.surveys.named(which) if pack.surveys else None
    if survey is None:
        return None
    texts = [question.text for question in survey.questions]
    questions = await services.surveys.open_round(tenant, place, which, texts, services.clock.now())
    size = (await services.team(tenant)).min_group_size
    reply = await current(services, tenant, questions, size)
    ref = await port.send(Target(tenant=tenant, address=place), reply)
    await services.surveys.set_message(tenant, questions[0].round_id, ref.message_id)
    log.info("survey posted", extra={"tenant": tenant, "survey": which})
    return ref.message_id


@dataclass(frozen=True)
class SurveyRow:
    """One question of one survey, in one channel or (place None) across the team."""

    survey: str
    position: int
    question: str
    place: str | None
    figures: Figures | None  # None while no poll of this question has been released


def survey_rows(questions: list[QuestionFigures], by_place: bool) -> list[SurveyRow]:
    """Rows per survey question, from released question polls only.

    As with check-ins, a posted question counts anywhere only once it is released, so every
    figure is a sum of releases and no pair of reports shows more than the releases do.
    """
    groups: dict[tuple[int, int, str], list[QuestionFigures]] = defaultdict(list)
    for item in questions:
        question = item.question
        place = question.place if by_place else ""
        groups[(ORDER.index(question.survey), question.position, place)].append(item)
    return [
        SurveyRow(
            survey=ORDER[order],
            position=position,
            question=items[-1].question.question,
            place=place or None,
            figures=combined(item.release for item in items if item.release is not None),
        )
        for (order, position, place), items in sorted(groups.items())
    ]


def row_line(row: SurveyRow, min_group_size: int) -> str:
    """One row as a sentence for chat."""
    where = f" in {row.place}" if row.place else ""
    head = f"{row.survey.capitalize()} {row.position}{where} “{row.question}”"
    if row.figures is None:
        return f"{head}: fewer than {min_group_size} answers, not shown"
    return f"{head}: {row.figures.respondents} answers, {figures_line(row.figures)}"


def to_csv(rows: list[SurveyRow]) -> str:
    """Survey questions as rows, the bands and the average as columns; withheld cells say so."""
    return insights.csv_text(
        ["survey", "question", "text", "channel", *insights.COUNT_HEADERS],
        [
            [
                row.survey,
                row.position,
                row.question,
                row.place or "all",
                *insights.count_cells(row.figures),
            ]
            for row in rows
        ],
    )
