"""Privacy properties of the drivers board, culture agreements and survey reports, over random
people, answers, group sizes and pairs of reports."""

from __future__ import annotations

import re
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import Core
from bot.features.surveys import SurveyRow, survey_rows
from bot.messages import Reply
from bot.release import ReleasePolicy, release
from bot.storage.surveys import QuestionFigures, SurveyQuestion
from tests.conftest import Chat, FakePort, no_noise

PEOPLE = ["sam", "kim", "ana", "lou", "fran", "bo"]
relaxed = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def number_in(reply: Reply) -> int:
    """The item number a reply names (`#12`)."""
    found = re.search(r"#(\d+)", reply.plain_text())
    assert found is not None
    return int(found.group(1))


def identities(core: Core, tenant: str, people: list[str]) -> set[str]:
    """Every way a person could be named: their id and their pseudonym."""
    return {*people, *(core.services.pseudonyms.of(tenant, person) for person in people)}


@relaxed
@given(
    authors=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=6),
    places=st.lists(st.sampled_from(["mine", "leadership", "cannot"]), min_size=6, max_size=6),
    viewer=st.sampled_from(PEOPLE),
)
async def test_no_board_reply_or_post_names_who_added_a_driver(
    core: Core, authors: list[str], places: list[str], viewer: str
) -> None:
    port = FakePort()
    chat = Chat(core, port, tenant=f"test:{uuid.uuid4()}")
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    seen = []
    for number, (author, where) in enumerate(zip(authors, places, strict=False), start=1):
        added = await chat.say(author, f"drivers add Driver {number} from the team")
        driver = number_in(added)
        sorted_ = await chat.say(author, f"drivers sort {driver} {where}")
        assert "Moved" in sorted_.plain_text()
        seen += [added, sorted_]
        if where == "leadership":
            seen.append(await chat.say("lou", f"drivers answer {driver} unlikely"))
    seen.append(await chat.say(viewer, "drivers"))
    seen += [reply for _, reply in port.sent]
    names = identities(core, chat.tenant, PEOPLE)
    for reply in seen:
        words = set(reply.plain_text().replace("#", " ").split())
        assert not words & names
    board = seen[-len(port.sent) - 1].plain_text()
    assert board.count("Driver ") == len(authors)


@relaxed
@given(stars=st.lists(st.sampled_from(PEOPLE), max_size=12))
async def test_agreement_stars_show_only_counts_once_per_person(
    core: Core, stars: list[str]
) -> None:
    chat = Chat(core, FakePort(), tenant=f"test:{uuid.uuid4()}")
    proposal = number_in(await chat.say("sam", "agreements propose We assume good intent"))
    for person in stars:
        await chat.say(person, f"agreements star {proposal}")
    listing = (await chat.say("kim", "agreements")).plain_text()
    assert f"· ★ {len(set(stars))}" in listing
    assert not set(listing.split()) & identities(core, chat.tenant, PEOPLE)


question_sets = st.lists(
    st.tuples(
        st.sampled_from(["pre", "mid", "post"]),
        st.integers(min_value=1, max_value=4),
        st.integers(min_value=0, max_value=2),  # channel
        st.lists(st.integers(min_value=0, max_value=5), max_size=7),
    ),
    min_size=1,
    max_size=12,
)


def answered(row: SurveyRow) -> int:
    """How many answers a row's figures stand for."""
    return row.figures.respondents if row.figures else 0


@settings(max_examples=80, deadline=None)
@given(posted=question_sets, size=st.integers(min_value=2, max_value=6))
def test_no_pair_of_survey_reports_reveals_a_withheld_question(posted, size: int) -> None:
    policy = ReleasePolicy(group_size=size, noise=no_noise)
    questions = []
    for index, (survey, position, channel, answers) in enumerate(posted):
        question = SurveyQuestion(
            id=str(index),
            place=f"C{channel}",
            round_id=f"r{index}",
            survey=survey,
            position=position,
            question=f"Question {position}",
            message_id=None,
        )
        counts = dict(enumerate(answers.count(v) for v in range(6)))
        # A question is released only once the group size of people acted on it.
        made = release(counts, 1, policy) if len(answers) >= size else None
        questions.append(QuestionFigures(question, made))
    team = survey_rows(questions, by_place=False)
    channels = survey_rows(questions, by_place=True)
    one_channel = survey_rows([q for q in questions if q.question.place == "C0"], True)
    released = [q.release for q in questions if q.release is not None]
    in_c0 = [q.release for q in questions if q.release and q.question.place == "C0"]
    # Every figure anywhere is a sum of releases, so any two reports (the team's, every
    # channel's, one channel's) differ only by released questions.
    assert sum(map(answered, team)) == sum(map(answered, channels))
    assert sum(map(answered, team)) == sum(r.respondents for r in released)
    assert sum(map(answered, one_channel)) == sum(r.respondents for r in in_c0)
    for row in team + channels + one_channel:
        if row.figures is not None:
            assert sum(row.figures.bands) == row.figures.respondents >= size
    for team_row in team:
        same = [
            r.figures
            for r in channels
            if (r.survey, r.position) == (team_row.survey, team_row.position) and r.figures
        ]
        if team_row.figures is not None:
            summed = tuple(sum(f.bands[band] for f in same) for band in range(3))
            assert summed == team_row.figures.bands
        else:
            assert same == []
