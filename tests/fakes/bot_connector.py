"""A loopback fake of the Bot Connector service Teams bots post to, plus activities shaped as
Teams sends them (their `serviceUrl` points at the fake, so the bot's replies come back here).

It records every call, and answers with an error on demand (429 with Retry-After, 403, 404...).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TENANT = "8f2c1d3e-0000-4000-8000-00000000c0de"
TEAM = "19:team-general@thread.tacv2"
CHANNEL = "19:team-general@thread.tacv2"
BOT = {"id": "28:crbot-app-id", "name": "crbot"}

Json = dict[str, Any]


@dataclass
class Call:
    """One request the bot made: what kind, in which conversation, with which body."""

    kind: str  # send, reply, update, delete, create
    conversation: str
    activity_id: str | None
    body: Json

    @property
    def card(self) -> Json:
        """The Adaptive Card the activity carried (empty when it carried none)."""
        activity = self.body.get("activity") or {} if self.kind == "create" else self.body
        attachments = activity.get("attachments") or [{}]
        return dict(attachments[0].get("content") or {})

    def texts(self) -> list[str]:
        """Every text in the card, in order (inputs' labels and buttons' titles included)."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key in ("text", "title", "label"):
                    if isinstance(node.get(key), str):
                        found.append(node[key])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.card)
        return found


@dataclass
class Failure:
    """An error to answer with instead of success."""

    status: int
    code: str
    retry_after: str | None = None
    delay: float = 0.0  # seconds before answering


