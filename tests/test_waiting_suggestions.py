"""A suggestion batch released while the team has no facilitator is kept and reaches the first
facilitator who uses the bot, once; the person who completed it is told nothing different."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.messages import Reply
from bot.storage.tables import SuggestionRow
from content.loader import LoadedPack
from tests.conftest import Chat, FakePort, FrozenClock, build_core
from tests.test_waiting_asks import delivered_after_upgrade

RELEASED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def three_people_suggest(chat: Chat) -> list[Reply]:
    """Three people write, which completes a batch at group size 3; what each is told."""
    return [await chat.say(user, f"suggest Idea from {user}") for user in ("sam", "kim", "lou")]


def batches_to(port: FakePort, user: str) -> list[str]:
    """The suggestion batches sent privately to `user`, as plain text."""
    return [
        reply.plain_text()
        for person, reply in port.private
        if person.user_id == user and "suggestions from the team" in reply.summary
    ]


async def test_a_batch_released_with_no_facilitator_reaches_the_first_one_named_once(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], port: FakePort
) -> None:
    chat = Chat(build_core(engine, clock, packs, role_bootstrap={}), port)

    told = await three_people_suggest(chat)
    assert port.private == []
    await chat.core.services.team_settings.grant(chat.tenant, "fran", "facilitator")
    await chat.say("fran", "help")
    await chat.say("fran", "asks")

    assert len({reply.plain_text() for reply in told}) == 1
    sent = batches_to(port, "fran")
    assert len(sent) == 1
    assert all(f"Idea from {user}" in sent[0] for user in ("sam", "kim", "lou"))


async def test_a_batch_released_with_a_facilitator_arrives_at_once_and_never_again(
    chat: Chat, port: FakePort
) -> None:
    told = await three_people_suggest(chat)
    assert len(batches_to(port, "fran")) == 1

    await chat.say("fran", "help")
    await chat.say("fran", "asks")

    assert len(batches_to(port, "fran")) == 1
    assert len({reply.plain_text() for reply in told}) == 1


async def test_older_batches_count_as_delivered_where_a_facilitator_is_stored(
    database_url: str,
) -> None:
    rows = [
        suggestion_at_0012(1, "t:read", RELEASED),
        suggestion_at_0012(2, "t:alone", RELEASED),
        suggestion_at_0012(3, "t:read", None),
    ]

    delivered = await delivered_after_upgrade(database_url, "0012", SuggestionRow, rows)

    assert delivered == {1: True, 2: False, 3: False}


def suggestion_at_0012(row_id: int, tenant: str, released: datetime | None) -> dict[str, object]:
    """A suggestions row as revision 0012 stored it."""
    return {
        "id": row_id,
        "tenant_id": tenant,
        "place": "",
        "text": "A quiet room",
        "created_at": RELEASED,
        "released_at": released,
        "author_token": None,
    }
