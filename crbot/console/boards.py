"""The drivers boards in the console: every cohort's board, sorted as chat sorts it, and
leadership's answers on it, posted after a preview, then replaced in place or deleted, each
after the leader has seen what it will do.

As on the loop's other pages, nothing here shows who added a driver: the store keeps no author.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web

from bot.commands import number
from bot.features import drivers as drivers_view
from bot.ports import ChatPort
from bot.services import Services
from bot.storage.drivers import Driver
from crbot.console.context import Visitor, read_form
from crbot.console.loop import (
    LEADERS_ANSWER,
    NO_PORT,
    Wrap,
    change_in_chat,
    delete_posted,
    shown,
)
from crbot.console.pages import HEADERS, message, page

log = logging.getLogger(__name__)

DRIVERS_PATH = "/console/drivers"
ITEM = "/{number:[0-9]{1,9}}/{step:preview|post|correct|unpost}"
# What a change says once made, by its fixed name: the address carries the name, never words.
DONE = {
    "driver": "Your answer is posted to the cohort's channel.",
    "corrected": "The posted answer now reads as you changed it.",
    "unposted": "The posted answer is deleted; the driver is back on the leadership list.",
}
CHOOSE = "Choose one of the answers for a driver on the leadership list."


class Boards:
    """The handlers behind the drivers page; `ports` by platform."""

    def __init__(self, services: Services, ports: Mapping[str, ChatPort]) -> None:
        self.services = services
        self.ports = ports

    def mount(self, app: web.Application, wrap: Wrap) -> None:
        """Add the page's routes; `wrap` puts each behind the console's session check."""
        app.router.add_get(DRIVERS_PATH, wrap(self.drivers))
        app.router.add_post(DRIVERS_PATH + ITEM, wrap(self.driver_step))

    def _port(self, tenant: str) -> ChatPort | None:
        return self.ports.get(tenant.split(":", 1)[0])

    async def drivers(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """Every cohort's board, sorted as chat sorts it; leaders answer from here."""
        found = await self.services.drivers.every_board(visitor.session.tenant)
        boards: dict[str, list[Driver]] = {}
        for driver in found:
            boards.setdefault(driver.place, []).append(driver)
        groups = [*drivers_view.CATEGORIES.items(), ("unsorted", drivers_view.UNSORTED)]
        return page(
            "drivers.html",
            visitor=visitor,
            title="Drivers boards",
            boards=boards,
            groups=groups,
            answers=drivers_view.ANSWERS,
            done=DONE.get(request.query.get("done", ""), ""),
        )

    async def driver_step(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """A leader's answer on a driver: the preview, then the post; on one whose answer was
        posted, the preview of the change, then the change in place; or the deletion."""
        tenant, step = visitor.session.tenant, request.match_info["step"]
        if "leader" not in visitor.roles:
            return message("Only leaders answer drivers", LEADERS_ANSWER, status=403)
        driver = await self.services.drivers.get(tenant, number(request.match_info["number"]) or 0)
        if driver is None:
            raise web.HTTPNotFound(text="That driver isn't here.", headers=HEADERS)
        form = await read_form(request) or {}
        if step == "unpost":
            return await self._unpost(visitor, driver, form.get("sure") == "yes")
        answer = drivers_view.answer_of(str(form.get("answer", "")))
        # An answered driver may have moved to "cannot control" (an "unlikely" answer).
        answerable = driver.category == "leadership" or driver.answer is not None
        if answer is None or not answerable:
            return message("Nothing was posted", CHOOSE, status=400)
        # Once its answer's message is kept, a new answer replaces it rather than adding one.
        replacing = driver.answer_post is not None
        if step == "preview":
            return page(
                "preview.html",
                visitor=visitor,
                title=f"Preview your answer on driver #{driver.number}",
                post=shown(drivers_view.answer_post(driver, answer)),
                where="It replaces the posted answer in place."
                if replacing
                else f"It will be posted in {driver.place}.",
                again=driver.answer is not None and not replacing,
                fields={"answer": answer},
                base=f"{DRIVERS_PATH}/{driver.number}",
                send="correct" if replacing else "post",
                label="Replace the posted answer" if replacing else "Post the answer",
            )
        if step == "correct" and replacing:
            return await self._change(visitor, driver, answer, correct=True)
        if step != "post" or (driver.answer is not None and form.get("again") != "yes"):
            raise web.HTTPSeeOther(DRIVERS_PATH, headers=HEADERS)
        return await self._change(visitor, driver, answer, correct=False)

    async def _change(
        self, visitor: Visitor, driver: Driver, answer: str, *, correct: bool
    ) -> web.StreamResponse:
        tenant = visitor.session.tenant
        port = self._port(tenant)
        if port is None:
            return message("Nothing was posted", NO_PORT, status=503)
        services = self.services
        if correct:
            change = drivers_view.correct_answer(services, port, tenant, driver, answer)
        else:
            change = drivers_view.post_answer(services, port, tenant, driver, answer)
        failed = await change_in_chat(change, tenant, "Nothing was posted")
        if failed is not None:
            return failed
        done = "corrected" if correct else "driver"
        raise web.HTTPSeeOther(f"{DRIVERS_PATH}?done={done}", headers=HEADERS)

    async def _unpost(self, visitor: Visitor, driver: Driver, sure: bool) -> web.StreamResponse:
        if driver.answer_post is None:
            raise web.HTTPSeeOther(DRIVERS_PATH, headers=HEADERS)
        tenant = visitor.session.tenant
        return await delete_posted(
            visitor,
            self._port(tenant),
            sure=sure,
            question=drivers_view.unpost_question(driver),
            path=f"{DRIVERS_PATH}/{driver.number}/unpost",
            delete=lambda port: drivers_view.unpost_answer(self.services, port, tenant, driver),
            done=f"{DRIVERS_PATH}?done=unposted",
        )
