"""Pre, mid and post programme surveys: fixed question sets from the pack, posted as polls by the
rollout, answered under pseudonyms, and reported like check-ins."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.render import render as slack_render
from adapters.teams.render import card as teams_card
from bot.core import Core
from bot.features import surveys
from bot.messages import Poll, Reply
from bot.rollouts import posts
from bot.rollouts.plan import Circle, parse_local
from bot.storage.tables import PollAnswerRow
from content.loader import PACKS_DIR, ContentError, load_pack
from content.models import Pack
from tests.conftest import Chat, FakePort

COUNT_LINE = re.compile(r"^\d+ (people have|person has) answered\.")


def polls(reply: Reply) -> list[Poll]:
    return [block for block in reply.blocks if isinstance(block, Poll)]


@pytest.mark.parametrize("key", ["healthcare", "schools"])
def test_each_pack_has_short_pre_mid_and_post_surveys_on_a_0_to_5_scale(packs, key: str) -> None:
    pack: Pack = packs[key].pack
    assert pack.surveys is not None and len(pack.surveys.scale) == 6
    pre, post = pack.surveys.pre, pack.surveys.post
    for survey in (pre, pack.surveys.mid, post):
        assert 3 <= len(survey.questions) <= 5
    # The post survey repeats the pre survey's questions, so the two can be compared.
    assert [q.text for q in pre.questions] == [q.text for q in post.questions[: len(pre.questions)]]
    assert any(q.adapted for q in pre.questions)


def copy_of_healthcare(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(PACKS_DIR / "healthcare", folder, ignore=shutil.ignore_patterns("*.png"))
    return folder


def test_a_survey_with_six_questions_names_file_field_and_line(tmp_path: Path) -> None:
    folder = copy_of_healthcare(tmp_path)
    pack_file = folder / "pack.yaml"
    text = pack_file.read_text()
    marker = "  mid:\n"
    two_more = "      - text: A fifth question.\n      - text: One question too many.\n"
    pack_file.write_text(text.replace(marker, two_more + marker, 1))
    with pytest.raises(ContentError) as raised:
        load_pack(folder, check_visuals=False)
    questions_key = text.index("    questions:\n", text.index("  pre:\n"))
    line = text[:questions_key].count("\n") + 1
    assert str(raised.value) == (
        f"{pack_file}:{line}: surveys.pre.questions: List should have at most 5 items after "
        "validation, not 6"
    )


def test_a_survey_asking_the_same_question_twice_is_refused(tmp_path: Path) -> None:
    folder = copy_of_healthcare(tmp_path)
    pack_file = folder / "pack.yaml"
    text = pack_file.read_text()
    twice = "      - text: Our circles are a good use of my time.\n"
    pack_file.write_text(text.replace(twice, twice + twice, 1))
    with pytest.raises(ContentError, match=r"surveys\.mid: Value error, each question"):
        load_pack(folder, check_visuals=False)


async def deliver_survey(core: Core, chat: Chat, port: FakePort, which: str = "pre") -> Reply:
    rollout_id = await core.services.rollouts.create(
        tenant=chat.tenant,
        address=chat.channel,
        timezone="Europe/London",
        circles=[Circle(1, parse_local("2027-03-23T09:00"))],
        pack=core.services.packs["healthcare"].pack,
    )
    rollout = await core.services.rollouts.store.get(chat.tenant, rollout_id)
    assert rollout is not None
    kind = f"survey-{which}"
    due = posts.Due("k", chat.tenant, rollout_id, kind, 1, date(2027, 3, 20), chat.channel)
    message_id = await posts.deliver(core.services, port, rollout, due)
    target, posted = port.sent[-1]
    assert target.address == chat.channel and message_id == f"m{len(port.sent)}"
    return posted


async def test_the_scheduled_survey_posts_each_question_as_an_answerable_poll(
    core: Core, chat: Chat, port: FakePort, engine: AsyncEngine
) -> None:
    posted = await deliver_survey(core, chat, port)
    questions = polls(posted)
    assert posted.summary == "A short survey" and not posted.private
    assert questions[0].question == (
        "1. I can recognize the signs of compassion fatigue in myself."
    )
    assert len(questions) == 4 and all(len(p.options) == 6 for p in questions)
    assert questions[1].options[5].label == "5 · Completely"
    assert "Answer with `survey 1 0` to `survey 1 5`." in posted.plain_text()

    for user in ("a", "b"):
        await chat.say(user, questions[1].options[4].command)
    thanks = await chat.say("c", questions[1].options[2].command)
    assert "your answer is in" in thanks.plain_text()
    assert port.private == []  # a low survey answer is about the programme: no follow-up
    _, updated = port.updated[-1]
    lines = [p.count_line for p in polls(updated)]
    assert lines[0] == "0 people have answered. Figures appear once 3 people have answered."
    assert lines[1] == (
        "3 people have answered. At 3: low (0-1) 0% · middle (2-3) 33% · high (4-5) 67% "
        "· average about 3.8."
    )
    async with engine.connect() as connection:
        respondents = (await connection.scalars(select(PollAnswerRow.respondent))).all()
    assert len(respondents) == 3 and not {"a", "b", "c"} & set(respondents)


async def test_each_question_shows_its_count_once_and_the_privacy_note_comes_once_below(
    core: Core, chat: Chat, port: FakePort
) -> None:
    posted = await deliver_survey(core, chat, port)
    for user in ("a", "b"):
        await chat.say(user, polls(posted)[0].options[3].command)
    _, updated = port.updated[-1]
    questions = polls(updated)
    note = surveys.privacy_note(3)

    assert all(question.privacy_line is None for question in questions)
    text = updated.plain_text()
    assert text.count(note) == 1 and text.rstrip().endswith(note)
    assert "Counts appear at" not in text
    count_lines = [line for line in text.splitlines() if COUNT_LINE.match(line)]
    assert count_lines == [question.count_line for question in questions]
    assert all(q.fallback().splitlines()[-1] == q.count_line for q in questions)
    # Below the group size the count says how many answered, never what they answered.
    assert questions[0].count_line == (
        "2 people have answered. Figures appear once 3 people have answered."
    )
    assert "%" not in text

    slack_blocks = [b for m in slack_render(updated).messages for b in m.blocks]
    contexts = [e["text"] for b in slack_blocks if b["type"] == "context" for e in b["elements"]]
    assert contexts == [q.count_line for q in questions] + [note]
    teams_texts = [i["text"] for i in teams_card(updated)["body"] if i["type"] == "TextBlock"]
    assert teams_texts.count(note) == 1 and "Counts appear at" not in " ".join(teams_texts)


async def test_answers_are_typed_by_question_number_and_change_on_a_second_answer(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await deliver_survey(core, chat, port, "mid")
    await chat.say("sam", "survey 2 1")
    await chat.say("sam", "survey 2 5")
    shown = await chat.say("sam", "survey")
    assert shown.private and "1 person has answered" in polls(shown)[1].count_line
    assert "from 0 to 5" in (await chat.say("sam", "survey 2 9")).plain_text()
    assert "couldn't find" in (await chat.say("sam", "survey 7 1")).plain_text()


async def test_a_facilitator_posts_a_survey_now_and_staff_cannot(
    chat: Chat, port: FakePort
) -> None:
    assert "No survey has been posted here yet" in (await chat.say("sam", "survey")).plain_text()
    assert "only a facilitator" in (await chat.say("sam", "survey post")).plain_text()
    done = await chat.say("fran", "survey post")
    assert "Posted the post-programme survey here" in done.plain_text()
    assert len(polls(port.sent[-1][1])) == 5


async def test_a_pack_without_surveys_keeps_the_reminder(
    core: Core, chat: Chat, port: FakePort
) -> None:
    bare = core.services.packs["healthcare"].pack.model_copy(update={"surveys": None})
    assert await surveys.post(core.services, port, chat.tenant, bare, chat.channel, "pre") is None
    assert port.sent == []


async def test_the_report_shows_survey_questions_only_at_the_group_size(
    core: Core, chat: Chat, port: FakePort
) -> None:
    posted = await deliver_survey(core, chat, port)
    first, second = polls(posted)[:2]
    for user, value in (("a", 4), ("b", 2), ("c", 5)):
        await chat.say(user, first.options[value].command)
    for user in ("a", "b"):
        await chat.say(user, second.options[1].command)
    report = (await chat.say("fran", "report")).plain_text()
    assert "PROGRAMME SURVEYS ACROSS THE TEAM" in report
    assert "Pre 1 “I can recognize the signs of compassion fatigue in myself.”: 3 answers" in report
    assert "3 answers, low (0-1) 0% · middle (2-3) 33% · high (4-5) 67% · average about 3.8" in (
        report
    )
    assert "Pre 2 “I have practices" in report and "fewer than 3 answers, not shown" in report
    assert "low (0-1) 100%" not in report


async def test_delete_me_removes_survey_answers_too(
    core: Core, chat: Chat, port: FakePort, engine: AsyncEngine
) -> None:
    posted = await deliver_survey(core, chat, port)
    await chat.say("sam", polls(posted)[0].options[3].command)
    await chat.say("sam", "survey 2 4")
    done = await chat.say("sam", "privacy delete-me confirm")
    assert "Deleted 2 check-in and survey answer(s)" in done.plain_text()
    async with engine.connect() as connection:
        assert (await connection.execute(select(PollAnswerRow))).all() == []
