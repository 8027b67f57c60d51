"""Section 4's drivers board: anonymous drivers, sorted by who can change them, answered by
leaders, with the answers and progress reported back to the cohort's channel; a posted answer
is replaced in place or deleted, each after the leader confirms."""

from __future__ import annotations

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Buttons, Reply
from bot.storage.tables import DriverRow
from tests.conftest import Chat, FakePort


def buttons(reply: Reply) -> dict[str, str]:
    return {
        b.label: b.command
        for block in reply.blocks
        if isinstance(block, Buttons)
        for b in block.buttons
    }


async def test_a_driver_is_added_anonymously_and_sorted_by_its_author(
    chat: Chat, engine: AsyncEngine
) -> None:
    added = await chat.say("sam", "drivers add Short staffing on weekends")
    assert "Added anonymously as #1" in added.plain_text()
    assert buttons(added) == {
        "I can control": "drivers sort 1 mine",
        "Leadership can control": "drivers sort 1 leadership",
        "Cannot control": "drivers sort 1 cannot",
    }
    refused = await chat.say("kim", "drivers sort 1 mine")
    assert "Only the person who added a driver" in refused.plain_text()
    moved = await chat.say("sam", buttons(added)["Leadership can control"])
    assert "Moved #1 to “Leadership can control”" in moved.plain_text()
    board = (await chat.say("kim", "drivers")).plain_text()
    assert "*Leadership can control*\n• #1 Short staffing on weekends" in board
    assert "sam" not in board
    async with engine.connect() as connection:
        (row,) = (await connection.execute(select(DriverRow))).all()
    assert "sam" not in repr(row)
    assert chat.core.services.pseudonyms.of(chat.tenant, "sam") not in repr(row)


async def test_no_driver_column_names_a_person(engine: AsyncEngine) -> None:
    def columns(connection) -> set[str]:
        return {c["name"] for c in sa_inspect(connection).get_columns(DriverRow.__tablename__)}

    async with engine.connect() as connection:
        names = await connection.run_sync(columns)
    assert not names & {"user_id", "author", "respondent", "person", "pseudonym"}


async def test_the_add_form_files_a_driver_straight_under_its_category(chat: Chat) -> None:
    board = await chat.say("sam", "drivers")
    assert "Nothing on the board yet" in board.plain_text()
    add = buttons(board)["Add a driver"]
    form = {"text": "Charting after hours", "control": "I can control"}
    reply = await chat.say("sam", add, form=form)
    assert "under “I can control”" in reply.plain_text()
    assert (
        "*I can control*\n• #1 Charting after hours"
        in (await chat.say("sam", "drivers")).plain_text()
    )


