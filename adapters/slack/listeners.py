"""Slack payloads -> `Incoming` -> `core.handle` -> the reply, delivered the Slack way.

The app runs with `process_before_response=True`: each listener runs inside the request, so the
slash command's reply is the ack itself, and a click is recorded before Slack hears back.
Listeners decide nothing: the core does; they only translate and deliver.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Coroutine
from typing import Any, Protocol

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.port import SlackPort, calling, tenant_of
from adapters.slack.render import (
    BUTTON_ACTION,
    FORM_ACTION,
    SHARE_ACTION,
    SHARE_PREFIX,
    Rendered,
    render,
)
from adapters.slack.views import FORM_CALLBACK, answers, modal
from bot.commands import PREFIX
from bot.errors import DeliveryError
from bot.messages import Incoming, Person, Reply, Target, Text
from bot.ports import ChatPort
from bot.wording import sorry_reply

log = logging.getLogger(__name__)

COMMAND = f"/{PREFIX}"
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
FORM_GONE = "That form is no longer available. Please ask me again and press the button anew."

Json = dict[str, Any]


class Handler(Protocol):
    """What the adapter needs from the core."""

    async def handle(self, incoming: Incoming, port: ChatPort) -> Reply:
        """Answer one request."""
        ...

    async def home(self, person: Person) -> Reply:
        """The person's App Home content."""
        ...

    async def welcome(self, tenant: str, prefix: str = "") -> Reply:
        """The welcome for a channel or a person joining it, naming commands after `prefix`."""
        ...


@contextlib.asynccontextmanager
async def logged(name: str, body: Json) -> AsyncIterator[None]:
    """Log a failed listener with ids only: the request is acked, so Slack stays calm."""
    try:
        yield
    except DeliveryError:
        pass  # the port logged it, with its reason
    except Exception:
        log.exception(
            "slack %s failed",
            name,
            extra={"platform": "slack", "tenant": _tenant(body), "command": name},
        )


def _tenant(body: Json) -> str:
    team = (
        body.get("team_id")
        or (body.get("team") or {}).get("id")
        or (body.get("user") or {}).get("team_id")
        or ""
    )
    return tenant_of(str(team))


def _user(body: Json) -> str:
    return str(body.get("user_id") or (body.get("user") or {}).get("id") or "")


def _channel(body: Json) -> str | None:
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    channel = channel or (body.get("container") or {}).get("channel_id")
    return str(channel) if channel else None


# In a channel only the slash command reaches the bot; a direct message takes the bare words.
SLASH_PREFIX = "/compassion-steps "


def _person(body: Json) -> Person:
    name = body.get("user_name") or (body.get("user") or {}).get("username")
    return Person(tenant=_tenant(body), user_id=_user(body), display_name=name)


def _private(body: Json) -> bool:
    """Whether the place is one person's: a DM, or no channel at all (the Home tab)."""
    channel = _channel(body)
    named = body.get("channel_name") or (body.get("channel") or {}).get("name")
    return (
        channel is None
        or channel.startswith("D")  # Slack's ids for direct messages
        or named == "directmessage"  # how slash commands and clicks name a DM
        or body.get("channel_type") == "im"  # how message events do
    )


def _incoming(body: Json, text: str, **extra: Any) -> Incoming:
    person, private = _person(body), _private(body)
    return Incoming(
        person=person,
        place=Target(tenant=person.tenant, address=_channel(body) or person.user_id),
        text=text,
        private_place=private,
        prefix="" if private else SLASH_PREFIX,
        **extra,
    )


