"""Universal Actions: an `Action.Execute` (the invoke `adaptiveCard/action`) runs like a card
submit, and is answered in the invoke itself, with a card or a short text.

A click that changed a card (a poll's answer) answers the card pressed for the presser alone
(`execute.py`), and the poll card's automatic refresh brings that view back after the poll's
update for everyone (`views.py`). Other clicks: in a personal chat the reply card replaces the
one pressed; elsewhere the reply goes where a submit's would and Teams shows the person a note.
"""

from __future__ import annotations

import logging

from botbuilder.core import InvokeResponse, TurnContext

from adapters.teams import execute, invokes
from adapters.teams.activities import incoming_of, kind_of, tenant_of
from adapters.teams.delivery import Delivery
from adapters.teams.port import TeamsPort
from adapters.teams.render import SHARE_KEY
from adapters.teams.views import chosen_label, poll_of
from bot.core import Core
from bot.errors import ErrorCode
from bot.messages import Person, Reply
from bot.wording import kind_reply

log = logging.getLogger(__name__)

# What a card action answers when its reply went elsewhere: the same whatever the reply said.
REPLIED_PRIVATELY = "I've replied in our personal chat."
DONE = "Done."


class CardActions:
    """Answers the invokes of `Action.Execute` buttons."""

    def __init__(self, core: Core, port: TeamsPort, delivery: Delivery) -> None:
        self._core = core
        self._port = port
        self._delivery = delivery

    async def execute(self, turn_context: TurnContext) -> InvokeResponse:
        """An Action.Execute: run like a card submit; answer with the card or a short text."""
        activity = turn_context.activity
        context = {"tenant": tenant_of(activity), "platform": "teams"}
        poll_id = invokes.refreshed(activity.value)
        if poll_id is not None:
            return await self._refresh(turn_context, poll_id)
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
            await self._delivery.share(turn_context, incoming, share)
            return invokes.message(DONE)
        watching = execute.UpdatesSeen(self._port)
        reply = await self._core.handle(incoming, watching)
        if watching.updated and reply.private:
            # The click changed a card (a poll): everyone's copy is updated; the card pressed
            # shows the presser alone that update, their answer and their private reply.
            updated = watching.updated[-1]
            self._remember_choice(incoming.person, updated, incoming.text)
            shown = execute.in_place(updated, reply, incoming.text)
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
        privately = await self._delivery.deliver(turn_context, incoming, reply)
        return invokes.message(REPLIED_PRIVATELY if privately else DONE)

    async def _refresh(self, turn_context: TurnContext, poll_id: str) -> InvokeResponse:
        """A viewer's client asks what they should see of a poll: their own view, or the
        shared card; the base card stays when this process has not shown the poll."""
        activity = turn_context.activity
        tenant, sender = tenant_of(activity), activity.from_property
        user_id = str(sender.id) if sender is not None and sender.id else ""
        view = self._port.views.view(tenant, poll_id, user_id) if user_id else None
        if view is None:
            return invokes.empty()
        answer = await self._port.activity(tenant, view)
        return invokes.card(answer.attachments[0].content)

    def _remember_choice(self, person: Person, updated: Reply, command: str) -> None:
        poll, label = poll_of(updated), chosen_label(updated, command)
        if poll is not None and label is not None:
            self._port.views.answered(person.tenant, poll.poll_id, person.user_id, label)
