"""The Teams ChatPort: proactive posts, in-place updates and personal messages over Bot Framework.

Every call goes through `retries.py`, on the loop: retried for the failures Teams asks bots to
retry (412, 429, 5xx), honouring Retry-After; what still fails becomes a `DeliveryError`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from adapters.teams import files, images
from adapters.teams.references import THREAD_MARK, Reference, ReferenceStore
from adapters.teams.render import (
    NO_PICTURES,
    Json,
    Pictures,
    Places,
    asks_for_a_channel,
    attachment,
)
from adapters.teams.retries import (
    ATTEMPTS,
    MAX_WAIT_SECONDS,
    UNEXPECTED,
    Retrying,
    Sleep,
    delivery_error,
)
from adapters.teams.throttle import Throttle
from adapters.teams.views import PollViews
from bot.errors import DeliveryError
from bot.messages import Image, MessageRef, Person, Reply, Target

__all__ = ["UNEXPECTED", "TeamsPort", "card_activity", "delivery_error"]

log = logging.getLogger(__name__)

T = TypeVar("T")

TENANT_PREFIX = "teams:"
CHANNEL = "msteams"
# What a delete of a message Teams no longer has fails with: nothing left to do.
ALREADY_GONE = "teams:404:"
# Teams pages members 50 to 500 at a time.
MEMBERS_PAGE = 500


def tenant_guid(tenant: str) -> str:
    """`teams:<guid>` -> `<guid>`."""
    return tenant.removeprefix(TENANT_PREFIX)


def card_activity(
    reply: Reply,
    places: Places = (),
    share: Json | None = None,
    *,
    personal: bool = False,
    pictures: Pictures = NO_PICTURES,
) -> Activity:
    """The reply as a message activity holding one Adaptive Card (and, in a personal chat,
    a consent card for each file it carries)."""
    card = attachment(reply, places, share, pictures)
    cards = [Attachment(content_type=card["contentType"], content=card["content"])]
    return Activity(
        type=ActivityTypes.message,
        summary=reply.summary,
        attachments=cards + (files.offers(reply) if personal else []),
    )


class TeamsPort:
    """Sends through stored conversation references; ids in MessageRefs are Teams' own."""

    def __init__(
        self,
        adapter: CloudAdapter,
        references: ReferenceStore,
        app_id: str,
        *,
        sleep: Sleep = asyncio.sleep,
        attempts: int = ATTEMPTS,
        max_wait: float = MAX_WAIT_SECONDS,
        throttle: Throttle | None = None,
        image_file: Callable[[Image], str] | None = None,
    ) -> None:
        self._adapter = adapter
        self._references = references
        self._app_id = app_id
        self._retrying = Retrying(
            throttle or Throttle(sleep), sleep=sleep, attempts=attempts, max_wait=max_wait
        )
        self._image_file = image_file
        # What each poll message now shows, so a viewer's refresh can be answered.
        self.views = PollViews()

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        """Post to a conversation; a channel (not a thread in it) gets a new thread."""
        reference = await self._reference(target.tenant, target.address)
        places, pictures = await self.places(target.tenant, reply), await self.pictures(reply)
        conversation = reference.get("conversation", {})
        if conversation.get("conversationType") == "channel" and THREAD_MARK not in target.address:
            message_id = await self._retrying(
                lambda: self._new_thread(
                    reference, card_activity(reply, places, pictures=pictures)
                ),
                target.tenant,
                target.address,
            )
        else:
            message_id = await self._retrying(
                lambda: self._post(reference, card_activity(reply, places, pictures=pictures)),
                target.tenant,
                target.address,
            )
        self.views.shown(target.tenant, reply)
        return MessageRef(tenant=target.tenant, address=target.address, message_id=message_id)

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        """Replace a card the bot posted (a poll's count line), in place."""
        reference = await self._reference(ref.tenant, ref.address)
        places, pictures = await self.places(ref.tenant, reply), await self.pictures(reply)

        async def replace(context: TurnContext) -> str:
            activity = card_activity(reply, places, pictures=pictures)
            activity.id = ref.message_id
            await context.update_activity(activity)
            return ref.message_id

        await self._retrying(lambda: self._continue(reference, replace), ref.tenant, ref.address)
        self.views.shown(ref.tenant, reply)

    async def delete(self, ref: MessageRef) -> None:
        """Remove a card the bot posted; one Teams no longer has (404) counts as removed."""
        reference = await self._reference(ref.tenant, ref.address)

        async def remove(context: TurnContext) -> None:
            try:
                await context.delete_activity(ref.message_id)
            except Exception as error:
                status = delivery_error(error).reason
                if not status.startswith(ALREADY_GONE):
                    raise
                context_ids = {"tenant": ref.tenant, "platform": "teams", "status": status}
                log.info("message to delete was already gone", extra=context_ids)

        await self._retrying(lambda: self._continue(reference, remove), ref.tenant, ref.address)

    async def replace_pressed(
        self, context: TurnContext, pressed: str, person: Person, reply: Reply
    ) -> bool:
        """Put a click's answer in place of the card pressed in the person's personal chat, as
        a private page turns on Slack, so the click shows where it was made; whether it did.

        Only for the personal chat: elsewhere the card pressed is everyone's. A reply offering
        files stays a message of its own, its offers being cards of their own.
        """
        activity = await self.activity(person.tenant, reply, personal=True)
        if len(activity.attachments) != 1:
            return False
        activity.id = pressed
        try:
            await context.update_activity(activity)
        except Exception as error:
            # Too old, or not the bot's: the answer still arrives, as a new message.
            status = delivery_error(error).reason
            context_ids = {"tenant": person.tenant, "platform": "teams", "status": status}
            log.info("pressed card not replaced; answering with a message", extra=context_ids)
            return False
        return True

    async def send_private(
        self, person: Person, reply: Reply, *, share: Json | None = None
    ) -> MessageRef:
        """A message in the person's personal chat with the bot, opening the chat if needed.

        `share` adds a "Share in channel" button (see `render.card`).
        """
        reference = await self._references.personal(person.tenant, person.user_id)
        places, pictures = await self.places(person.tenant, reply), await self.pictures(reply)

        def personal() -> Activity:
            return card_activity(reply, places, share, personal=True, pictures=pictures)

        if reference is not None:
            address = str(reference["conversation"]["id"])
            message_id = await self._retrying(
                lambda: self._post(reference, personal()),
                person.tenant,
                address,
            )
        else:
            address, message_id = await self._retrying(
                lambda: self._open_personal(person, personal()),
                person.tenant,
                person.user_id,
            )
        return MessageRef(tenant=person.tenant, address=address, message_id=message_id)

    async def members(self, target: Target) -> list[Person]:
        """The people in a conversation (a channel's team, a group chat), page by page."""
        reference = await self._reference(target.tenant, target.address)

        async def read(context: TurnContext) -> list[Person]:
            # A proactive turn has no channel data, so the connector is asked by conversation.
            connector = context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY]
            conversation = str(context.activity.conversation.id)
            people: list[Person] = []
            token: str | None = None
            while True:
                page = await connector.conversations.get_teams_conversation_paged_members(
                    conversation, MEMBERS_PAGE, token
                )
                people += [
                    Person(tenant=target.tenant, user_id=str(member.id), display_name=member.name)
                    for member in page.members or []
                ]
                token = page.continuation_token
                if not token:
                    return people

        return await self._retrying(
            lambda: self._continue(reference, read), target.tenant, target.address
        )

    async def person(self, tenant: str, user_id: str) -> Person:
        """Teams names people only within a conversation the bot is in: `members` of the
        team's channel carries their names, so one person alone is not looked up."""
        raise NotImplementedError

    async def places(self, tenant: str, reply: Reply) -> Places:
        """The channels and chats a form in the reply may offer (looked up only when asked)."""
        return await self._references.places(tenant) if asks_for_a_channel(reply) else ()

    async def pictures(self, reply: Reply) -> Pictures:
        """The reply's visuals as data URIs, by their path in the pack (prepared once each)."""
        if self._image_file is None:
            return NO_PICTURES
        found: dict[str, str] = {}
        for block in reply.blocks:
            if isinstance(block, Image):
                uri = await asyncio.to_thread(images.data_uri, Path(self._image_file(block)))
                if uri is not None:
                    found[block.path] = uri
        return found

    async def activity(self, tenant: str, reply: Reply, *, personal: bool = False) -> Activity:
        """The reply as a card activity, its channel fields offering the tenant's places."""
        places, pictures = await self.places(tenant, reply), await self.pictures(reply)
        return card_activity(reply, places, personal=personal, pictures=pictures)

    async def _reference(self, tenant: str, address: str) -> Reference:
        reference = await self._references.get(tenant, address)
        if reference is None:
            # Nothing to post through: the bot was never installed there, or was removed.
            raise DeliveryError("teams:no_reference", permanent=True)
        return reference

    async def _continue(
        self, reference: Reference, work: Callable[[TurnContext], Awaitable[T]]
    ) -> T:
        results: list[T] = []

        async def callback(context: TurnContext) -> None:
            results.append(await work(context))

        bf_reference = ConversationReference().deserialize(reference)
        await self._adapter.continue_conversation(bf_reference, callback, self._app_id)
        return results[0]

    async def _post(self, reference: Reference, activity: Activity) -> str:
        async def post(context: TurnContext) -> str:
            response = await context.send_activity(activity)
            return str(response.id) if response is not None and response.id else ""

        return await self._continue(reference, post)

    async def _new_thread(self, reference: Reference, activity: Activity) -> str:
        conversation = reference["conversation"]
        parameters = ConversationParameters(
            is_group=True,
            bot=ChannelAccount().deserialize(reference.get("bot") or {}),
            channel_data={"channel": {"id": conversation["id"]}},
            tenant_id=conversation.get("tenantId"),
            activity=activity,
        )
        created: list[str] = []

        async def callback(context: TurnContext) -> None:
            created.append(str(context.activity.id or ""))

        await self._adapter.create_conversation(
            self._app_id, callback, parameters, CHANNEL, reference["serviceUrl"], None
        )
        return created[0]

    async def _open_personal(self, person: Person, activity: Activity) -> tuple[str, str]:
        known = await self._references.any_in(person.tenant)
        if known is None:
            raise DeliveryError("teams:no_reference", permanent=True)
        guid = tenant_guid(person.tenant)
        bot = ChannelAccount().deserialize(known.get("bot") or {})
        parameters = ConversationParameters(
            is_group=False,
            bot=bot,
            members=[ChannelAccount(id=person.user_id)],
            tenant_id=guid,
            channel_data={"tenant": {"id": guid}},
        )
        sent: list[tuple[str, str]] = []

        async def callback(context: TurnContext) -> None:
            reference = TurnContext.get_conversation_reference(context.activity)
            reference.user = ChannelAccount(id=person.user_id)
            response = await context.send_activity(activity)
            conversation_id = str(context.activity.conversation.id)
            await self._references.save(
                person.tenant, reference.serialize(), kind="personal", user_id=person.user_id
            )
            sent.append((conversation_id, str(response.id) if response and response.id else ""))

        await self._adapter.create_conversation(
            self._app_id, callback, parameters, CHANNEL, known["serviceUrl"], None
        )
        return sent[0]
