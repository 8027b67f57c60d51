"""The Slack ChatPort: posts, updates, direct messages, ephemeral replies and images.

Every Web API failure becomes a `DeliveryError`: permanent when the bot can no longer reach the
place (removed, archived, uninstalled), transient with `retry_after` when Slack said to wait.
The client's retry handlers have already waited out one or two rate limits by then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
    async_default_handlers,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.observability import counted
from adapters.slack.records import SlackRecords
from adapters.slack.render import Rendered, render
from bot import metrics
from bot.errors import DeliveryError
from bot.messages import File, Image, MessageRef, Person, Reply, Target

log = logging.getLogger(__name__)

# The bot can no longer reach the place: retrying will not help.
PERMANENT = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "account_inactive",
        "token_revoked",
        "invalid_auth",
        "not_authed",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "missing_scope",
        "team_access_not_granted",
        "not_installed",
    }
)
# chat.delete of a message someone (or the bot, earlier) already removed: nothing left to do.
ALREADY_GONE = frozenset({"message_not_found"})
# Slack's advice for conversations.members: 200 or fewer per page.
MEMBERS_PAGE = 200
# Slack's side had trouble: the same request may well work later.
TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def tenant_of(team_id: str) -> str:
    """The tenant id of a Slack workspace."""
    return f"slack:{team_id}"


def team_of(tenant: str) -> str:
    """The Slack workspace id inside a tenant id."""
    return tenant.partition(":")[2]


# slack_sdk's own per-call sessions time a call out after 30 s; the shared one keeps that.
CALL_TIMEOUT_SECONDS = 30


def shared_session() -> aiohttp.ClientSession:
    """One HTTP session for every Web API client of a process, so calls reuse connections
    (without it slack_sdk opens and closes one per call: a TCP and TLS handshake each time).

    No connection limit: slack_sdk's per-call sessions had none, and the scheduler's limiter,
    not the pool, paces a fan-out. Close it on shutdown.
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT_SECONDS),
    )


