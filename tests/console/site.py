"""The console served over real HTTP on 127.0.0.1, with a team channel whose bot sends the links."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Link, Reply
from content.loader import LoadedPack
from crbot.console.app import console_mount
from crbot.web import AccessLog, access_log, build_app
from tests.conftest import Chat, FakePort, FrozenClock, build_core

ROLES = {"fran": "facilitator", "lee": "leader"}
# The names chat gives them; anyone else's lookup fails, and the console shows their id.
NAMES = {"fran": "Fran Okafor", "lee": "Lee Chen", "kim": "Kim Park"}
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@dataclass
class ConsoleSite:
    """The running console: where it is, the core behind it, and a channel to ask for links."""

    url: str
    core: Core
    chat: Chat

    async def link(self, user: str = "fran") -> str:
        """The link the bot sends `user` when they type `console`."""
        return link_of(await self.chat.say(user, "console"))


def link_of(reply: Reply) -> str:
    """The one link in a reply."""
    (link,) = [block for block in reply.blocks if isinstance(block, Link)]
    return link.url


def hidden_fields(page: str) -> dict[str, str]:
    """A page's hidden form fields, as the browser would send them back."""
    return dict(HIDDEN.findall(page))


def page_words(page: str) -> str:
    """A page's words, as read: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def plan_two_sections(site: ConsoleSite) -> None:
    """Sections 1 and 2 planned from chat, on Tuesdays 23 March and 20 April 2027."""
    await site.chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    await site.chat.say("fran", "schedule 2 2027-04-20 09:00 Europe/London")


@dataclass
class Form:
    """A form on a page: where it posts, and the fields it would send as it stands."""

    action: str
    fields: dict[str, str]
    button: str = ""


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[Form] = []
        self._open: Form | None = None
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {name: value or "" for name, value in attrs}
        if tag == "form" and given.get("method") == "post":
            self._open = Form(given.get("action", ""), {})
        elif tag == "input" and self._open is not None and "name" in given:
            self._open.fields[given["name"]] = given.get("value", "")
        elif tag == "button" and self._open is not None:
            self._in_button = True

    def handle_data(self, data: str) -> None:
        if self._in_button and self._open is not None:
            self._open.button += data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False
        elif tag == "form" and self._open is not None:
            self.found.append(self._open)
            self._open = None


def forms(page: str) -> list[Form]:
    """Every form on a page that posts."""
    parser = _Forms()
    parser.feed(page)
    return parser.found


def form(page: str, button: str) -> Form:
    """The one form whose button says `button`."""
    (found,) = [each for each in forms(page) if each.button == button]
    return found


@asynccontextmanager
async def console_site(
    engine: AsyncEngine,
    clock: FrozenClock,
    packs: dict[str, LoadedPack],
    *,
    scheme: str = "http",
    **options: Any,
) -> AsyncIterator[ConsoleSite]:
    """The console on a port of its own; links point at it (as `scheme`, for cookie checks)."""
    # The socket is bound first, so the links can name its port before the server starts.
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    public = url.replace("http", scheme, 1)
    core = build_core(engine, clock, packs, public_url=public, role_bootstrap=ROLES, **options)
    # The team's chat, where links are sent and posts made now appear.
    chat = FakePort(names=NAMES)
    # The bot's own access log, as `crbot.web.serve` sets it up: paths, never query strings.
    runner = web.AppRunner(
        build_app(engine, [console_mount(core.services, public, {"test": chat})]),
        access_log_class=AccessLog,
        access_log=access_log,
    )
    await runner.setup()
    await web.SockSite(runner, listening).start()
    try:
        yield ConsoleSite(url, core, Chat(core, chat))
    finally:
        await runner.cleanup()


def local(link: str, site: ConsoleSite) -> str:
    """A link as this machine reaches it (an https link is served over plain HTTP here)."""
    parts = urlsplit(link)
    return f"{site.url}{parts.path}?{parts.query}"


async def sign_in(client: aiohttp.ClientSession, site: ConsoleSite, link: str) -> str:
    """Open the link and press its button, as a person would; returns the page reached."""
    async with client.get(local(link, site)) as landing:
        assert landing.status == 200
        fields = hidden_fields(await landing.text())
    async with client.post(f"{site.url}/console/signin", data=fields) as signed_in:
        assert signed_in.status == 200, await signed_in.text()
        assert signed_in.url.path == "/console/"
        return await signed_in.text()


async def settings_page(client: aiohttp.ClientSession, site: ConsoleSite) -> str:
    """The settings page as the signed-in client sees it."""
    async with client.get(f"{site.url}/console/settings") as shown:
        assert shown.status == 200
        return await shown.text()


def browser_client() -> aiohttp.ClientSession:
    """A client that keeps cookies from 127.0.0.1 (aiohttp refuses IP hosts' cookies by default)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
