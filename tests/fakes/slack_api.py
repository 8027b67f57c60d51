"""A loopback fake of the Slack Web API, and a client that sends Slack's signed requests.

`FakeSlack` serves `/api/<method>` on 127.0.0.1 (port 0) for the real `AsyncWebClient`, records
every call, answers like Slack (ts, DM channels, upload URLs, an OAuth exchange), and can be told
to answer a method with an error or a 429 and Retry-After. It also serves response URLs and file
uploads. `SignedSlack` posts commands, interactions and events the way Slack does, signed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import ClientSession, web
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.app import SlackPlatform, build_slack
from bot.core import Core
from bot.ports import Clock
from bot.settings import Settings
from crbot.web import build_app

Json = dict[str, Any]

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T1"
INSTALLED_TOKEN = "xoxb-installed-token"
# Values sent as JSON text inside a form body.
_JSON_FIELDS = ("blocks", "view", "attachments", "files")


@dataclass
class Call:
    """One request the fake received."""

    method: str
    args: Json
    token: str | None
    ok: bool = True  # False: the fake answered with an error


@dataclass
class _Answer:
    status: int
    body: Json | None  # None: the usual answer
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    reached: bool = True  # False: a gateway gave up before Slack saw the call


class FakeSlack:
    """The Slack Web API, on loopback."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[tuple[str, Json]] = []  # posts to response URLs
        self.uploads: list[tuple[str, int]] = []  # (file id, bytes)
        self.members: dict[str, list[str]] = {}  # channel -> user ids, for conversations.members
        self.names: dict[str, str] = {}  # user id -> display name, for users.info
        self._queued: dict[str, list[_Answer]] = defaultdict(list)
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.root = ""
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, Json] = {}
        # Each HTTP connection a Web API call or a response URL post came in on (kept, so none
        # is collected and counted anew): how many the bot opened.
        self._connections: set[asyncio.BaseTransport] = set()

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL is set to."""
        return f"{self.root}/api/"

    def response_url(self, name: str = "r1") -> str:
        """A response URL, as Slack puts in commands and interactions."""
        return f"{self.root}/respond/{name}"

    async def start(self) -> FakeSlack:
        """Listen on 127.0.0.1, on a free port."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack-sdk reads some methods by GET
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.root = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        """Stop listening."""
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, method: str, error: str, *, status: int = 200, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with an error."""
        for _ in range(times):
            self._queued[method].append(_Answer(status, {"ok": False, "error": error}))

    def rate_limit(self, method: str, *, retry_after: int = 0, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 and Retry-After."""
        for _ in range(times):
            answer = _Answer(429, {"ok": False, "error": "ratelimited"})
            answer.headers["Retry-After"] = str(retry_after)
            self._queued[method].append(answer)

    def slow(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` as usual, after `seconds`."""
        for _ in range(times):
            self._queued[method].append(_Answer(200, None, delay=seconds))

    def hang(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Leave the next `times` calls of `method` unanswered for `seconds`, then answer 504;
        they never reach Slack, so nothing is posted (a client that gave up may retry)."""
        for _ in range(times):
            body = {"ok": False, "error": "gateway_timeout"}
            self._queued[method].append(_Answer(504, body, delay=seconds, reached=False))

    def called(self, method: str) -> list[Json]:
        """The arguments of every call of `method`, in order."""
        return [call.args for call in self.calls if call.method == method]

    async def wait_for(self, method: str, count: int = 1, deadline: float = 5.0) -> list[Json]:
        """Wait (with a deadline) until `method` was called `count` times."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.called(method)) >= count), deadline
            )
        return self.called(method)

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    @property
    def connections(self) -> int:
        """How many HTTP connections the Web API calls and response URL posts arrived on."""
        return len(self._connections)

    def _arrived(self, request: web.Request) -> None:
        if request.transport is not None:
            self._connections.add(request.transport)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self._arrived(request)
        raw = await request.read()
        args: Json
        if request.content_type == "application/json":
            args = json.loads(raw or b"{}")
        else:
            args = dict(parse_qsl(raw.decode()))
            args.update(dict(request.query))
        for name in _JSON_FIELDS:
            if isinstance(args.get(name), str) and args[name][:1] in "[{":
                args[name] = json.loads(args[name])
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header else args.get("token")
        queued = self._queued.get(method)
        answer = queued.pop(0) if queued else None
        if answer is not None and answer.delay:
            await asyncio.sleep(answer.delay)
        if answer is not None and not answer.reached:
            return web.json_response(answer.body, status=answer.status)
        if answer is not None and answer.body is not None:
            await self._record(Call(method, args, token, ok=False))
            return web.json_response(answer.body, status=answer.status, headers=answer.headers)
        await self._record(Call(method, args, token))
        return web.json_response(self._answer(method, args))

    def ts(self) -> str:
        """The next message timestamp: 1700000000.000001, then .000002, ..."""
        return f"1700000000.{next(self._ts):06d}"

    def _answer(self, method: str, args: Json) -> Json:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": TEAM}
        if method == "chat.delete":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method in ("chat.postMessage", "chat.update"):
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts") or self.ts()}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.ts()}
        if method == "conversations.members":
            everyone = self.members.get(str(args.get("channel")), [])
            start, size = int(args.get("cursor") or 0), int(args.get("limit") or 100)
            following = str(start + size) if start + size < len(everyone) else ""
            return {
                "ok": True,
                "members": everyone[start : start + size],
                "response_metadata": {"next_cursor": following},
            }
        if method == "users.info":
            user = str(args.get("user"))
            if user not in self.names:
                return {"ok": False, "error": "user_not_found"}
            profile = {"display_name": self.names[user], "real_name": "Not shown"}
            return {"ok": True, "user": {"id": user, "name": user.lower(), "profile": profile}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{args.get('users', 'X')}"}}
        if method in ("views.open", "views.publish"):
            return {"ok": True, "view": {"id": "V1", **(args.get("view") or {})}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._files)}"
            return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"]} for f in args.get("files") or []]}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.root.replace("http", "ws", 1) + "/socket"}
        if method == "oauth.v2.access":
            return {
                "ok": True,
                "app_id": "A1",
                "authed_user": {"id": "UINSTALLER"},
                "scope": "commands,chat:write",
                "token_type": "bot",
                "access_token": INSTALLED_TOKEN,
                "bot_user_id": BOT_USER,
                "team": {"id": "T9", "name": "Nine"},
                "enterprise": None,
                "is_enterprise_install": False,
            }
        return {"ok": True}

    async def _respond(self, request: web.Request) -> web.Response:
        self._arrived(request)
        body = await request.json()
        async with self._changed:
            self.responses.append((request.match_info["name"], body))
            self._changed.notify_all()
        return web.Response(text="ok")

    async def wait_for_responses(self, count: int, deadline: float = 5.0) -> list[Json]:
        """Wait (with a deadline) for `count` posts to response URLs."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.responses) >= count), deadline
            )
        return [body for _, body in self.responses]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1})
        async with self._changed:
            self._sockets.append(socket)
            self._changed.notify_all()
        async for message in socket:
            ack = json.loads(message.data)
            async with self._changed:
                self._acks[str(ack.get("envelope_id"))] = ack
                self._changed.notify_all()
        return socket

    async def over_socket(self, kind: str, payload: Json, deadline: float = 5.0) -> Json:
        """Send an envelope over Socket Mode, once the app is connected; wait for its ack."""
        envelope_id = f"env-{len(self._acks) + 1}"
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: bool(self._sockets)), deadline)
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload}
        await self._sockets[-1].send_json({**envelope, "accepts_response_payload": True})
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: envelope_id in self._acks), deadline
            )
        return self._acks[envelope_id]

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        self.uploads.append((request.match_info["file_id"], len(data)))
        return web.Response(text="OK - uploaded")


class SignedSlack:
    """Sends what Slack sends to the bot's endpoint, signed with the app's signing secret."""

    def __init__(self, session: ClientSession, url: str, secret: str, fake: FakeSlack) -> None:
        self.session = session
        self.url = url
        self.verifier = SignatureVerifier(secret)
        self.fake = fake
        self._triggers = itertools.count(1)
        # The headers of the latest answer (a load balancer's, say, naming who served it).
        self.last_headers: Mapping[str, str] = {}

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """Post a raw body, signed unless told otherwise; the status and the body."""
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signed = signature or self.verifier.generate_signature(timestamp=stamp, body=body)
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signed,
            **(headers or {}),
        }
        async with self.session.post(self.url, data=body, headers=all_headers) as response:
            self.last_headers = response.headers
            return response.status, await response.text()

    async def command(
        self, text: str, *, user: str = "U1", channel: str = "C1", team: str = TEAM, **kw: Any
    ) -> tuple[int, str]:
        """`/compassion-steps <text>`."""
        body = urlencode(
            {
                "command": "/compassion-steps",
                "text": text,
                "user_id": user,
                "user_name": user.lower(),
                "channel_id": channel,
                "team_id": team,
                "response_url": self.fake.response_url("command"),
                "trigger_id": f"trigger-{next(self._triggers)}",
            }
        )
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def click(
        self,
        button: Json,
        *,
        user: str = "U1",
        channel: str | None = "C1",
        team: str = TEAM,
        ephemeral: bool = False,
        message_ts: str = "1700000000.000001",
    ) -> tuple[int, str]:
        """A block_actions payload for one rendered button."""
        payload: Json = {
            "type": "block_actions",
            "team": {"id": team},
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": "A1",
            "trigger_id": f"trigger-{next(self._triggers)}",
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b1",
                    "value": button.get("value", ""),
                    "action_ts": "1700000001.000000",
                }
            ],
        }
        if channel is None:  # the Home tab
            payload["container"] = {"type": "view", "view_id": "V1"}
            payload["view"] = {"id": "V1", "type": "home"}
        else:
            payload["channel"] = {"id": channel}
            payload["container"] = {
                "type": "message",
                "channel_id": channel,
                "message_ts": message_ts,
                "is_ephemeral": ephemeral,
            }
            payload["response_url"] = self.fake.response_url("click")
        return await self.interaction(payload)

    async def submit(
        self, view: Json, values: Json, *, user: str = "U1", team: str = TEAM
    ) -> tuple[int, str]:
        """A view_submission of an opened modal, with `values` as Slack's state values."""
        payload = {
            "type": "view_submission",
            "team": {"id": team},
            "user": {"id": user, "team_id": team},
            "api_app_id": "A1",
            "trigger_id": f"trigger-{next(self._triggers)}",
            "view": {**view, "id": "V1", "state": {"values": values}},
        }
        return await self.interaction(payload)

    async def interaction(self, payload: Json, **kw: Any) -> tuple[int, str]:
        """Any interactivity payload."""
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def event(
        self,
        event: Json,
        *,
        event_id: str = "Ev1",
        team: str = TEAM,
        retry: int | None = None,
    ) -> tuple[int, str]:
        """An Events API delivery; `retry` sets X-Slack-Retry-Num as Slack's retries do."""
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": team,
                "api_app_id": "A1",
                "event_id": event_id,
                "event_time": 1700000000,
                "event": event,
                "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}],
            }
        )
        headers = {}
        if retry is not None:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(body, "application/json", headers=headers)


SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


@dataclass
class SlackStack:
    """The bot's real web server with the Slack platform mounted, the fake API, a signed client."""

    fake: FakeSlack
    slack: SignedSlack
    platform: SlackPlatform
    root: str


@contextlib.asynccontextmanager
async def running_slack(
    core: Core, engine: AsyncEngine, clock: Clock, **env: str
) -> AsyncIterator[SlackStack]:
    """Serve the Slack platform on 127.0.0.1 (port 0) against a fresh fake Slack API."""
    fake = await FakeSlack().start()
    values = {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url, **env}
    if "SLACK_CLIENT_ID" not in values:
        values.setdefault("SLACK_BOT_TOKEN", BOT_TOKEN)
    settings = Settings(**values)  # type: ignore[arg-type]
    platform = build_slack(settings, core, engine, image_file=core.image_file, clock=clock)
    runner = web.AppRunner(build_app(engine, [platform.mount]))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    root = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with ClientSession() as session:
            signed = SignedSlack(session, f"{root}/slack/events", SIGNING_SECRET, fake)
            yield SlackStack(fake=fake, slack=signed, platform=platform, root=root)
    finally:
        await runner.cleanup()
        await platform.stop()
        await fake.stop()