@dataclass
class FakeBotConnector:
    """The fake service; `url` is what activities carry as their serviceUrl."""

    calls: list[Call] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    url: str = ""
    # conversation id -> member ids, for the paged members Teams lists
    members: dict[str, list[str]] = field(default_factory=dict)
    # name -> (bytes, Content-Range) of files put at the upload URLs Teams hands out
    uploads: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Set on stop: requests still hanging are answered then, so stopping never waits them out.
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    # Each HTTP connection a call came in on (kept, so none is collected and counted anew).
    _connections: set[asyncio.BaseTransport] = field(default_factory=set)

    @property
    def connections(self) -> int:
        """How many HTTP connections the bot's calls arrived on."""
        return len(self._connections)

    def fail_next(
        self, status: int, code: str, *, retry_after: str | None = None, times: int = 1
    ) -> None:
        """Answer the next `times` requests with this error."""
        self.failures.extend(Failure(status, code, retry_after) for _ in range(times))

    def hang_next(self, seconds: float, *, times: int = 1) -> None:
        """Leave the next `times` requests unanswered for `seconds`, then answer 504 (a gateway
        timing out): they never reach Teams, so nothing is posted."""
        self.failures.extend(Failure(504, "GatewayTimeout", delay=seconds) for _ in range(times))

    def of_kind(self, *kinds: str) -> list[Call]:
        """The calls of these kinds, in order."""
        return [call for call in self.calls if call.kind in kinds]

    def new_threads(self) -> list[Call]:
        """The new channel threads the bot started."""
        return [call for call in self.of_kind("create") if "messageid=" in call.conversation]

    async def start(self) -> FakeBotConnector:
        """Serve on 127.0.0.1, on a free port."""
        app = web.Application(middlewares=[self._arrived])
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_delete(
            "/v3/conversations/{conversation}/activities/{activity}", self._delete
        )
        app.router.add_get("/v3/conversations/{conversation}/pagedmembers", self._paged_members)
        app.router.add_put("/onedrive/{name}", self._upload)  # stands in for the person's OneDrive
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        """Stop serving."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _arrived(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.transport is not None:
            self._connections.add(request.transport)
        return await handler(request)

    async def _answer(self, call: Call, success: Json) -> web.Response:
        # The bot's turn finishes before Teams gets its HTTP answer, so a test can read `calls`
        # as soon as its own request returns: nothing here needs waiting for.
        failure = self.failures.pop(0) if self.failures else None
        if failure is None:
            self.calls.append(call)
        else:
            if failure.delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), failure.delay)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            error = {"error": {"code": failure.code, "message": "refused by the fake"}}
            return web.json_response(error, status=failure.status, headers=headers)
        status = 200 if call.kind in ("update", "delete", "members") else 201
        return web.json_response(success, status=status)

    async def _send(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        reply_to = request.match_info.get("activity")
        call = Call("reply" if reply_to else "send", conversation, reply_to, await request.json())
        return await self._answer(call, {"id": f"activity-{next(self._ids)}"})

    async def _update(self, request: web.Request) -> web.Response:
        activity = request.match_info["activity"]
        call = Call("update", request.match_info["conversation"], activity, await request.json())
        return await self._answer(call, {"id": activity})

    async def _delete(self, request: web.Request) -> web.Response:
        activity = request.match_info["activity"]
        call = Call("delete", request.match_info["conversation"], activity, {})
        return await self._answer(call, {})

    def upload_url(self, name: str) -> str:
        """Where Teams would let the bot put a file the person accepted."""
        return f"{self.url}onedrive/{name}"

    async def _upload(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.uploads[name] = (await request.read(), request.headers.get("Content-Range", ""))
        return web.json_response({"id": name}, status=201)

    async def _paged_members(self, request: web.Request) -> web.Response:
        everyone = self.members.get(request.match_info["conversation"], [])
        start = int(request.query.get("continuationToken") or 0)
        size = int(request.query.get("pageSize") or 100)
        page = [{"id": member, "name": member.upper()} for member in everyone[start : start + size]]
        token = str(start + size) if start + size < len(everyone) else None
        call = Call("members", request.match_info["conversation"], None, dict(request.query))
        return await self._answer(call, {"members": page, "continuationToken": token})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        number = next(self._ids)
        channel = (body.get("channelData") or {}).get("channel", {}).get("id")
        if channel:
            conversation = f"{channel};messageid=activity-{number}"
        else:
            conversation = f"a:personal-{body['members'][0]['id']}"
        call = Call("create", conversation, f"activity-{number}", body)
        return await self._answer(call, {"id": conversation, "activityId": f"activity-{number}"})


_INCOMING = itertools.count(1)


def activity(
    connector: FakeBotConnector,
    *,
    text: str | None = None,
    value: Json | None = None,
    user: str = "29:user-ada",
    kind: str = "personal",
    conversation: str | None = None,
    activity_type: str = "message",
    **extra: Any,
) -> Json:
    """An activity as Teams posts it to the bot, for a personal chat, channel or group chat."""
    if conversation is None:
        conversation = {"personal": f"a:personal-{user}", "channel": CHANNEL}.get(kind, "19:chat")
    body: Json = {
        "type": activity_type,
        "id": f"incoming-{next(_INCOMING)}",  # Teams gives every activity its own id
        "timestamp": "2027-03-15T09:00:00.000Z",
        "serviceUrl": connector.url,
        "channelId": "msteams",
        "from": {"id": user, "name": user.split("-")[-1].title(), "aadObjectId": "aad-" + user},
        "conversation": {"id": conversation, "conversationType": kind, "tenantId": TENANT},
        "recipient": BOT,
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "en-US",
    }
    if kind == "channel":
        body["conversation"]["isGroup"] = True
        body["channelData"].update({"team": {"id": TEAM}, "channel": {"id": CHANNEL}})
    if text is not None:
        body["text"] = text
    if value is not None:
        body["value"] = value
    body.update(extra)
    return body


def members_added(connector: FakeBotConnector, member: str = BOT["id"], team: str = "") -> Json:
    """The conversationUpdate Teams sends when someone (by default the bot) joins a team."""
    update = activity(
        connector,
        kind="channel",
        activity_type="conversationUpdate",
        membersAdded=[{"id": member}],
    )
    if team:
        update["channelData"]["team"]["name"] = team
    return update


def mention(text: str) -> Json:
    """A channel message that @mentions the bot, as Teams sends it."""
    return {
        "text": f"<at>crbot</at> {text}",
        "entities": [{"type": "mention", "text": "<at>crbot</at>", "mentioned": BOT}],
    }
