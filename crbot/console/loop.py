"""The two-way loop in the console: the team's questions (answered with a draft, a preview, then
the post; corrected or deleted afterwards), its suggestion batches and its agreements. The
drivers boards are `boards.py`.

Nothing here shows who asked, suggested, added or starred anything: the stores hold no author,
and the pages show what chat shows (numbers counted within the team, words, counts).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from bot.commands import number
from bot.errors import DeliveryError
from bot.features import asks as asks_view
from bot.features import posted_answers
from bot.messages import Context, Heading, Markdown, Reply, Text
from bot.ports import ChatPort
from bot.services import Services
from bot.storage.asks import Ask
from crbot.console.context import Page, Visitor, read_form
from crbot.console.pages import HEADERS, message, page

log = logging.getLogger(__name__)

Wrap = Callable[[Page], Callable[[web.Request], Awaitable[web.StreamResponse]]]

ASKS_PATH = "/console/asks"
SUGGESTIONS_PATH = "/console/suggestions"
AGREEMENTS_PATH = "/console/agreements"
ITEM = "/{number:[0-9]{1,9}}/{step:answer|edit|preview|post|correct|unpost|forward}"
# What a change says once made, by its fixed name: the address carries the name, never words.
DONE = {
    "answered": "Your answer is posted with the question.",
    "kept": "Your answer is kept for the asker's reply code: the team has no channel I know of.",
    "forwarded": "The question is with the team's leaders.",
    "corrected": "The posted answer now reads as you corrected it.",
    "unposted": "The posted answer is deleted, and the question is back with leaders.",
}
LEADERS_ANSWER = "Leaders answer here; facilitators pass questions to them."
FACILITATORS_ONLY = "Suggestions reach the team's facilitators, as in chat."
NO_PORT = "The bot can't reach this team's chat from here, so nothing was posted."
REFUSED = "The chat platform didn't take the change just now, so nothing changed. Please try again."


def shown(reply: Reply) -> list[tuple[str, str]]:
    """A post as the page previews it: each block's kind and words."""
    found = []
    for block in reply.blocks:
        if isinstance(block, Heading):
            found.append(("heading", block.text))
        elif isinstance(block, Text | Markdown):
            found.append(("text", block.text))
        elif isinstance(block, Context):
            found.append(("context", block.text))
    return found


def confirm(
    visitor: Visitor, title: str, question: str, path: str, label: str, field: str = "again"
) -> web.StreamResponse:
    """The page asking before a change: its button posts `field=yes` back to `path`."""
    return page(
        "confirm.html",
        visitor=visitor,
        title=title,
        question=question,
        path=path,
        fields={field: "yes"},
        label=label,
    )


async def change_in_chat(
    change: Awaitable[object], tenant: str, title: str
) -> web.StreamResponse | None:
    """Make a change that reaches the chat; the page saying so (titled `title`) when the
    platform would not take it, else None."""
    try:
        await change
    except DeliveryError as error:
        log.warning(
            "console change refused by the platform: %s", error.reason, extra={"tenant": tenant}
        )
        return message(title, REFUSED, status=502)
    return None


async def delete_posted(
    visitor: Visitor,
    port: ChatPort | None,
    *,
    sure: bool,
    question: str,
    path: str,
    delete: Callable[[ChatPort], Awaitable[object]],
    done: str,
) -> web.StreamResponse:
    """Taking a posted answer down: first the page asking `question` (its button posts back
    to `path`), then, once the leader is `sure`, `delete` through the team's port and back to
    `done`."""
    if not sure:
        label = posted_answers.DELETE_LABEL
        return confirm(visitor, "Delete the posted answer?", question, path, label, "sure")
    if port is None:
        return message("Nothing was deleted", NO_PORT, status=503)
    failed = await change_in_chat(delete(port), visitor.session.tenant, "Nothing was deleted")
    if failed is not None:
        return failed
    raise web.HTTPSeeOther(done, headers=HEADERS)


