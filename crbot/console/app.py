"""The console's routes on the bot's one web server: sign-in from a chat link, the pages, sign-out.

Every page is rendered on the server; the only script a page could load would come from here
(the Content-Security-Policy allows nothing else), and none is needed yet.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from bot.console.access import CONSOLE_ROLES, csrf_matches, csrf_token
from bot.console.feeds import CalendarFeedStore
from bot.console.programme import ledger_entries, programme
from bot.console.signin import SIGNIN_PATH
from bot.console.summary import figures_of, filename, summary_of, summary_pdf
from bot.console.trend import trend
from bot.features.insights import nothing_shown_line, weekly_rows
from bot.ports import ChatPort
from bot.services import Services
from crbot.console.actions import Actions, notice_of
from crbot.console.boards import Boards
from crbot.console.calendar import FEED_PATH, Feeds
from crbot.console.context import ConsoleServices, Page, Visitor, read_form
from crbot.console.loop import Loop
from crbot.console.pages import HEADERS, SETTINGS_PATH, STATIC, message, page
from crbot.console.posting import POST_PATH, PostNow
from crbot.console.settings import ROLE_CHANGES, SETTINGS_CHANGES, Settings
from crbot.console.term_calendar import TeamCalendarPage
from crbot.web import Mount

log = logging.getLogger(__name__)

SESSION_COOKIE = "crbot_console"
# Set by the sign-in page and checked when its form comes back: another site cannot sign a
# browser in to someone else's session, since it can neither read nor set this cookie.
SIGNIN_COOKIE = "crbot_console_signin"
PREFIX = "/console"
SUMMARY_PATH = PREFIX + "/summary.pdf"
# The tokens the bot hands out are 43 URL-safe characters; anything else is not one.
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
FEEDS_PATH = PREFIX + "/feeds/{rollout:[0-9a-f]{1,36}}"
CHANGE_PATH = PREFIX + "/programme/{rollout:[0-9a-f]{1,36}}/{action:[a-z]{1,10}}"


def console_mount(
    services: Services, public_url: str, ports: Mapping[str, ChatPort] | None = None
) -> Mount:
    """The console's routes, for `crbot.web.build_app`; `ports` (by platform) post what
    leaders answer from the console and what a facilitator posts now."""
    secure = public_url.startswith("https://")
    loop = Loop(services, ports or {}, SESSION_COOKIE)
    boards = Boards(services, ports or {})
    actions = Actions(services, SESSION_COOKIE)
    posting = PostNow(services, ports or {}, SESSION_COOKIE)
    feeds = Feeds(services, public_url, SESSION_COOKIE)
    settings = Settings(services, ports or {})
    calendar = TeamCalendarPage(services)
    handlers = _Handlers(services, secure, feeds.feeds)

    def mount(app: web.Application) -> None:
        app.router.add_get(SIGNIN_PATH, handlers.signin_page)
        app.router.add_post(SIGNIN_PATH, handlers.signin)
        app.router.add_get(f"{PREFIX}/", handlers.signed_in(handlers.programme))
        app.router.add_get(PREFIX, handlers.to_console)
        app.router.add_post(f"{PREFIX}/signout", handlers.signed_in(handlers.signout))
        app.router.add_get(f"{PREFIX}/trend", handlers.signed_in(handlers.trend))
        app.router.add_get(SUMMARY_PATH, handlers.signed_in(handlers.summary))
        app.router.add_get(SETTINGS_PATH, handlers.signed_in(settings.show))
        app.router.add_post(
            SETTINGS_PATH + "/{which:" + SETTINGS_CHANGES + "}",
            handlers.signed_in(settings.change),
        )
        app.router.add_post(
            SETTINGS_PATH + "/{which:holidays|term-calendar|post-anyway|avoid-again}",
            handlers.signed_in(calendar.change),
        )
        app.router.add_post(SETTINGS_PATH + ROLE_CHANGES, handlers.signed_in(settings.change_role))
        app.router.add_post(FEEDS_PATH + "/start", handlers.signed_in(feeds.start))
        app.router.add_post(FEEDS_PATH + "/stop", handlers.signed_in(feeds.stop))
        app.router.add_get(FEED_PATH, feeds.serve)
        app.router.add_get(CHANGE_PATH, handlers.signed_in(actions.confirm))
        app.router.add_post(CHANGE_PATH, handlers.signed_in(actions.change))
        loop.mount(app, handlers.signed_in)
        boards.mount(app, handlers.signed_in)
        app.router.add_get(POST_PATH, handlers.signed_in(posting.confirm))
        app.router.add_post(POST_PATH, handlers.signed_in(posting.post))
        app.router.add_static(f"{PREFIX}/static", STATIC)

    return mount


class _Handlers:
    def __init__(self, services: ConsoleServices, secure: bool, feeds: CalendarFeedStore) -> None:
        self.services = services
        self.secure = secure
        self.feeds = feeds

    def _cookie(self, response: web.StreamResponse, name: str, value: str, age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=age,
            path=PREFIX,
            httponly=True,
            secure=self.secure,
            samesite="Lax",
        )

    async def to_console(self, _: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{PREFIX}/", headers=HEADERS)

    async def signin_page(self, request: web.Request) -> web.StreamResponse:
        """The link's landing page: a button, so that a link preview fetching it spends nothing."""
        token = request.query.get("token", "")
        if not TOKEN.fullmatch(token):
            return message("This link isn't complete", NEW_LINK, status=400)
        check = secrets.token_urlsafe(16)
        response = page("signin.html", token=token, check=check)
        self._cookie(response, SIGNIN_COOKIE, check, 600)
        return response

    async def signin(self, request: web.Request) -> web.StreamResponse:
        form = await read_form(request)
        if form is None:
            return message("Please open your link again", NEW_LINK, status=400)
        token, check = str(form.get("token", "")), str(form.get("check", ""))
        cookie = request.cookies.get(SIGNIN_COOKIE, "")
        if not cookie or not secrets.compare_digest(cookie.encode(), check.encode()):
            log.info("console sign-in refused: form not from the sign-in page")
            return message("Please open your link again", NEW_LINK, status=400)
        known = TOKEN.fullmatch(token) is not None
        opened = (
            await self.services.console.redeem(token, self.services.clock.now()) if known else None
        )
        if opened is None:
            log.info("console sign-in refused: link used, expired or unknown")
            return message("This link has been used or has expired", NEW_LINK, status=400)
        session_token, session = opened
        log.info("console signed in", extra={"tenant": session.tenant})
        response = web.HTTPSeeOther(f"{PREFIX}/", headers=HEADERS)
        age = int((session.expires_at - self.services.clock.now()).total_seconds())
        self._cookie(response, SESSION_COOKIE, session_token, age)
        response.del_cookie(SIGNIN_COOKIE, path=PREFIX)
        # aiohttp wants a redirect raised; it keeps the cookies set on it.
        raise response

    def signed_in(self, handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """The page for a signed-in facilitator or leader; anyone else is told how to sign in.
        A form must carry its session's token."""

        async def checked(request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(SESSION_COOKIE, "")
            services = self.services
            session = await services.console.session(token, services.clock.now()) if token else None
            if session is None:
                return message("Please sign in", SIGN_IN, status=401)
            roles = await services.roles_of(session.tenant, session.user_id)
            if not roles & CONSOLE_ROLES:
                log.info("console refused: no role any more", extra={"tenant": session.tenant})
                return message("The console is for facilitators and leaders", NO_ROLE, status=403)
            if request.method == "POST":
                if (request.content_length or 0) > request.client_max_size:
                    log.info("console form refused: too large", extra={"tenant": session.tenant})
                    return message("That is too large to send", TOO_LARGE, status=413)
                form = await read_form(request)
                if form is None or not csrf_matches(token, str(form.get("csrf", ""))):
                    log.info(
                        "console form refused: bad form token", extra={"tenant": session.tenant}
                    )
                    return message("Please try that again", RELOAD, status=403)
            return await handler(request, Visitor(session, roles, csrf_token(token)))

        return checked

    async def programme(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        services, tenant = self.services, visitor.session.tenant
        pack = services.pack_of(await services.team(tenant)).pack
        now = services.clock.now()
        store = services.rollouts.store
        shown = []
        for rollout in await store.listing(tenant):
            if rollout.status not in ("active", "paused"):
                continue
            ledger = await ledger_entries(store.sessions, tenant, rollout.id)
            posts = await services.rollouts.posts(rollout, pack)
            closed = await services.rollouts.closed_days(tenant, rollout.circles)
            shown.append(programme(rollout, posts, ledger, pack, now, closed))
        token = request.cookies.get(SESSION_COOKIE, "")
        return page(
            "programme.html",
            visitor=visitor,
            programmes=shown,
            pack_title=pack.info.title,
            notice=notice_of(request.query, token),
            feeds=await self.feeds.running(tenant, [each.rollout_id for each in shown]),
        )

    async def trend(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """How it is going: the figures `report` gives facilitators, drawn, from releases only."""
        if not visitor.may_change:
            return message("How it is going is for facilitators", FACILITATORS_ONLY, status=403)
        services, tenant = self.services, visitor.session.tenant
        team = await services.team(tenant)
        rows = weekly_rows(await services.polls.releases(tenant), by_place=False)
        return page(
            "trend.html",
            visitor=visitor,
            trend=trend(rows, team.min_group_size),
            answered=bool(rows),
            nothing_shown=nothing_shown_line(team.min_group_size),
            group_size=team.min_group_size,
        )

    async def summary(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """The printable leadership summary; its figures only for facilitators, as the page's."""
        services, tenant = self.services, visitor.session.tenant
        team = await services.team(tenant)
        figures = None
        if visitor.may_change:
            rows = weekly_rows(await services.polls.releases(tenant), by_place=False)
            figures = await asyncio.to_thread(figures_of, rows, team.min_group_size)
        pack = services.pack_of(team).pack
        today = services.clock.now().date()
        made = summary_of(pack, team.current_section, today, figures)
        body = await asyncio.to_thread(summary_pdf, made)
        log.info("console summary printed", extra={"tenant": tenant})
        return web.Response(
            body=body,
            content_type="application/pdf",
            headers={
                **HEADERS,
                "Content-Disposition": f'inline; filename="{filename(made)}"',
            },
        )

    async def signout(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        await self.services.console.end(request.cookies.get(SESSION_COOKIE, ""))
        log.info("console signed out", extra={"tenant": visitor.session.tenant})
        response = message("You have signed out", SIGNED_OUT, status=200)
        response.del_cookie(SESSION_COOKIE, path=PREFIX)
        return response


NEW_LINK = "Type `console` to the bot in chat, and it will send you a new link."
SIGN_IN = "To open the console, type `console` to the bot in chat: it sends you a link."
NO_ROLE = (
    "You no longer facilitate or lead in this team, so the console is closed to you. "
    "An administrator can change that."
)
FACILITATORS_ONLY = (
    "The team's check-in figures are for its facilitators, as in chat's `report`; "
    "the programme is open to you."
)
TOO_LARGE = "A term calendar is a few kilobytes: check that you chose the right file."
RELOAD = "That form had gone stale. Go back, reload the page and try again."
SIGNED_OUT = "You have signed out of the console. Type `console` in chat to come back."
