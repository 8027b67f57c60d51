"""Signing in to the console from chat: a private one-time link, and the session it opens."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.console.access import ConsoleSessionStore, csrf_matches, csrf_token, digest
from bot.console.signin import SIGNIN_PATH
from bot.core import Core
from bot.messages import Link, Reply
from bot.settings import ConfigError, load_settings
from bot.storage.console_tables import ConsoleLinkRow, ConsoleSessionRow
from bot.storage.engine import sessions
from content.loader import LoadedPack
from tests.conftest import Chat, FakePort, FrozenClock, build_core

PUBLIC_URL = "https://crbot.example.org"


@pytest.fixture
def console_core(engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack]) -> Core:
    """A core whose console is reached at PUBLIC_URL, with a facilitator and a leader."""
    roles = {"fran": "facilitator", "lee": "leader"}
    return build_core(engine, clock, packs, public_url=PUBLIC_URL, role_bootstrap=roles)


@pytest.fixture
def console_chat(console_core: Core, port: FakePort) -> Chat:
    """The team's channel, on the console core."""
    return Chat(console_core, port)


def link_token(reply: Reply) -> str:
    """The token in the one link a reply carries, checking where the link points."""
    links = [block for block in reply.blocks if isinstance(block, Link)]
    assert len(links) == 1
    parts = urlsplit(links[0].url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == PUBLIC_URL + SIGNIN_PATH
    return parse_qs(parts.query)["token"][0]


async def test_a_facilitator_typing_console_gets_a_private_link_that_opens_one_session(
    console_chat: Chat, console_core: Core, clock: FrozenClock
) -> None:
    reply = await console_chat.say("fran", "console")
    assert reply.private and not reply.shareable
    assert "works once" in reply.plain_text()
    token = link_token(reply)
    opened = await console_core.services.console.redeem(token, clock.now())
    assert opened is not None
    session_token, session = opened
    assert (session.tenant, session.user_id) == (console_chat.tenant, "fran")
    assert await console_core.services.console.session(session_token, clock.now()) == session
    assert await console_core.services.console.redeem(token, clock.now()) is None


async def test_a_leader_gets_a_link_too_and_each_request_gets_a_new_one(
    console_chat: Chat,
) -> None:
    first = link_token(await console_chat.say("lee", "console"))
    second = link_token(await console_chat.say("lee", "console"))
    assert first != second


async def test_staff_are_told_kindly_who_the_console_is_for_and_no_link_is_made(
    console_chat: Chat, engine: AsyncEngine
) -> None:
    reply = await console_chat.say("sam", "console")
    assert "facilitators and leaders" in reply.plain_text()
    assert not [block for block in reply.blocks if isinstance(block, Link)]
    async with sessions(engine)() as session:
        assert (await session.scalars(select(ConsoleLinkRow))).all() == []


async def test_without_a_public_address_the_console_says_it_is_off_and_how_to_switch_it_on(
    chat: Chat,
) -> None:
    reply = await chat.say("fran", "console")
    assert "CRBOT_PUBLIC_URL" in reply.plain_text()
    assert not [block for block in reply.blocks if isinstance(block, Link)]


async def test_a_link_is_worth_nothing_after_ten_minutes(
    console_chat: Chat, console_core: Core, clock: FrozenClock
) -> None:
    token = link_token(await console_chat.say("fran", "console"))
    clock.advance(minutes=10)
    assert await console_core.services.console.redeem(token, clock.now()) is None


async def test_a_session_expires_and_signing_out_ends_it_at_once(
    console_chat: Chat, console_core: Core, clock: FrozenClock
) -> None:
    access = console_core.services.console
    opened = await access.redeem(link_token(await console_chat.say("fran", "console")), clock.now())
    assert opened is not None
    clock.advance(hours=7, minutes=59)
    assert await access.session(opened[0], clock.now()) is not None
    clock.advance(minutes=1)
    assert await access.session(opened[0], clock.now()) is None
    again = await access.redeem(link_token(await console_chat.say("fran", "console")), clock.now())
    assert again is not None
    await access.end(again[0])
    assert await access.session(again[0], clock.now()) is None


async def test_the_database_holds_only_digests_of_links_and_sessions(
    console_chat: Chat, console_core: Core, clock: FrozenClock, engine: AsyncEngine
) -> None:
    token = link_token(await console_chat.say("fran", "console"))
    opened = await console_core.services.console.redeem(token, clock.now())
    assert opened is not None
    async with sessions(engine)() as session:
        links = (await session.scalars(select(ConsoleLinkRow))).all()
        signed_in = (await session.scalars(select(ConsoleSessionRow))).all()
    stored = [str(value) for row in (*links, *signed_in) for value in vars(row).values()]
    assert not any(token in value or opened[0] in value for value in stored)
    assert [row.digest for row in links] == [digest(token)]
    assert [row.digest for row in signed_in] == [digest(opened[0])]


async def test_two_replicas_racing_with_one_link_open_exactly_one_session(
    console_chat: Chat, engine: AsyncEngine, clock: FrozenClock
) -> None:
    token = link_token(await console_chat.say("fran", "console"))
    replicas = [ConsoleSessionStore(sessions(engine)) for _ in range(2)]
    results = await asyncio.gather(*(replica.redeem(token, clock.now()) for replica in replicas))
    assert sum(result is not None for result in results) == 1


async def test_expired_links_and_sessions_are_swept_when_a_new_link_is_made(
    console_chat: Chat, console_core: Core, clock: FrozenClock, engine: AsyncEngine
) -> None:
    await console_core.services.console.redeem(
        link_token(await console_chat.say("fran", "console")), clock.now()
    )
    await console_chat.say("fran", "console")
    clock.advance(hours=9)
    await console_chat.say("lee", "console")
    async with sessions(engine)() as session:
        assert (await session.scalars(select(ConsoleSessionRow))).all() == []
        assert [row.user_id for row in (await session.scalars(select(ConsoleLinkRow))).all()] == [
            "lee"
        ]


def test_a_form_token_belongs_to_its_session_only() -> None:
    assert csrf_matches("session-a", csrf_token("session-a"))
    assert not csrf_matches("session-b", csrf_token("session-a"))
    assert not csrf_matches("session-a", "")
    assert not csrf_matches("session-a", "ünïcode")


async def test_help_offers_the_console_to_facilitators_and_leaders_only(
    console_chat: Chat,
) -> None:
    assert "`console`" in (await console_chat.say("fran", "help")).plain_text()
    assert "`console`" in (await console_chat.say("lee", "help")).plain_text()
    assert "`console`" not in (await console_chat.say("sam", "help")).plain_text()


def test_the_public_address_loses_a_trailing_slash_and_must_be_a_web_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRBOT_PUBLIC_URL", "https://crbot.example.org/")
    assert load_settings().public_url == "https://crbot.example.org"
    for bad in ("crbot.example.org", "ftp://crbot.example.org", "https://", "https://x/?a=1"):
        monkeypatch.setenv("CRBOT_PUBLIC_URL", bad)
        with pytest.raises(ConfigError, match=r"^CRBOT_PUBLIC_URL: "):
            load_settings()
