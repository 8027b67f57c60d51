"""A loopback fake chat platform that records every post, and a ChatPort that posts to it.

The fake can enforce a per-channel and per-workspace rate (answering 429 with Retry-After, as
Slack does), serve requests one at a time with a delay (so a fan-out can be killed midway), and
find a post by the ledger key the port sends with it (the platform's own idempotency).
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.errors import DeliveryError
from bot.messages import MessageRef, Person, Reply, Target
from bot.rollouts.posts import delivery_key

JITTER = 0.1


@dataclass
class _Window:
    rate: float
    burst: float
    tokens: float = 0.0
    last: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def check(self) -> float | None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        # A little slack for network jitter: a send timed to the token may arrive a hair early.
        if self.tokens >= 1.0 - JITTER * self.rate:
            return None
        return (1.0 - self.tokens) / self.rate


class FakePlatform:
    """Records posts; optionally rate-limits and slows them."""

    def __init__(
        self,
        *,
        channel_rate: tuple[float, float] | None = None,
        workspace_rate: tuple[float, float] | None = None,
        delay: float = 0.0,
        missing: frozenset[str] = frozenset(),
    ) -> None:
        self.posts: list[dict[str, Any]] = []
        self.by_key: dict[str, str] = {}
        self.rejected = 0
        self.rejections: list[tuple[str, str, float]] = []
        self._channel_rate = channel_rate
        self._workspace_rate = workspace_rate
        self._windows: dict[tuple[str, str], _Window] = {}
        self._delay = delay
        self._serial = asyncio.Lock()
        self._ids = itertools.count(1)
        self._missing = missing
        self.url = ""
        self._runner: web.AppRunner | None = None

    def _limited(self, tenant: str, address: str) -> float | None:
        # Both limits are checked before either is spent, as one request.
        windows = []
        for rate, key in (
            (self._channel_rate, (tenant, address)),
            (self._workspace_rate, (tenant, "")),
        ):
            if rate is None:
                continue
            windows.append(self._windows.setdefault(key, _Window(*rate)))
        waits = [wait for window in windows if (wait := window.check()) is not None]
        if waits:
            return max(waits)
        for window in windows:
            window.tokens -= 1.0
        return None

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body["address"] in self._missing:
            return web.json_response({"ok": False, "error": "channel_not_found"}, status=404)
        wait = self._limited(body["tenant"], body["address"])
        if wait is not None:
            self.rejected += 1
            self.rejections.append((body["tenant"], body["address"], round(wait, 3)))
            headers = {"Retry-After": str(max(1, round(wait)))}
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers=headers
            )
        if self._delay:
            async with self._serial:
                await asyncio.sleep(self._delay)
                return self._record(body)
        return self._record(body)

    def _record(self, body: dict[str, Any]) -> web.Response:
        message_id = str(next(self._ids))
        self.posts.append(body)
        if body.get("key"):
            self.by_key.setdefault(body["key"], message_id)
        return web.json_response({"ok": True, "id": message_id})

    async def _delivered(self, request: web.Request) -> web.Response:
        found = self.by_key.get(request.query.get("key", ""))
        return web.json_response({"ok": True, "id": found})

    async def _stats(self, _: web.Request) -> web.Response:
        counts = self.key_counts()
        return web.json_response(
            {
                "posts": len(self.posts),
                "rejected": self.rejected,
                "duplicates": sum(n - 1 for n in counts.values() if n > 1),
                "first_rejections": self.rejections[:5],
            }
        )

    def key_counts(self) -> Counter[str]:
        """How many times each keyed post arrived."""
        return Counter(post["key"] for post in self.posts if post.get("key"))

    async def start(self) -> str:
        """Serve on 127.0.0.1 at a free port; returns the base URL."""
        app = web.Application()
        app.router.add_post("/post", self._post)
        app.router.add_get("/delivered", self._delivered)
        app.router.add_get("/stats", self._stats)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()


class HttpPort:
    """A ChatPort that posts to the fake platform, with the ledger key, over real HTTP."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=512)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def _send(self, tenant: str, address: str, reply: Reply) -> MessageRef:
        body = {
            "tenant": tenant,
            "address": address,
            "key": delivery_key.get(),
            "summary": reply.summary,
        }
        async with self._client().post(f"{self._url}/post", json=body) as response:
            answer = await response.json()
            if response.status == 429:
                retry = float(response.headers.get("Retry-After", "1"))
                raise DeliveryError("ratelimited", permanent=False, retry_after=retry)
            if response.status == 404:
                raise DeliveryError(answer["error"], permanent=True)
            if response.status >= 500:
                raise DeliveryError(f"http_{response.status}", permanent=False)
        return MessageRef(tenant=tenant, address=address, message_id=answer["id"])

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        """Post to a channel."""
        return await self._send(target.tenant, target.address, reply)

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        """Updates are not recorded."""

    async def delete(self, ref: MessageRef) -> None:
        """Deletions are not recorded."""

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        """Post to a person."""
        return await self._send(person.tenant, f"@{person.user_id}", reply)

    async def delivered(self, target: Target, key: str) -> MessageRef | None:
        """Ask the platform whether a keyed post arrived."""
        async with self._client().get(f"{self._url}/delivered", params={"key": key}) as response:
            found = (await response.json())["id"]
        if found is None:
            return None
        return MessageRef(tenant=target.tenant, address=target.address, message_id=found)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()


def _rate(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    rate, _, burst = text.partition(":")
    return float(rate), float(burst or 1)


async def _serve(channel: str | None, workspace: str | None) -> None:
    fake = FakePlatform(channel_rate=_rate(channel), workspace_rate=_rate(workspace))
    sys.stdout.write(await fake.start() + "\n")
    sys.stdout.flush()
    # Serve until the parent closes our stdin.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await fake.stop()


if __name__ == "__main__":
    # python -m tests.fakes.chat_platform [CHANNEL_RATE:BURST] [WORKSPACE_RATE:BURST]
    asyncio.run(_serve(*([*sys.argv[1:3], None, None])[:2]))
