"""Anonymous questions to leadership, batched suggestions, reports, and people's own data."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.features import insights
from bot.handlers import report
from bot.messages import Buttons, File, Image, Reply
from bot.release import Figures, Release, ReleasePolicy, release
from bot.storage.polls import PollFigures, PollRecord
from bot.storage.tables import AskRow, PollAnswerRow, SuggestionRow
from content.loader import LoadedPack
from tests.conftest import Chat, FakePort, FrozenClock, build_core, no_noise


def button_commands(reply: Reply) -> list[str]:
    return [
        b.command for block in reply.blocks if isinstance(block, Buttons) for b in block.buttons
    ]


async def test_an_ask_reaches_facilitators_without_the_asker_and_the_answer_is_posted(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    told = await chat.say("sam", "ask Could we have a quiet room on night shifts?")
    assert "anonymously" in told.plain_text()
    to, note = port.private[-1]
    assert to.user_id == "fran"
    assert "quiet room" in note.plain_text() and "sam" not in note.plain_text()
    forwarded = await chat.say("fran", button_commands(note)[0])
    assert "Sent to 1 leaders" in forwarded.plain_text()
    leader, question = port.private[-1]
    assert leader.user_id == "lou"
    answer = button_commands(question)[0]
    await chat.say("lou", answer, form={"text": "Yes, from next month."})
    target, posted = port.sent[-1]
    assert target.address == chat.channel and not posted.private
    text = posted.plain_text()
    assert "quiet room" in text and "from next month" in text and "sam" not in text


async def test_no_table_holds_who_asked_or_suggested(engine: AsyncEngine) -> None:
    def columns(connection, table: str) -> set[str]:
        return {c["name"] for c in sa_inspect(connection).get_columns(table)}

    async with engine.connect() as connection:
        for table in (AskRow.__tablename__, SuggestionRow.__tablename__):
            names = await connection.run_sync(columns, table)
            assert not names & {"user_id", "author", "respondent", "person", "asker"}


async def test_staff_cannot_forward_or_answer_questions(chat: Chat, port: FakePort) -> None:
    await chat.say("sam", "ask Why so many meetings?")
    assert "only a facilitator or leader" in (await chat.say("sam", "ask forward 1")).plain_text()
    assert "only a facilitator or leader" in (await chat.say("sam", "ask answer 1 no")).plain_text()
    assert port.sent == []


async def test_suggestions_reach_facilitators_only_in_batches_of_the_group_size(
    chat: Chat, port: FakePort
) -> None:
    await chat.say("a", "suggest Protected lunch")
    await chat.say("b", "suggest Fewer emails after 6")
    assert port.private == []
    await chat.say("c", "suggest A peer buddy")
    to, batch = port.private[-1]
    assert to.user_id == "fran"
    assert batch.plain_text().count("•") == 3
    await chat.say("d", "suggest One more")
    assert len(port.private) == 1


async def answer_week(chat: Chat, core: Core, answers: dict[str, int]) -> None:
    await chat.say("fran", "checkin")
    for user, value in answers.items():
        await chat.say(user, f"checkin {value}")
    poll = await core.services.polls.current(chat.tenant, chat.channel)
    assert poll is not None
    await core.services.polls.close(chat.tenant, poll.id, core.services.clock.now())


async def test_a_report_shows_weeks_and_marks_small_ones_suppressed(
    core: Core, chat: Chat, clock
) -> None:
    await answer_week(chat, core, {"a": 4, "b": 2, "c": 5})
    clock.advance(days=7)
    await answer_week(chat, core, {"a": 1, "b": 3})
    rows, size = await report.report_rows(core.services, chat.tenant, None)
    assert size == 3
    assert [row.figures for row in rows] == [Figures(respondents=3, bands=(0, 1, 2)), None]
    table = list(csv.reader(io.StringIO(insights.to_csv(rows))))
    assert table[0] == ["week", "channel", "answered", "low %", "middle %", "high %", "average"]
    assert table[1][2:7] == ["3", "0", "33", "67", "3.83"]
    assert set(table[2][2:]) == {"suppressed"}
    reply = await chat.say("fran", "report")
    assert "fewer than 3 answers, not shown" in reply.plain_text()
    assert not any(isinstance(block, Image) for block in reply.blocks)  # no reports_dir here
    assert "only a facilitator" in (await chat.say("sam", "report")).plain_text()


async def test_a_report_with_every_week_withheld_says_so_and_attaches_no_chart(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], tmp_path: Path
) -> None:
    core = build_core(engine, clock, packs, reports_dir=tmp_path / "reports")
    chat = Chat(core, FakePort())
    await answer_week(chat, core, {"a": 1, "b": 3})
    clock.advance(days=7)
    await answer_week(chat, core, {"a": 0})

    reply = await chat.say("fran", "report")

    text = reply.plain_text()
    assert text.count("fewer than 3 answers, not shown") == 2
    assert "No check-in has reached 3 answers" in text and "nothing can be shown" in text
    assert not any(isinstance(block, Image | File) for block in reply.blocks)
    assert not (tmp_path / "reports").exists()  # no chart was drawn at all


async def test_a_report_attaches_the_chart_once_one_week_is_shown(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], tmp_path: Path
) -> None:
    core = build_core(engine, clock, packs, reports_dir=tmp_path / "reports")
    chat = Chat(core, FakePort())
    await answer_week(chat, core, {"a": 1})
    clock.advance(days=7)
    await answer_week(chat, core, {"a": 4, "b": 2, "c": 5})

    reply = await chat.say("fran", "report here")

    (image,) = [block for block in reply.blocks if isinstance(block, Image)]
    assert Path(image.path).parent == tmp_path / "reports"
    chart = await asyncio.to_thread(Path(image.path).read_bytes)
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    assert "nothing can be shown" not in reply.plain_text()


def test_a_chart_is_never_drawn_from_withheld_weeks_alone() -> None:
    withheld = insights.WeekRow(week=date(2027, 3, 15), place=None, figures=None, withheld_polls=1)
    assert insights.shown_weeks([withheld]) == []
    with pytest.raises(ValueError, match="no chart"):
        insights.to_png([withheld], "Check-ins")


def test_the_trend_chart_is_a_png() -> None:
    rows = [
        insights.WeekRow(
            week=date(2027, 3, 15),
            place=None,
            figures=Figures(respondents=4, bands=(1, 2, 1)),
            withheld_polls=0,
        )
    ]
    assert insights.to_png(rows, "Check-ins").startswith(b"\x89PNG\r\n\x1a\n")


answer_sets = st.lists(
    st.lists(st.integers(min_value=0, max_value=5), max_size=6), min_size=1, max_size=5
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(polls=answer_sets, size=st.integers(min_value=2, max_value=5), channels=st.integers(1, 3))
def test_no_difference_of_two_reports_reveals_a_withheld_poll(polls, size, channels) -> None:
    policy = ReleasePolicy(group_size=size, noise=no_noise)
    released: list[PollFigures] = []
    for index, answers in enumerate(polls):
        counts = tuple(answers.count(v) for v in range(6))
        record = PollRecord(
            id=str(index),
            tenant_id="t",
            place=f"C{index % channels}",
            section=1,
            question="q",
            opened_at=datetime(2027, 3, 15, tzinfo=UTC) + timedelta(days=7 * (index // channels)),
            closed=True,
            message_id=None,
        )
        # A poll is released only once the group size of people acted on it.
        made = release(dict(enumerate(counts)), 1, policy) if len(answers) >= size else None
        released.append(PollFigures(record, made))
    team = insights.weekly_rows(released, by_place=False)
    per_channel = insights.weekly_rows(released, by_place=True)
    # Whatever is shown, per channel or for the team, adds up from releases only.
    shown_team = sum(row.answered for row in team)
    shown_channels = sum(row.answered for row in per_channel)
    made_total = sum(item.release.respondents for item in released if item.release is not None)
    assert shown_team == shown_channels == made_total
    for row in team + per_channel:
        if row.figures is not None:
            assert sum(row.figures.bands) == row.answered >= size


async def test_show_me_lists_what_is_held_and_delete_me_removes_it(
    core: Core, chat: Chat, engine: AsyncEngine
) -> None:
    await chat.say("sam", "checkin 3")
    await chat.say("sam", "scenario 1")
    await chat.say("sam", "reflect thinking of my own mornings")
    shown = (await chat.say("sam", "privacy show-me")).plain_text()
    assert "Check-in and survey answers: 1" in shown and "Reflections: 1" in shown
    confirm = await chat.say("sam", "privacy delete-me")
    assert button_commands(confirm) == ["privacy delete-me confirm"]
    done = await chat.say("sam", "privacy delete-me confirm")
    assert (
        "Deleted 1 check-in and survey answer(s), 1 reflection(s), 0 driver(s)" in done.plain_text()
    )
    async with engine.connect() as connection:
        assert (await connection.execute(select(PollAnswerRow))).all() == []
    poll = await core.services.polls.current(chat.tenant, chat.channel)
    assert poll is not None
    # The live count drops with the raw answer; nothing had been released to change.
    published = await core.services.polls.published(
        chat.tenant, poll.id, core.services.policy(await core.services.team(chat.tenant))
    )
    assert published.respondents == 0 and published.release is None


async def test_retention_deletes_old_raw_answers_and_keeps_the_release(
    core: Core, chat: Chat, clock, engine: AsyncEngine
) -> None:
    for user in ("a", "b", "c"):
        await chat.say(user, "checkin 4")
    clock.advance(days=100)
    await chat.say("d", "checkin 2")
    deleted = await core.services.polls.purge_before(clock.now() - timedelta(days=90))
    assert deleted == 3
    async with engine.connect() as connection:
        assert len((await connection.execute(select(PollAnswerRow))).all()) == 1
    poll = await core.services.polls.get(
        chat.tenant, (await core.services.polls.recent(chat.tenant))[0].id
    )
    assert poll is not None and poll.closed  # retention closed it, so its release is final
    published = await core.services.polls.published(
        chat.tenant, poll.id, core.services.policy(await core.services.team(chat.tenant))
    )
    assert published.release == Release(respondents=3, bands=(0, 0, 3), version=1)


async def test_help_shows_the_loops_commands_by_role(core: Core, chat: Chat) -> None:
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    staff = (await chat.say("sam", "help")).plain_text()
    for command in ("`ask ...`", "`drivers`", "`agreements`", "`survey`", "`privacy show-me`"):
        assert command in staff
    assert "`report`" not in staff and "`drivers answer" not in staff
    facilitator = (await chat.say("fran", "help")).plain_text()
    assert "`report`" in facilitator and "`survey pre|mid|post`" in facilitator
    assert "`drivers answer" not in facilitator
    leader = (await chat.say("lou", "help")).plain_text()
    assert "`drivers answer N this-year|next-year|unlikely`" in leader
    assert "`report`" not in leader
