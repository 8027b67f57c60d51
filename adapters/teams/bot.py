"""Teams activities -> the core: typed commands, card submits, installs and uninstalls.

Replies are cards in the same conversation. Teams has no ephemeral messages, so a private reply
to someone in a channel or group chat goes to their personal chat with the bot (opened if need be).
If that fails, the thread gets only a note that says the same for every reply: a private reply
(a check-in's acknowledgement, which may carry the note after a low answer) never shows there.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityEventNames, ActivityTypes, ChannelAccount
from botbuilder.schema.teams import FileConsentCardResponse

from adapters.teams import execute, files, invokes
from adapters.teams.port import (
    TENANT_PREFIX,
    UNEXPECTED,
    TeamsPort,
    card_activity,
    delivery_error,
)
from adapters.teams.references import ReferenceStore
from adapters.teams.render import SHARE_KEY, command_of, form_answers, share_data
from bot import metrics
from bot.core import Core
from bot.errors import DeliveryError, ErrorCode
from bot.messages import Incoming, Person, Reply, Target
from bot.ports import ChatPort
from bot.storage.seen import SeenRequests
from bot.wording import kind_reply, sorry_reply

log = logging.getLogger(__name__)

# The same words whatever the private reply was, so the thread learns nothing from it.
PRIVATE_CHAT_NEEDED = Reply.saying(
    "I have a private reply for you but couldn't open our personal chat. Open a chat with me "
    "(the bot's name, then Chat) and send `help`; I'll answer you there."
)

# What a card action answers when its reply went elsewhere: the same whatever the reply said.
REPLIED_PRIVATELY = "I've replied in our personal chat."
DONE = "Done."

# A typed command is one line; anything far longer is not one, whatever it says.
MAX_COMMAND_CHARS = 4000
# In a channel the bot hears only what mentions it; a personal chat takes the bare words.
MENTION_PREFIX = "@crbot "
_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
# Proactive turns (continue/create conversation) must let their errors reach the port.
PROACTIVE_EVENTS = frozenset(
    {ActivityEventNames.continue_conversation, ActivityEventNames.create_conversation}
)


def tenant_of(activity: Activity) -> str:
    """`teams:<tenant guid>`; the Emulator sends none, so it is `teams:local`."""
    conversation = activity.conversation
    guid = conversation.tenant_id if conversation is not None else None
    if not guid:
        tenant = _channel_data(activity).get("tenant")
        guid = tenant.get("id") if isinstance(tenant, dict) else None
    return f"{TENANT_PREFIX}{guid or 'local'}"


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def team_of(activity: Activity) -> str | None:
    """The team a channel conversation belongs to."""
    team = _channel_data(activity).get("team")
    return str(team["id"]) if isinstance(team, dict) and team.get("id") else None


def title_of(activity: Activity) -> str | None:
    """What people call the place, when the activity says (Teams names a team on install)."""
    data = _channel_data(activity)
    team, channel = data.get("team"), data.get("channel")
    team_name = team.get("name") if isinstance(team, dict) else None
    if team_name:
        channel_name = channel.get("name") if isinstance(channel, dict) else None
        return f"{team_name} / {channel_name or 'General'}"[:300]
    conversation = activity.conversation
    if kind_of(activity) == "groupChat" and conversation is not None and conversation.name:
        return str(conversation.name)[:300]
    return None


def kind_of(activity: Activity) -> str:
    """personal, channel or groupChat (the Emulator's chats count as personal)."""
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation is not None else None
    return kind if kind in ("channel", "groupChat") else "personal"


def command_text(activity: Activity) -> str:
    """What was typed, without the @mention of the bot that Teams puts in channel messages."""
    text = activity.text or ""
    # A malformed mention entity makes botbuilder raise; the pattern below still removes the tag.
    with contextlib.suppress(AttributeError, KeyError, TypeError):
        text = TurnContext.remove_recipient_mention(activity) or ""
    return " ".join(_MENTION.sub(" ", text).replace("&nbsp;", " ").split())


def incoming_of(activity: Activity, value: object = None) -> Incoming | None:
    """The core's view of a message activity, or of a card action's `value`; None when it
    carries no usable command."""
    tenant = tenant_of(activity)
    sender = activity.from_property
    if sender is None or not sender.id or activity.conversation is None:
        return None
    person = Person(tenant=tenant, user_id=str(sender.id), display_name=sender.name)
    place = Target(tenant=tenant, address=str(activity.conversation.id))
    private = kind_of(activity) == "personal"
    value = activity.value if value is None else value
    if value is not None:
        # A card's Action.Submit: the button's command, and what its form's inputs held.
        if not isinstance(value, dict):
            return None
        command = command_of(value)
        if not isinstance(command, str) or not command or len(command) > MAX_COMMAND_CHARS:
            return None
        return Incoming(
            person=person,
            place=place,
            text=command,
            form=form_answers(value),
            via_button=True,
            private_place=private,
            prefix="" if private else MENTION_PREFIX,
            private_prefix="",
        )
    text = command_text(activity)
    if len(text) > MAX_COMMAND_CHARS:
        return None
    prefix = "" if private else MENTION_PREFIX
    return Incoming(
        person=person,
        place=place,
        text=text or "help",
        private_place=private,
        prefix=prefix,
        # Private replies go to the person's personal chat, where the bare words work.
        private_prefix="",
        # A message in a channel is a post everyone there reads, name and words alike.
        typed_publicly=not private,
    )


class TeamsBot(TeamsActivityHandler):  # type: ignore[misc]
    """Translates activities for the core and delivers its replies as cards."""

    def __init__(
        self, core: Core, port: TeamsPort, references: ReferenceStore, seen: SeenRequests
    ) -> None:
        self._core = core
        self._port = port
        self._references = references
        self._seen = seen

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
            await self._share(turn_context, incoming, share)
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
        await self._deliver(turn_context, incoming, reply)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Universal Actions and file consent; any other invoke gets an empty answer."""
        activity = turn_context.activity
        if activity.name == invokes.CARD_ACTION:
            return await self._execute(turn_context)
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

    async def _execute(self, turn_context: TurnContext) -> InvokeResponse:
        """An Action.Execute: run like a card submit; answer with the card or a short text."""
        activity = turn_context.activity
        context = {"tenant": tenant_of(activity), "platform": "teams"}
        value = invokes.executed(activity.value)
        if value is None:
            log.info("card action refused: not an Action.Execute", extra=context)
            return invokes.bad_request("expected an Action.Execute")
        incoming = incoming_of(activity, value)
        if incoming is None:
            log.info("unreadable card action answered kindly", extra=context)
            return invokes.message(kind_reply(ErrorCode.UNKNOWN_COMMAND).summary)
        share = value.get(SHARE_KEY)
        if isinstance(share, str):
            await self._share(turn_context, incoming, share)
            return invokes.message(DONE)
        watching = execute.UpdatesSeen(self._port)
        reply = await self._reply(incoming, watching)
        if watching.updated and reply.private:
            # The click changed a card (a poll): everyone's copy is updated; the card pressed
            # shows the presser alone that update, their answer and their private reply.
            shown = execute.in_place(watching.updated[-1], reply, incoming.text)
            answer = await self._port.activity(incoming.person.tenant, shown)
            return invokes.card(answer.attachments[0].content)
        if kind_of(activity) == "personal":
            shown = await self._port.activity(incoming.person.tenant, reply, personal=True)
            if len(shown.attachments) == 1:
                # Only the person sees their personal chat, so the reply can take the card's
                # place; file offers are cards of their own and go as a message instead.
                return invokes.card(shown.attachments[0].content)
            await turn_context.send_activity(shown)
            return invokes.message(DONE)
        # Elsewhere the answering card would replace the pressed one for everyone there.
        privately = await self._deliver(turn_context, incoming, reply)
        return invokes.message(REPLIED_PRIVATELY if privately else DONE)

    async def _reply(self, incoming: Incoming, port: ChatPort | None = None) -> Reply:
        # `home` is a core command like any other: Teams has no App Home, and the private
        # reply it makes goes to the person's personal chat.
        return await self._core.handle(incoming, port or self._port)

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

    async def _deliver(self, turn_context: TurnContext, incoming: Incoming, reply: Reply) -> bool:
        """Send the reply where it belongs; whether it went to the person's personal chat."""
        person = incoming.person
        if reply.private and kind_of(turn_context.activity) != "personal":
            share = None
            if reply.shareable and not incoming.via_button:
                share = share_data(incoming.text, incoming.place.address)
            try:
                await self._port.send_private(person, reply, share=share)
                return True
            except DeliveryError as error:
                log.info(
                    "private reply not delivered; the conversation is told to open a chat",
                    extra={"tenant": person.tenant, "platform": "teams", "status": error.reason},
                )
                reply = PRIVATE_CHAT_NEEDED
        personal = kind_of(turn_context.activity) == "personal"
        await turn_context.send_activity(
            await self._port.activity(person.tenant, reply, personal=personal)
        )
        return False

    async def on_teams_file_consent_accept(
        self, turn_context: TurnContext, file_consent_card_response: FileConsentCardResponse
    ) -> None:
        """The person accepted a file: upload it to where Teams says, then show it."""
        context = {"tenant": tenant_of(turn_context.activity), "platform": "teams"}
        path = files.offered_path(
            file_consent_card_response, self._core.services.options.reports_dir
        )
        shown = None if path is None else await files.upload(file_consent_card_response, path)
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

    async def _share(self, turn_context: TurnContext, incoming: Incoming, address: str) -> None:
        """Post a shareable reply, asked for privately, in the channel it was asked from."""
        place = Target(tenant=incoming.person.tenant, address=address)
        asked = incoming.model_copy(update={"place": place, "via_button": False})
        reply = await self._core.handle(asked, self._port)
        context = {"tenant": place.tenant, "platform": "teams"}
        if not reply.shareable:
            # Only what the core marks shareable goes public; anything else stays private.
            await turn_context.send_activity(await self._port.activity(place.tenant, reply))
            return
        try:
            await self._port.send(place, reply.model_copy(update={"private": False}))
        except DeliveryError as error:
            log.info("share refused", extra={**context, "status": error.reason})
            unavailable = kind_reply(ErrorCode.UNAVAILABLE)
            await turn_context.send_activity(card_activity(unavailable))
            return
        log.info("shared in a channel", extra=context)


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
