"""Privacy properties of the drivers board, culture agreements and survey reports, over random
people, answers, group sizes and pairs of reports."""

from __future__ import annotations

import re
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import Core
from bot.features.surveys import survey_rows
from bot.messages import Reply
from bot.storage.surveys import QuestionTotals, SurveyQuestion
from tests.conftest import Chat, FakePort

PEOPLE = ["sam", "kim", "ana", "lou", "fran", "bo"]
relaxed = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def number_in(reply: Reply) -> int:
    """The item number a reply names (`#12`)."""
    found = re.search(r"#(\d+)", reply.plain_text())
    assert found is not None
    return int(found.group(1))


def identities(core: Core, tenant: str, people: list[str]) -> set[str]:
    """Every way a person could be named: their id and their pseudonym."""
    return {*people, *(core.pseudonyms.of(tenant, person) for person in people)}


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
    await core.teams.grant(chat.tenant, "lou", "leader")
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


@settings(max_examples=80, deadline=None)
@given(posted=question_sets, size=st.integers(min_value=2, max_value=6))
def test_no_pair_of_survey_reports_reveals_a_withheld_question(posted, size: int) -> None:
    totals = []
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
        counts = tuple(answers.count(v) for v in range(6))
        totals.append(QuestionTotals(question, len(answers), counts))
    team = survey_rows(totals, size, by_place=False)
    channels = survey_rows(totals, size, by_place=True)
    one_channel = survey_rows([t for t in totals if t.question.place == "C0"], size, True)
    publishable = [t for t in totals if t.total >= size]
    # Every figure anywhere is a sum of publishable questions, so any two reports (the team's,
    # every channel's, one channel's) differ only by publishable questions.
    assert sum(r.answered for r in team) == sum(r.answered for r in channels)
    assert sum(r.answered for r in team) == sum(t.total for t in publishable)
    assert sum(r.answered for r in one_channel) == sum(
        t.total for t in publishable if t.question.place == "C0"
    )
    for row in team + channels + one_channel:
        if row.counts is None:
            assert row.answered == 0
        else:
            assert sum(row.counts) == row.answered >= size
    for team_row in team:
        same = [
            r
            for r in channels
            if (r.survey, r.position) == (team_row.survey, team_row.position) and r.counts
        ]
        if team_row.counts is not None:
            summed = tuple(sum(r.counts[v] for r in same if r.counts) for v in range(6))
            assert summed == team_row.counts
        else:
            assert same == []
