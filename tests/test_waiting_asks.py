"""A question asked while the team has no facilitator is kept, the asker is told plainly that
nobody can read it yet, and it reaches the first facilitator who uses the bot, once."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import DeliveryError
from bot.messages import Buttons, MessageRef, Person, Reply
from bot.storage.engine import create_engine, migrate
from bot.storage.tables import AskRow, RoleRow, SuggestionRow
from content.loader import LoadedPack, load_packs
from tests.commandline import crbot, local_environment
from tests.conftest import Chat, FakePort, FrozenClock, build_core

CODE = re.compile(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")
ASKED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def no_facilitator(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], port: FakePort
) -> Chat:
    """A team channel in an installation that names no facilitator."""
    return Chat(build_core(engine, clock, packs, role_bootstrap={}), port)


async def ask_for_a_quiet_room(chat: Chat) -> Reply:
    """Sam asks a question; what Sam is told."""
    return await chat.say("sam", "ask Could we have a quiet room on nights?")


def questions_to(port: FakePort, user: str) -> list[str]:
    """The questions sent privately to `user`, by their forward buttons."""
    return [
        button.command
        for person, reply in port.private
        if person.user_id == user
        for block in reply.blocks
        if isinstance(block, Buttons)
        for button in block.buttons
        if button.command.startswith("ask forward")
    ]


async def test_an_ask_with_no_facilitator_tells_the_asker_nobody_can_read_it_yet(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], port: FakePort
) -> None:
    chat = no_facilitator(engine, clock, packs, port)

    told = await ask_for_a_quiet_room(chat)

    text = told.plain_text()
    assert "nobody can read it yet" in text
    assert "as soon as one is named" in text
    assert "Sent" not in told.summary and CODE.search(text)
    assert port.private == []


async def test_a_waiting_ask_reaches_a_facilitator_granted_later_on_their_next_command(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], port: FakePort
) -> None:
    chat = no_facilitator(engine, clock, packs, port)
    await ask_for_a_quiet_room(chat)
    await chat.say("kim", "ask Who covers breaks?")
    await chat.say("fran", "help")
    assert port.private == []  # not a facilitator yet

    await chat.core.services.team_settings.grant(chat.tenant, "fran", "facilitator")
    await chat.say("fran", "help")
    await chat.say("fran", "prompt")

    assert questions_to(port, "fran") == ["ask forward 1", "ask forward 2"]
    texts = [reply.plain_text() for _, reply in port.private]
    assert "quiet room" in texts[0] and "sam" not in texts[0] and "breaks" in texts[1]


async def test_a_waiting_ask_reaches_a_facilitator_given_in_configuration(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], port: FakePort
) -> None:
    before = no_facilitator(engine, clock, packs, port)
    await ask_for_a_quiet_room(before)
    # The installation restarts with CRBOT_FACILITATORS=test:team:fran.
    after = build_core(engine, clock, packs, role_bootstrap={"test:team:fran": "facilitator"})

    await Chat(after, port).say("fran", "drivers")

    assert questions_to(port, "fran") == ["ask forward 1"]


async def test_an_ask_sent_at_once_is_never_sent_again(chat: Chat, port: FakePort) -> None:
    told = await ask_for_a_quiet_room(chat)
    assert told.summary == "Sent, anonymously"
    assert "nobody can read it" not in told.plain_text()

    await chat.say("fran", "help")
    await chat.say("fran", "asks")

    assert questions_to(port, "fran") == ["ask forward 1"]


async def test_two_facilitator_requests_at_once_deliver_a_waiting_ask_once(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], port: FakePort
) -> None:
    chat = no_facilitator(engine, clock, packs, port)
    await ask_for_a_quiet_room(chat)
    await chat.core.services.team_settings.grant(chat.tenant, "fran", "facilitator")
    await chat.core.services.team_settings.grant(chat.tenant, "flo", "facilitator")

    await asyncio.gather(chat.say("fran", "help"), chat.say("flo", "help"))

    assert sorted(person.user_id for person, _ in port.private) == ["flo", "fran"]


class Unreachable(FakePort):
    """A port that cannot reach anyone privately until told it can."""

    reachable: bool = False

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        if not self.reachable:
            raise DeliveryError("not_in_channel", permanent=True)
        return await super().send_private(person, reply)


async def test_an_ask_no_facilitator_could_be_reached_for_waits_for_their_next_command(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack]
) -> None:
    port = Unreachable()
    chat = Chat(build_core(engine, clock, packs), port)

    told = await ask_for_a_quiet_room(chat)
    assert "nobody has read it yet" in told.plain_text()
    port.reachable = True
    await chat.say("fran", "help")
    await chat.say("fran", "help")

    assert questions_to(port, "fran") == ["ask forward 1"]


async def test_the_reply_code_says_a_waiting_question_has_no_reader_yet(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], port: FakePort
) -> None:
    chat = no_facilitator(engine, clock, packs, port)
    told = await ask_for_a_quiet_room(chat)
    code = CODE.findall(told.plain_text())[0]

    status = await chat.say("sam", f"ask check {code}")

    assert "No facilitator has read it yet" in status.plain_text()
    await chat.core.services.team_settings.grant(chat.tenant, "fran", "facilitator")
    await chat.say("fran", "help")
    later = await chat.say("sam", f"ask check {code}")
    assert "Facilitators have it" in later.plain_text()


async def test_older_questions_count_as_delivered_where_someone_surely_read_them(
    database_url: str,
) -> None:
    rows = [
        ask_at_0010(1, "t:read", "new"),
        ask_at_0010(2, "t:alone", "forwarded"),
        ask_at_0010(3, "t:alone", "new"),
    ]

    delivered = await delivered_after_upgrade(database_url, "0010", AskRow, rows)

    assert delivered == {1: True, 2: True, 3: False}


async def delivered_after_upgrade(
    database_url: str,
    revision: str,
    table: type[AskRow] | type[SuggestionRow],
    rows: list[dict[str, object]],
) -> dict[int, bool]:
    """Which of `rows`, stored at `revision` where "t:read" has a facilitator, count as
    delivered once migrated to the newest revision (which is then undone again)."""
    engine = create_engine(database_url)
    try:
        await migrate(engine, revision)
        async with engine.begin() as connection:
            await connection.execute(
                insert(RoleRow), [{"tenant_id": "t:read", "user_id": "fran", "role": "facilitator"}]
            )
            await connection.execute(insert(table), rows)

        await migrate(engine)

        async with engine.connect() as connection:
            found = dict((await connection.execute(select(table.id, table.delivered_at))).all())
        await migrate(engine, revision, down=True)
    finally:
        await engine.dispose()
    return {key: value is not None for key, value in found.items()}


def ask_at_0010(ask_id: int, tenant: str, status: str) -> dict[str, object]:
    """An asks row as revision 0010 stored it."""
    return {
        "id": ask_id,
        "tenant_id": tenant,
        "place": "#circle",
        "alias": f"Question #{ask_id}",
        "text": "A question",
        "status": status,
        "created_at": ASKED,
    }


def test_granting_a_facilitator_on_the_command_line_says_questions_wait_for_them(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'crbot.db'}"

    async def ask_with_nobody_to_read_it() -> None:
        engine = create_engine(url)
        await migrate(engine)
        core = build_core(engine, FrozenClock(ASKED), load_packs(), role_bootstrap={})
        await Chat(core, FakePort(), tenant="shell:ward").say("sam", "ask Who covers breaks?")
        await engine.dispose()

    asyncio.run(ask_with_nobody_to_read_it())
    environment = local_environment(tmp_path) | {"DATABASE_URL": url}

    granted = crbot(environment, "roles", "grant", "--team", "shell:ward", "fran", "facilitator")

    assert granted.returncode == 0, granted.stderr
    assert "1 question(s) asked while nobody could read them go to fran" in granted.stdout