class Loop:
    """The handlers behind the loop's pages."""

    def __init__(
        self, services: Services, ports: Mapping[str, ChatPort], session_cookie: str
    ) -> None:
        self.services = services
        self.ports = ports
        self.session_cookie = session_cookie

    def mount(self, app: web.Application, wrap: Wrap) -> None:
        """Add the loop's routes; `wrap` puts each behind the console's session check."""
        app.router.add_get(ASKS_PATH, wrap(self.asks))
        app.router.add_get(ASKS_PATH + ITEM, wrap(self.ask_draft))
        app.router.add_post(ASKS_PATH + ITEM, wrap(self.ask_step))
        app.router.add_get(SUGGESTIONS_PATH, wrap(self.suggestions))
        app.router.add_get(AGREEMENTS_PATH, wrap(self.agreements))

    def _port(self, tenant: str) -> ChatPort | None:
        return self.ports.get(tenant.split(":", 1)[0])

    # Questions

    async def asks(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """Every question of the team, with what the visitor may do to each."""
        found = await self.services.asks.listing(visitor.session.tenant)
        return page(
            "asks.html",
            visitor=visitor,
            title="Questions",
            asks=found,
            done=DONE.get(request.query.get("done", ""), ""),
        )

    async def _ask(self, request: web.Request, visitor: Visitor) -> Ask:
        wanted = number(request.match_info["number"]) or 0
        found = await self.services.asks.get_ask(visitor.session.tenant, wanted)
        if found is None:
            raise web.HTTPNotFound(text="That question isn't here.", headers=HEADERS)
        return found

    async def ask_draft(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """The answer's draft, empty at first."""
        step, ask = request.match_info["step"], await self._ask(request, visitor)
        if step == "edit" and ask.answer_post is not None:
            return await self._draft(visitor, ask, ask.answer or "", editing=True)
        if step != "answer":
            raise web.HTTPSeeOther(ASKS_PATH, headers=HEADERS)
        return await self._draft(visitor, ask, "")

    async def _draft(
        self, visitor: Visitor, ask: Ask, text: str, *, editing: bool = False
    ) -> web.StreamResponse:
        if "leader" not in visitor.roles:
            return message("Only leaders answer questions", LEADERS_ANSWER, status=403)
        where = asks_view.answer_note(ask)
        return page(
            "answer.html",
            visitor=visitor,
            title=f"Correct the answer to {ask.alias}" if editing else f"Answer {ask.alias}",
            ask=ask,
            text=text,
            where="Your correction replaces the posted answer's words in place."
            if editing
            else where,
            editing=editing,
            limit=asks_view.MAX_TEXT,
        )

    async def ask_step(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """Back to the draft, the preview, the post, or a facilitator's forward."""
        ask, step = await self._ask(request, visitor), request.match_info["step"]
        form = await read_form(request) or {}
        if step == "forward":
            return await self._forward(visitor, ask, form)
        if step == "unpost":
            return await self._unpost(visitor, ask, form)
        text = str(form.get("text", "")).strip()
        editing = form.get("mode") == "edit" and ask.answer_post is not None
        if step == "answer":
            return await self._draft(visitor, ask, text, editing=editing)
        if "leader" not in visitor.roles:
            return message("Only leaders answer questions", LEADERS_ANSWER, status=403)
        if not text or len(text) > asks_view.MAX_TEXT:
            words = f"Write an answer of at most {asks_view.MAX_TEXT} characters."
            return message("Nothing was posted", words, status=400)
        tenant = visitor.session.tenant
        if step == "preview":
            address = await asks_view.answer_place(self.services, tenant, ask)
            where = f"It will be posted in {address}." if address else asks_view.answer_note(ask)
            return page(
                "preview.html",
                visitor=visitor,
                title=f"Preview your answer to {ask.alias}",
                post=shown(asks_view.answer_post(ask, text)),
                where="It replaces the posted answer in place." if editing else where,
                again=ask.status == "answered" and not editing,
                fields={"text": text, "mode": "edit"} if editing else {"text": text},
                base=f"{ASKS_PATH}/{ask.number}",
                send="correct" if editing else "post",
                label="Replace the posted answer" if editing else "Post the answer",
            )
        if step == "correct":
            return await self._correct(visitor, ask, text)
        if ask.status == "answered" and form.get("again") != "yes":
            return await self._draft(visitor, ask, text)
        port = self._port(tenant)
        if port is None:
            log.warning("console answer refused: no port", extra={"tenant": tenant})
            return message("Nothing was posted", NO_PORT, status=503)
        await asks_view.post_answer(self.services, port, tenant, ask, text)
        address = await asks_view.answer_place(self.services, tenant, ask)
        log.info("console answer posted", extra={"tenant": tenant, "item": ask.number})
        done = "answered" if address else "kept"
        raise web.HTTPSeeOther(f"{ASKS_PATH}?done={done}", headers=HEADERS)

    async def _correct(self, visitor: Visitor, ask: Ask, text: str) -> web.StreamResponse:
        tenant = visitor.session.tenant
        port = self._port(tenant)
        if port is None:
            return message("Nothing was changed", NO_PORT, status=503)
        if not await asks_view.correct_answer(self.services, port, tenant, ask, text):
            raise web.HTTPSeeOther(ASKS_PATH, headers=HEADERS)
        raise web.HTTPSeeOther(f"{ASKS_PATH}?done=corrected", headers=HEADERS)

    async def _unpost(
        self, visitor: Visitor, ask: Ask, form: Mapping[str, object]
    ) -> web.StreamResponse:
        """Delete the posted answer, once the leader has said yes (`asks_view.unpost_answer`)."""
        if "leader" not in visitor.roles:
            return message("Only leaders answer questions", LEADERS_ANSWER, status=403)
        if ask.answer_post is None:
            raise web.HTTPSeeOther(ASKS_PATH, headers=HEADERS)
        tenant = visitor.session.tenant
        return await delete_posted(
            visitor,
            self._port(tenant),
            sure=form.get("sure") == "yes",
            question=asks_view.unpost_question(ask),
            path=f"{ASKS_PATH}/{ask.number}/unpost",
            delete=lambda port: asks_view.unpost_answer(self.services, port, tenant, ask),
            done=f"{ASKS_PATH}?done=unposted",
        )

    async def _forward(
        self, visitor: Visitor, ask: Ask, form: Mapping[str, object]
    ) -> web.StreamResponse:
        if not visitor.may_change:
            return message("Only facilitators forward questions", LEADERS_ANSWER, status=403)
        if ask.status != "new" and form.get("again") != "yes":
            question = asks_view.forward_again(ask).plain_text().splitlines()[0]
            path = f"{ASKS_PATH}/{ask.number}/forward"
            return confirm(visitor, "Send it again?", question, path, "Send it again")
        tenant = visitor.session.tenant
        port = self._port(tenant)
        if port is None:
            return message("Nothing was sent", NO_PORT, status=503)
        await asks_view.forward(self.services, port, tenant, ask)
        raise web.HTTPSeeOther(f"{ASKS_PATH}?done=forwarded", headers=HEADERS)

    # Suggestions and agreements: read here, changed in chat.

    async def suggestions(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """The released batches, each in its meaningless order; none still waiting."""
        if not visitor.may_change:
            return message("Suggestions are for facilitators", FACILITATORS_ONLY, status=403)
        tenant = visitor.session.tenant
        return page(
            "suggestions.html",
            visitor=visitor,
            title="Suggestions",
            batches=await self.services.asks.released_batches(tenant),
            group_size=(await self.services.team(tenant)).min_group_size,
        )

    async def agreements(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        """Each cohort's agreed list and live proposals, with star counts only."""
        found = await self.services.agreements.listing(visitor.session.tenant)
        places: dict[str, list[object]] = {}
        for agreement in found:
            places.setdefault(agreement.place, []).append(agreement)
        return page("agreements.html", visitor=visitor, title="Agreements", places=places)