def web_client(
    token: str | None, base_url: str | None, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A Web API client that waits out rate limits (Retry-After) and retries server errors,
    over `session` when given (else slack_sdk makes a session per call)."""
    handlers = [
        *async_default_handlers(),
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ]
    return AsyncWebClient(
        token=token,
        base_url=base_url or AsyncWebClient.BASE_URL,
        retry_handlers=counted(handlers),
        timeout=CALL_TIMEOUT_SECONDS,
        session=session,
    )


def delivery_error(error: Exception) -> DeliveryError:
    """A Web API failure, classified."""
    if isinstance(error, SlackApiError):
        response = error.response
        reason = str(response.get("error") or f"http_{response.status_code}")
        if response.status_code == 429 or reason == "ratelimited":
            after = response.headers.get("Retry-After") or response.headers.get("retry-after")
            wait = float(after[0] if isinstance(after, list) else after) if after else None
            return DeliveryError("ratelimited", permanent=False, retry_after=wait)
        if response.status_code >= 500 or reason in TRANSIENT:
            return DeliveryError(reason, permanent=False)
        # Anything else (a refused payload, a missing scope) fails the same way next time.
        return DeliveryError(reason, permanent=True)
    return DeliveryError(type(error).__name__, permanent=False)


@contextlib.asynccontextmanager
async def calling(
    method: str, tenant: str, *, done_when: frozenset[str] = frozenset()
) -> AsyncIterator[None]:
    """Turn a failed Web API call into a DeliveryError, logged with ids only; a failure whose
    reason is in `done_when` means what the call was for is already so, and passes quietly."""
    try:
        yield
    except DeliveryError:
        raise
    except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as error:
        failure = delivery_error(error)
        done = failure.reason in done_when
        log.log(
            logging.INFO if done else logging.WARNING,
            "slack %s %s: %s",
            method,
            "already done" if done else "failed",
            failure.reason,
            extra={"platform": "slack", "tenant": tenant, "status": failure.reason},
        )
        if not done:
            metrics.platform_call("slack", "failed")
            raise failure from error
    metrics.platform_call("slack", "sent")


class Clients(Protocol):
    """Which Web API client speaks for a tenant (its bot token)."""

    async def for_tenant(self, tenant: str) -> AsyncWebClient:
        """The client for the tenant's workspace."""
        ...


class OneClient:
    """One workspace (SLACK_BOT_TOKEN), or the client bolt made for the current request."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def for_tenant(self, tenant: str) -> AsyncWebClient:
        """The same client for every tenant."""
        return self.client


class InstalledClients:
    """Many workspaces: each tenant's bot token from the installation store."""

    def __init__(
        self,
        store: AsyncInstallationStore,
        base_url: str | None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._store = store
        self._base_url = base_url
        self._session = session
        self._clients: dict[str, AsyncWebClient] = {}

    async def for_tenant(self, tenant: str) -> AsyncWebClient:
        """The client holding the workspace's bot token; permanent error when not installed."""
        bot = await self._store.async_find_bot(enterprise_id=None, team_id=team_of(tenant))
        if bot is None or not bot.bot_token:
            raise DeliveryError("not_installed", permanent=True)
        client = self._clients.get(bot.bot_token)
        if client is None:
            client = self._clients[bot.bot_token] = web_client(
                bot.bot_token, self._base_url, self._session
            )
        return client


class SlackPort:
    """Sending to Slack for the core and the scheduler."""

    def __init__(
        self,
        clients: Clients,
        records: SlackRecords,
        image_file: Callable[[Image], str] | None = None,
    ) -> None:
        self.clients = clients
        self.records = records
        self._image_file = image_file

    def for_client(self, client: AsyncWebClient) -> SlackPort:
        """The same port speaking through one request's client."""
        return SlackPort(OneClient(client), self.records, self._image_file)

    async def rendered(self, tenant: str, reply: Reply, **options: object) -> Rendered:
        """Render a reply and keep the forms its buttons open, so a click can find them."""
        result = render(reply, **options)  # type: ignore[arg-type]
        await self.records.keep_forms(tenant, result.forms)
        return result

    async def post(
        self, tenant: str, channel: str, rendered: Rendered, *, thread: str | None = None
    ) -> str:
        """Post rendered messages in order; the first one's ts names them all."""
        client = await self.clients.for_tenant(tenant)
        first = ""
        for message in rendered.messages:
            async with calling("chat.postMessage", tenant):
                response = await client.chat_postMessage(
                    channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread
                )
            first = first or str(response["ts"])
            channel = str(response.get("channel") or channel)
        return first

    async def send(self, target: Target, reply: Reply, *, thread: str | None = None) -> MessageRef:
        """Post where everyone at `target` sees it; images and files are uploaded after it.

        A reply asking to be pinned (a visual reminder, the culture agreements) is pinned;
        `thread` answers in a thread (a message ts).
        """
        tenant, channel = target.tenant, target.address
        rendered = await self.rendered(tenant, reply, upload_images=self._image_file is not None)
        ts = await self.post(tenant, channel, rendered, thread=thread)
        client = await self.clients.for_tenant(tenant)
        for image in rendered.images:
            await self._upload_image(client, tenant, channel, image, thread)
        await self.upload_files(tenant, channel, rendered.files, thread=thread)
        if reply.pin:
            async with calling("pins.add", tenant):
                await client.pins_add(channel=channel, timestamp=ts)
        return MessageRef(tenant=tenant, address=channel, message_id=ts)

    async def _upload_image(
        self,
        client: AsyncWebClient,
        tenant: str,
        channel: str,
        image: Image,
        thread: str | None,
    ) -> None:
        assert self._image_file is not None
        path = Path(self._image_file(image))
        await _upload(client, tenant, channel, path, path.name, image.title, thread, image.alt_text)

    async def upload_files(
        self, tenant: str, channel: str, files: list[File], *, thread: str | None = None
    ) -> None:
        """Upload the files a reply carries (a calendar, a spreadsheet) into a conversation."""
        if not files:
            return
        client = await self.clients.for_tenant(tenant)
        for file in files:
            await _upload(
                client, tenant, channel, Path(file.path), file.filename, file.title, thread
            )

    async def files_privately(self, person: Person, files: list[File]) -> None:
        """Files for one person go to their direct message: an ephemeral reply cannot hold them."""
        if files:
            await self.upload_files(person.tenant, await self._direct(person), files)

    async def _direct(self, person: Person) -> str:
        client = await self.clients.for_tenant(person.tenant)
        async with calling("conversations.open", person.tenant):
            opened = await client.conversations_open(users=person.user_id)
        return str(opened["channel"]["id"])

    async def members(self, target: Target) -> list[Person]:
        """The people in a channel, page by page, without the bot itself."""
        client = await self.clients.for_tenant(target.tenant)
        async with calling("auth.test", target.tenant):
            me = str((await client.auth_test()).get("user_id") or "")
        people: list[Person] = []
        cursor: str | None = None
        while True:
            async with calling("conversations.members", target.tenant):
                page = await client.conversations_members(
                    channel=target.address, limit=MEMBERS_PAGE, cursor=cursor
                )
            people += [
                Person(tenant=target.tenant, user_id=str(user))
                for user in page.get("members") or []
                if user != me
            ]
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return people

    async def person(self, tenant: str, user_id: str) -> Person:
        """The person by the name their workspace shows (`users.info`, scope `users:read`)."""
        client = await self.clients.for_tenant(tenant)
        async with calling("users.info", tenant):
            found = await client.users_info(user=user_id)
        user = found.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("name")
        return Person(tenant=tenant, user_id=user_id, display_name=str(name) if name else None)

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        """Replace a message the bot posted (a poll's count line); extra parts are dropped."""
        rendered = await self.rendered(ref.tenant, reply)
        message = rendered.messages[0]
        client = await self.clients.for_tenant(ref.tenant)
        async with calling("chat.update", ref.tenant):
            await client.chat_update(
                channel=ref.address, ts=ref.message_id, text=message.text, blocks=message.blocks
            )

    async def delete(self, ref: MessageRef) -> None:
        """Remove a message the bot posted (the first of its parts, whose ts names them all);
        one Slack no longer has counts as removed."""
        client = await self.clients.for_tenant(ref.tenant)
        async with calling("chat.delete", ref.tenant, done_when=ALREADY_GONE):
            await client.chat_delete(channel=ref.address, ts=ref.message_id)

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        """A direct message: open (or find) the DM, then post in it."""
        channel = await self._direct(person)
        rendered = await self.rendered(person.tenant, reply)
        ts = await self.post(person.tenant, channel, rendered)
        await self.upload_files(person.tenant, channel, rendered.files)
        return MessageRef(tenant=person.tenant, address=channel, message_id=ts)

    async def send_ephemeral(
        self, target: Target, user_id: str, reply: Reply, *, share: str | None = None
    ) -> MessageRef:
        """A message only `user_id` sees in a channel (ephemeral messages can't be updated)."""
        rendered = await self.rendered(target.tenant, reply, share=share)
        client = await self.clients.for_tenant(target.tenant)
        ts = ""
        for message in rendered.messages:
            async with calling("chat.postEphemeral", target.tenant):
                response = await client.chat_postEphemeral(
                    channel=target.address, user=user_id, text=message.text, blocks=message.blocks
                )
            ts = ts or str(response.get("message_ts") or "")
        await self.files_privately(Person(tenant=target.tenant, user_id=user_id), rendered.files)
        return MessageRef(tenant=target.tenant, address=target.address, message_id=ts)


async def _upload(
    client: AsyncWebClient,
    tenant: str,
    channel: str,
    path: Path,
    filename: str,
    title: str,
    thread: str | None,
    alt_text: str | None = None,
) -> None:
    """One file into a conversation, read off the event loop."""
    content = await asyncio.to_thread(path.read_bytes)
    described = {"alt_txt": alt_text} if alt_text is not None else {}
    async with calling("files.upload", tenant):
        await client.files_upload_v2(
            channel=channel,
            file=content,
            filename=filename,
            title=title,
            thread_ts=thread,
            **described,
        )