class Listeners:
    """Every listener the app registers, sharing the core and the port."""

    def __init__(self, core: Handler, port: SlackPort) -> None:
        self.core = core
        self.port = port
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, app: AsyncApp) -> None:
        """Attach the listeners (and a no-op for each subscribed event nobody else handles)."""
        app.command(COMMAND)(self.slash_command)
        app.action(re.compile(rf"^{re.escape(BUTTON_ACTION)}\."))(self.button)
        app.action(re.compile(rf"^{re.escape(FORM_ACTION)}\."))(self.form_button)
        app.action(SHARE_ACTION)(self.share)
        app.view_submission(FORM_CALLBACK)(self.form_submitted)
        app.view_closed(FORM_CALLBACK)(_just_ack)
        app.event("app_mention")(self.mention)
        app.event("member_joined_channel")(self.member_joined)
        app.event("message")(self.direct_message)

    async def slash_command(
        self, body: Json, client: AsyncWebClient, respond: AsyncRespond
    ) -> BoltResponse:
        """`/compassion-steps ...`: the reply is the ack, so it arrives at once."""
        incoming = _incoming(body, f"{PREFIX} {body.get('text') or ''}".strip())
        port = self.port.for_client(client)
        try:
            reply = await self.core.handle(incoming, port)
        except Exception:
            # The answer is the ack: without one Slack shows the person its own error.
            log.exception("slack command failed", extra={"platform": "slack", "command": "command"})
            reply = sorry_reply()
        share = incoming.text if reply.shareable and reply.private else None
        try:
            rendered = await port.rendered(incoming.person.tenant, reply, share=share)
        except Exception:
            # The forms could not be kept: still answer within the ack, gently.
            log.exception("slack reply not rendered", extra={"platform": "slack"})
            rendered = render(sorry_reply())
        first, *rest = rendered.messages
        kind = "ephemeral" if reply.private else "in_channel"
        if rest or rendered.files:
            # Follow-ups and uploads go after the answer, so they arrive in order and need not
            # fit within the ack's deadline.
            self._later(self._after_answer(body, port, rendered, kind, respond))
        # The answer itself, serialised once per message: bolt sends a returned response as is.
        return BoltResponse(status=200, body=first.command_answer(kind))

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)

    async def _after_answer(
        self, body: Json, port: SlackPort, rendered: Rendered, kind: str, respond: AsyncRespond
    ) -> None:
        """A long reply's further messages, then its files into the person's direct message."""
        async with logged("command", body):
            for message in rendered.messages[1:]:
                await respond(response_type=kind, text=message.text, blocks=message.blocks)
            if rendered.files:
                await self._files_to(port, _person(body), rendered)

    async def _files_to(self, port: SlackPort, person: Person, rendered: Rendered) -> None:
        """The files of a private reply, into the person's direct message."""
        try:
            await port.files_privately(person, rendered.files)
        except DeliveryError as error:
            log.warning(
                "slack files not delivered: %s",
                error.reason,
                extra={"platform": "slack", "tenant": person.tenant},
            )

    async def button(
        self, ack: AsyncAck, body: Json, action: Json, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        """A button: its value is the command, sent as if typed."""
        await ack()
        async with logged("button", body):
            incoming = _incoming(body, str(action.get("value") or ""), via_button=True)
            port = self.port.for_client(client)
            reply = await self.core.handle(incoming, port)
            await self.deliver(body, incoming, reply, port, respond)

    async def share(
        self, ack: AsyncAck, body: Json, action: Json, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        """Share in channel: run the same command again and post the reply for everyone."""
        await ack()
        if not body.get("response_url"):  # not from a message (the Home tab): nowhere to share
            log.info("slack share with no channel", extra={"platform": "slack"})
            return
        async with logged("share", body):
            command = str(action.get("value") or "").removeprefix(SHARE_PREFIX)
            incoming = _incoming(body, command, via_button=True)
            port = self.port.for_client(client)
            reply = await self.core.handle(incoming, port)
            rendered = await port.rendered(incoming.person.tenant, reply)
            # The response URL posts for everyone even where the bot is not a member.
            for message in rendered.messages:
                await respond(
                    response_type="in_channel",
                    replace_original=False,
                    text=message.text,
                    blocks=message.blocks,
                )

    async def form_button(
        self, ack: AsyncAck, body: Json, action: Json, client: AsyncWebClient
    ) -> None:
        """A button with a form: open it as a modal (the trigger id lasts 3 s)."""
        await ack()
        async with logged("form", body):
            digest = str(action.get("action_id", "")).split(".")[2]
            form = await self.port.records.form(_tenant(body), digest)
            if form is None:
                gone = Reply(summary=FORM_GONE, blocks=(Text(text=FORM_GONE),))
                await self.deliver_private(body, gone, self.port.for_client(client))
                return
            metadata = json.dumps({"c": action.get("value") or "", "ch": _channel(body)})
            async with calling("views.open", _tenant(body)):
                await client.views_open(trigger_id=body["trigger_id"], view=modal(form, metadata))

    async def form_submitted(
        self, ack: AsyncAck, body: Json, view: Json, client: AsyncWebClient
    ) -> None:
        """A submitted modal: the command it was opened for, with the answers."""
        await ack()
        async with logged("form submission", body):
            metadata = _metadata(view)
            if metadata is None:  # not a modal the bot opened as it opens them now
                log.info("slack form of an older kind", extra={"platform": "slack"})
                return
            incoming = _incoming(
                {**body, "channel_id": metadata.get("ch")},
                str(metadata.get("c") or ""),
                form=answers(view.get("state") or {}),
                via_button=True,
            )
            port = self.port.for_client(client)
            reply = await self.core.handle(incoming, port)
            if reply.private or not metadata.get("ch"):
                await self.deliver_private({**body, "channel_id": metadata.get("ch")}, reply, port)
            else:
                await port.send(incoming.place, reply)

    async def deliver(
        self,
        body: Json,
        incoming: Incoming,
        reply: Reply,
        port: SlackPort,
        respond: AsyncRespond,
    ) -> None:
        """A click's reply: public to the channel, else to the person by the response URL."""
        if not reply.private and _channel(body):
            await port.send(incoming.place, reply)
            return
        if not body.get("response_url"):  # the Home tab: no channel to answer in
            await port.send_private(incoming.person, reply)
            return
        share = incoming.text if reply.shareable else None
        rendered = await port.rendered(incoming.person.tenant, reply, share=share)
        # An ephemeral page (a walkthrough step) turns into the next; a public message (a
        # poll) must never be replaced for everyone, so the answer comes as a new one.
        replace = bool((body.get("container") or {}).get("is_ephemeral"))
        await _respond_all(respond, rendered, replace=replace)
        await self._files_to(port, incoming.person, rendered)

    async def deliver_private(
        self, body: Json, reply: Reply, port: SlackPort | None = None
    ) -> None:
        """Only for the person: ephemeral in the channel, or a DM when there is none."""
        port = port or self.port
        tenant, user, channel = _tenant(body), _user(body), _channel(body)
        if channel:
            await port.send_ephemeral(Target(tenant=tenant, address=channel), user, reply)
        else:
            await port.send_private(Person(tenant=tenant, user_id=user), reply)

    async def mention(self, body: Json, event: Json, client: AsyncWebClient) -> None:
        """`@crbot help`: what follows the mention is the command."""
        async with logged("app_mention", body):
            text = _MENTION.sub("", str(event.get("text") or "")).strip() or "help"
            incoming = _incoming(
                {
                    "team_id": body.get("team_id"),
                    "user_id": event.get("user"),
                    "channel_id": event.get("channel"),
                    "channel_type": event.get("channel_type"),
                },
                text,
            )
            # A mention is a message the whole channel reads, name and words alike.
            incoming = incoming.model_copy(update={"typed_publicly": not incoming.private_place})
            port = self.port.for_client(client)
            reply = await self.core.handle(incoming, port)
            if reply.private:
                await port.send_ephemeral(incoming.place, incoming.person.user_id, reply)
            else:
                thread = event.get("thread_ts") or event.get("ts")
                await port.send(incoming.place, reply, thread=thread)

    async def member_joined(
        self, body: Json, event: Json, client: AsyncWebClient, context: Any
    ) -> None:
        """The bot joined: welcome the channel. A person joined: welcome them, privately."""
        async with logged("member_joined_channel", body):
            tenant = tenant_of(str(body.get("team_id") or event.get("team") or ""))
            place = Target(tenant=tenant, address=str(event.get("channel")))
            reply = await self.core.welcome(tenant, SLASH_PREFIX)
            port = self.port.for_client(client)
            if event.get("user") == context.get("bot_user_id"):
                await port.send(place, reply.model_copy(update={"private": False}))
            else:
                await port.send_ephemeral(place, str(event.get("user")), reply)

    async def direct_message(self, body: Json, event: Json, client: AsyncWebClient) -> None:
        """A typed line in the bot's DM (`next`, `reflect ...`); other messages are ignored."""
        async with logged("message", body):
            if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
                return
            incoming = _incoming(
                {
                    "team_id": body.get("team_id"),
                    "user_id": event.get("user"),
                    "channel_id": event.get("channel"),
                    "channel_type": event.get("channel_type"),
                },
                str(event.get("text") or ""),
            )
            port = self.port.for_client(client)
            reply = await self.core.handle(incoming, port)
            await port.send(incoming.place, reply)


def _metadata(view: Json) -> Json | None:
    """What `form_button` put in the modal: the command and the channel (None if not that)."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, RecursionError):
        return None
    if not isinstance(metadata, dict) or not all(
        value is None or isinstance(value, str) for value in metadata.values()
    ):
        return None
    return metadata


async def _just_ack(ack: AsyncAck) -> None:
    await ack()


async def _respond_all(respond: AsyncRespond, rendered: Rendered, *, replace: bool) -> None:
    for index, message in enumerate(rendered.messages):
        response = await respond(
            response_type="ephemeral",
            replace_original=replace and index == 0,
            text=message.text,
            blocks=message.blocks,
        )
        if response.status_code >= 300:
            log.warning(
                "slack response_url refused",
                extra={"platform": "slack", "status": response.status_code},
            )
