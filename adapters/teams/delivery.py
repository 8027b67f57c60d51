"""Where a reply goes: the conversation it was asked in, or, when it is private and that
conversation is shared, the person's personal chat with the bot.

Teams has no ephemeral messages, so a private reply to someone in a channel or group chat goes
to their personal chat (opened if need be). If that fails, the thread gets only a note that says
the same for every reply: a private reply (a check-in's acknowledgement, which may carry the note
after a low answer) never shows there.
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from adapters.teams.activities import kind_of
from adapters.teams.port import TeamsPort, card_activity
from adapters.teams.render import share_data
from bot.core import Core
from bot.errors import DeliveryError, ErrorCode
from bot.messages import Incoming, Reply, Target
from bot.wording import kind_reply

log = logging.getLogger(__name__)

# The same words whatever the private reply was, so the thread learns nothing from it.
PRIVATE_CHAT_NEEDED = Reply.saying(
    "I have a private reply for you but couldn't open our personal chat. Open a chat with me "
    "(the bot's name, then Chat) and send `help`; I'll answer you there."
)


class Delivery:
    """Sends the core's replies to a person's turn where they belong."""

    def __init__(self, core: Core, port: TeamsPort) -> None:
        self._core = core
        self._port = port

    async def deliver(self, turn_context: TurnContext, incoming: Incoming, reply: Reply) -> bool:
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

    async def share(self, turn_context: TurnContext, incoming: Incoming, address: str) -> None:
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
