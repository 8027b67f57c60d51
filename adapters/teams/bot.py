"""Teams activities -> the core: typed commands, card submits, installs and uninstalls.

Replies are cards in the same conversation; a private reply in a shared one goes to the
person's personal chat (`delivery.py`). What an activity says is read in `activities.py`, and an
`Action.Execute` is answered in `actions.py`.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityEventNames, ActivityTypes, ChannelAccount
from botbuilder.schema.teams import FileConsentCardResponse

from adapters.teams import files, invokes
from adapters.teams.actions import CardActions
from adapters.teams.activities import (
    MENTION_PREFIX,
    incoming_of,
    kind_of,
    team_of,
    tenant_of,
    title_of,
)
from adapters.teams.connector import ConnectorSession
from adapters.teams.delivery import Delivery
from adapters.teams.port import UNEXPECTED, TeamsPort, card_activity, delivery_error
from adapters.teams.references import ReferenceStore
from adapters.teams.render import SHARE_KEY
from bot import metrics
from bot.core import Core
from bot.errors import DeliveryError, ErrorCode
from bot.messages import Incoming, Person, Reply
from bot.storage.seen import SeenRequestStore
from bot.wording import kind_reply, sorry_reply

log = logging.getLogger(__name__)

# Proactive turns (continue/create conversation) must let their errors reach the port.
PROACTIVE_EVENTS = frozenset(
    {ActivityEventNames.continue_conversation, ActivityEventNames.create_conversation}
)


class TeamsBot(TeamsActivityHandler):  # type: ignore[misc]
    """Translates activities for the core and delivers its replies as cards."""

    def __init__(
        self,
        core: Core,
        port: TeamsPort,
        references: ReferenceStore,
        seen: SeenRequestStore,
        session: ConnectorSession,
    ) -> None:
        self._core = core
        self._session = session
        self._port = port
        self._references = references
        self._seen = seen
        self._delivery = Delivery(core, port)
        self._actions = CardActions(core, port, self._delivery)

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Keep the conversation reference fresh, then handle the activity (once)."""
        activity = turn_context.activity
        if activity.type == ActivityTypes.message and not await self._first_time(activity):
            log.info("teams redelivery ignored", extra={"tenant": tenant_of(activity)})
            return
        if activity.type == ActivityTypes.message or (
            activity.type == ActivityTypes.installation_update
            and activity.action in ("add", "add-upgrade")
        ):
            await self._remember(activity)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A typed command or a card submit."""
        activity = turn_context.activity
        incoming = incoming_of(activity)
        if incoming is None:
            log.info(
                "unreadable message ignored kindly",
                extra={"tenant": tenant_of(activity), "platform": "teams"},
            )
            await turn_context.send_activity(card_activity(kind_reply(ErrorCode.UNKNOWN_COMMAND)))
            return
        share = activity.value.get(SHARE_KEY) if isinstance(activity.value, dict) else None
        if isinstance(share, str) and incoming.via_button:
            await self._delivery.share(turn_context, incoming, share)
            return
        reply = await self._reply(incoming)
        # A button (not a form: the card it was written on stays) pressed in the personal chat.
        pressed = activity.reply_to_id if incoming.via_button and incoming.form is None else None
        if (
            pressed
            and kind_of(activity) == "personal"
            and await self._port.replace_pressed(turn_context, pressed, incoming.person, reply)
        ):
            return
        await self._delivery.deliver(turn_context, incoming, reply)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Universal Actions and file consent; any other invoke gets an empty answer."""
        activity = turn_context.activity
        if activity.name == invokes.CARD_ACTION:
            return await self._actions.execute(turn_context)
        if activity.name == invokes.FILE_CONSENT and invokes.file_consent(activity.value):
            return await super().on_invoke_activity(turn_context)
        log.info(
            "Teams invoke not handled",
            extra={
                "tenant": tenant_of(activity),
                "platform": "teams",
                "command": invokes.loggable(activity.name),
            },
        )
        return invokes.empty()

    async def _reply(self, incoming: Incoming) -> Reply:
        # `home` is a core command like any other: Teams has no App Home, and the private
        # reply it makes goes to the person's personal chat.
        return await self._core.handle(incoming, self._port)

    async def on_teams_members_added_dispatch(
        self, members_added: list[ChannelAccount], team_info: Any, turn_context: TurnContext
    ) -> None:
        """The bot joined a team, chat or personal scope: welcome once (no roster look-ups)."""
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient is not None else None
        if not any(member.id == bot_id for member in members_added or []):
            return
        await self._remember(activity)
        tenant = tenant_of(activity)
        sender = activity.from_property
        if kind_of(activity) == "personal" and sender is not None and sender.id:
            reply = await self._core.home(Person(tenant=tenant, user_id=str(sender.id)))
        else:
            reply = await self._core.welcome(tenant, MENTION_PREFIX)
        await turn_context.send_activity(await self._port.activity(tenant, reply))
        log.info("welcomed", extra={"tenant": tenant, "platform": "teams"})

    async def on_teams_members_removed_dispatch(
        self, members_removed: list[ChannelAccount], team_info: Any, turn_context: TurnContext
    ) -> None:
        """The bot was removed from a team or chat: forget where it could post."""
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient is not None else None
        if any(member.id == bot_id for member in members_removed or []):
            await self._forget(activity)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """Uninstalled: forget the team's (or chat's) conversation references."""
        await self._forget(turn_context.activity)

    async def _first_time(self, activity: Activity) -> bool:
        """Whether this message is new: the Bot Framework resends one whose answer was slow."""
        if not activity.id or activity.conversation is None:
            return True
        # Conversation ids are long and activity ids only unique within one: a digest of both.
        both = f"{activity.conversation.id}\n{activity.id}".encode()
        return await self._seen.first(
            tenant_of(activity), f"teams:{hashlib.sha256(both).hexdigest()}"
        )

    async def _remember(self, activity: Activity) -> None:
        if activity.conversation is None or not activity.conversation.id:
            return
        kind = kind_of(activity)
        sender = activity.from_property
        reference = TurnContext.get_conversation_reference(activity)
        await self._references.save(
            tenant_of(activity),
            reference.serialize(),
            kind=kind,
            user_id=str(sender.id) if kind == "personal" and sender and sender.id else None,
            team_id=team_of(activity),
            title=title_of(activity) if kind != "personal" else None,
        )

    async def _forget(self, activity: Activity) -> None:
        tenant = tenant_of(activity)
        team = team_of(activity)
        if team is not None:
            await self._references.remove(tenant, team_id=team)
        elif activity.conversation is not None and activity.conversation.id:
            await self._references.remove(tenant, conversation_id=str(activity.conversation.id))

    async def on_teams_file_consent_accept(
        self, turn_context: TurnContext, file_consent_card_response: FileConsentCardResponse
    ) -> None:
        """The person accepted a file: upload it to where Teams says, then show it."""
        context = {"tenant": tenant_of(turn_context.activity), "platform": "teams"}
        path = files.offered_path(
            file_consent_card_response, self._core.services.options.reports_dir
        )
        shown = (
            None
            if path is None
            else await files.upload(file_consent_card_response, path, self._session.get())
        )
        if shown is None:
            log.warning("offered file not delivered", extra=context)
            await turn_context.send_activity(card_activity(kind_reply(ErrorCode.UNAVAILABLE)))
            return
        await turn_context.send_activity(shown)
        log.info("file delivered", extra=context)

    async def on_teams_file_consent_decline(
        self, turn_context: TurnContext, file_consent_card_response: FileConsentCardResponse
    ) -> None:
        """The person declined a file: nothing is uploaded."""
        words = "No problem, nothing was saved. Ask again whenever you want the file."
        await turn_context.send_activity(card_activity(Reply.saying(words)))


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Any error in a person's turn: log it with ids only, and reply gently."""
    activity = turn_context.activity
    if activity.type == ActivityTypes.event and activity.name in PROACTIVE_EVENTS:
        raise error
    context = {"tenant": tenant_of(activity), "platform": "teams"}
    failure = delivery_error(error)
    if UNEXPECTED not in failure.reason:
        # The connector refused, timed out or could not be reached: a known failure, not a bug
        # to trace. The port counts its own calls; this was the turn's reply, counted here.
        if not isinstance(error, DeliveryError):
            metrics.platform_call("teams", "failed")
        log.warning("Teams reply not delivered", extra={**context, "status": failure.reason})
    else:
        log.error("Teams turn failed", exc_info=error, extra={**context, "status": activity.type})
    sorry = sorry_reply()
    try:
        if activity.type == ActivityTypes.invoke:
            # Teams waits for an invoke's own answer; a card action carries the apology in it.
            executing = activity.name == invokes.CARD_ACTION
            answer = invokes.message(sorry.summary) if executing else invokes.empty()
            await turn_context.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=answer)
            )
            if executing:
                return
        await turn_context.send_activity(card_activity(sorry))
    except Exception as failure:
        log.warning(
            "could not tell the person something went wrong",
            extra={"tenant": tenant_of(activity), "status": type(failure).__name__},
        )
