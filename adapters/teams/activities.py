"""What an activity says: its tenant, team, kind of conversation and title, and the core's
`Incoming` for a typed command or a card action."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from adapters.teams.port import TENANT_PREFIX
from adapters.teams.render import command_of, form_answers
from bot.messages import Incoming, Person, Target

# A typed command is one line; anything far longer is not one, whatever it says.
MAX_COMMAND_CHARS = 4000
# In a channel the bot hears only what mentions it; a personal chat takes the bare words.
MENTION_PREFIX = "@crbot "
_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)


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