async def test_a_leaders_answer_is_posted_to_the_channel_and_unlikely_moves_to_cannot(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    await chat.say("sam", "drivers add Parking costs")
    await chat.say("sam", "drivers sort 1 leadership")
    await chat.say("ana", "drivers add Rota published late")
    await chat.say("ana", "drivers sort 2 leadership")
    board = await chat.say("lou", "drivers")
    assert {"Answer #1", "Answer #2"} <= set(buttons(board))
    assert "Sort #1" not in buttons(board)  # leaders do not sort staff's drivers

    assert (
        "only a facilitator or leader"
        in (await chat.say("sam", "drivers answer 1 unlikely")).plain_text()
    )
    done = await chat.say(
        "lou", "drivers answer 1", form={"answer": "Not likely to change in two years"}
    )
    assert "moved it to “cannot control”" in done.plain_text()
    target, posted = port.sent[-1]
    assert target.address == chat.channel and not posted.private
    assert "Parking costs" in posted.plain_text() and "cannot control" in posted.plain_text()

    await chat.say("lou", "drivers answer 2 this-year")
    after = await chat.say("kim", "drivers")
    text = after.plain_text()
    assert "*Cannot control*\n• #1 Parking costs · leadership: not likely to change" in text
    assert "#2 Rota published late · leadership: exploring this year" in text
    assert buttons(after) == {"Add a driver": "drivers add"}  # staff: nothing else to press


async def test_leaders_post_progress_on_what_they_are_exploring(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    await chat.say("sam", "drivers add Rota published late")
    await chat.say("fran", "drivers sort 1 leadership")  # facilitators sort any driver
    await chat.say("lou", "drivers answer 1 next-year")
    board = await chat.say("lou", "drivers")
    progress = buttons(board)["Progress on #1"]
    before = len(port.sent)
    preview = await chat.say(
        "lou", progress, form={"text": "The rota now goes out six weeks ahead."}
    )
    assert len(port.sent) == before and "six weeks ahead" in preview.plain_text()
    assert "latest progress" not in (await chat.say("sam", "drivers")).plain_text()
    await chat.press("lou", preview, "Post it")
    _, posted = port.sent[-1]
    assert "six weeks ahead" in posted.plain_text() and "Rota published late" in posted.plain_text()
    typed = await chat.say("lou", "drivers progress 1 And swaps are open to everyone.")
    posted_now = await chat.press("lou", typed, "Post it")
    assert "Posted your progress on #1 in #circle" in posted_now.plain_text()
    assert (
        "latest progress: And swaps are open to everyone."
        in (await chat.say("sam", "drivers")).plain_text()
    )
    refused = await chat.say("sam", "drivers progress 1 done")
    assert "only a facilitator or leader" in refused.plain_text()


async def an_answered_driver(core: Core, chat: Chat) -> Reply:
    """Driver #1 on the leadership list, answered "this year" by the leader lou."""
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    await chat.say("sam", "drivers add Rota published late")
    await chat.say("sam", "drivers sort 1 leadership")
    return await chat.say("lou", "drivers answer 1 this-year")


async def test_a_second_answer_on_a_driver_asks_first_then_replaces_the_posted_one_in_place(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await an_answered_driver(core, chat)
    ((_, first),) = port.sent
    change = buttons(await chat.say("lou", "drivers"))["Change the answer on #1"]

    asked = await chat.say("lou", change, form={"answer": "Exploring next year"})

    text = asked.plain_text()
    assert "#1 has an answer already, “Exploring this year”" in text
    assert "Replace the posted answer with “Exploring next year”?" in text
    assert buttons(asked) == {
        "Replace the posted answer": "drivers answer 1 next-year replace",
        "Delete the posted answer": "drivers unpost 1",
    }
    assert port.updated == [] and len(port.sent) == 1
    done = await chat.say("lou", "drivers answer 1 next-year replace")
    assert "now reads “Exploring next year”" in done.plain_text()
    ((ref, replaced),) = port.updated
    assert (ref.address, ref.message_id) == (chat.channel, "m1") and len(port.sent) == 1
    assert "Exploring next year." in replaced.plain_text()
    assert "Exploring this year." in first.plain_text()
    driver = await core.services.drivers.get(chat.tenant, 1)
    assert driver is not None and driver.answer == "next-year" and driver.answer_post == ref
    same = await chat.say("lou", "drivers answer 1 next-year")
    assert "is “Exploring next year” already" in same.plain_text() and len(port.updated) == 1


async def test_replacing_with_unlikely_moves_the_driver_and_says_so(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await an_answered_driver(core, chat)

    done = await chat.say("lou", "drivers answer 1 unlikely replace")

    assert "moved it to “cannot control”" in done.plain_text()
    driver = await core.services.drivers.get(chat.tenant, 1)
    assert driver is not None and (driver.answer, driver.category) == ("unlikely", "cannot")


async def test_deleting_a_drivers_posted_answer_asks_first_and_leaves_it_unanswered(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await an_answered_driver(core, chat)
    await chat.say("lou", "drivers answer 1 unlikely replace")

    asked = await chat.say("lou", "drivers unpost 1")

    assert "Delete leadership's answer on #1 from the channel?" in asked.plain_text()
    assert buttons(asked) == {"Delete the posted answer": "drivers unpost 1 yes"}
    assert port.deleted == []
    refused = await chat.say("sam", "drivers unpost 1 yes")
    assert "only a facilitator or leader" in refused.plain_text() and port.deleted == []
    done = await chat.say("lou", "drivers unpost 1 yes")
    assert "deleted from the channel" in done.plain_text()
    (deleted,) = port.deleted
    assert (deleted.address, deleted.message_id) == (chat.channel, "m1")
    driver = await core.services.drivers.get(chat.tenant, 1)
    assert driver is not None
    assert (driver.answer, driver.category, driver.answer_post) == (None, "leadership", None)
    assert "Answer #1" in buttons(await chat.say("lou", "drivers"))
    again = await chat.say("lou", "drivers unpost 1 yes")
    assert "no posted answer to delete" in again.plain_text() and len(port.deleted) == 1


async def test_an_answer_posted_before_messages_were_kept_is_followed_by_a_new_post(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    await chat.say("sam", "drivers add Rota published late")
    await chat.say("sam", "drivers sort 1 leadership")
    await core.services.drivers.answer(chat.tenant, 1, "this-year", core.services.clock.now())

    asked = await chat.say("lou", "drivers answer 1 next-year")

    assert "Post “Exploring next year” to the team as a new answer?" in asked.plain_text()
    assert buttons(asked) == {"Post the new answer": "drivers answer 1 next-year replace"}
    assert "no posted answer" in (await chat.say("lou", "drivers unpost 1")).plain_text()
    await chat.say("lou", "drivers answer 1 next-year replace")
    assert port.updated == [] and len(port.sent) == 1
    driver = await core.services.drivers.get(chat.tenant, 1)
    assert driver is not None and driver.answer_post is not None


async def test_boards_belong_to_their_channel_and_tenant(core: Core, port: FakePort) -> None:
    ward = Chat(core, port, channel="#ward-7")
    other = Chat(core, port, channel="#ward-8")
    elsewhere = Chat(core, port, tenant="test:other", channel="#ward-7")
    await ward.say("sam", "drivers add Noise at the nurses' station")
    assert "Noise" not in (await other.say("sam", "drivers")).plain_text()
    assert "Noise" not in (await elsewhere.say("sam", "drivers")).plain_text()
    assert "no driver #1" in (await elsewhere.say("fran", "drivers sort 1 mine")).plain_text()


async def test_bad_driver_commands_get_kind_replies(chat: Chat) -> None:
    assert "for example `drivers add" in (await chat.say("sam", "drivers add")).plain_text()
    assert "by its number" in (await chat.say("sam", "drivers sort x mine")).plain_text()
    assert "no driver #9" in (await chat.say("sam", "drivers sort 9 mine")).plain_text()
    assert "a little long" in (await chat.say("sam", "drivers add " + "x" * 400)).plain_text()
    await chat.say("sam", "drivers add Too many emails")
    asked = await chat.say("sam", "drivers sort 1 sideways")
    assert "Who can change #1?" in asked.plain_text()


async def test_show_me_counts_and_delete_me_removes_only_your_drivers(
    chat: Chat, engine: AsyncEngine
) -> None:
    await chat.say("sam", "drivers add Mine to delete")
    await chat.say("kim", "drivers add Kim's stays")
    shown = (await chat.say("sam", "privacy show-me")).plain_text()
    assert "Drivers you added to a board: 1" in shown
    done = await chat.say("sam", "privacy delete-me confirm")
    assert "1 driver(s) you added" in done.plain_text()
    async with engine.connect() as connection:
        texts = (await connection.scalars(select(DriverRow.text))).all()
    assert texts == ["Kim's stays"]
