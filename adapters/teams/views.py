"""User-specific views of a shared poll (Universal Actions' `refresh`).

A check-in poll is one message everyone in the channel sees; each answer updates it in place
(`ChatPort.update`), and that update replaces, on every screen, the private confirmation the
presser was just shown. So the poll card carries a `refresh` action: when it changes, each
viewer's Teams client asks the bot (an `adaptiveCard/action` invoke, `trigger: automatic`) what
that viewer should see, and the bot answers the person who answered with their own view (the
poll as it is now and the value they chose) and everyone else with the shared card.

Privacy. The card carries no `userIds`: that list would name, in a card every member's client
receives, who answered the check-in. Without it Teams refreshes every viewer in conversations of
up to 60 people, and offers "Refresh card" in the message menu in larger ones. What a person
chose is kept here only, in this process's memory: under a keyed digest of tenant, poll and user
(a key made at start and never stored, so the digests match nothing outside this process), for
a bounded number of polls and people, lost on restart. It is never stored, logged or counted.
After a restart, or on another replica, a person is shown the shared card until they answer
again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict
from typing import TypeVar

from bot.messages import Context, Divider, Poll, Reply, Text

# The verb and data key of the poll card's refresh action.
REFRESH_VERB = "refreshPoll"
REFRESH_KEY = "crbot_refresh"
ONLY_YOU = "Only you can see this."
# Bounds on what is remembered: polls (oldest forgotten first) and people in each.
MAX_POLLS = 2000
MAX_PEOPLE_PER_POLL = 2000

K = TypeVar("K")
V = TypeVar("V")


def poll_of(reply: Reply) -> Poll | None:
    """The reply's poll, when it shows exactly one (a check-in, not a survey's several)."""
    polls = [block for block in reply.blocks if isinstance(block, Poll)]
    return polls[0] if len(polls) == 1 else None


def chosen_label(shown: Reply, command: str) -> str | None:
    """The label of the answer a command gives, read from the poll as it is shown."""
    for block in shown.blocks:
        if isinstance(block, Poll):
            for option in block.options:
                if option.command == command:
                    return option.label
    return None


def own_view(shared: Reply, label: str) -> Reply:
    """The poll as everyone sees it, with the presser's own answer under it, for them alone."""
    return Reply(
        summary=shared.summary,
        blocks=(
            *shared.blocks,
            Divider(),
            Text(text=f"You chose *{label}*. Thank you, your answer is in."),
            Context(text=ONLY_YOU),
        ),
    )


class PollViews:
    """The latest shared card of each poll this process showed, and each presser's choice."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)
        self._shared: OrderedDict[tuple[str, str], Reply] = OrderedDict()
        self._chosen: OrderedDict[tuple[str, str], OrderedDict[str, str]] = OrderedDict()

    def shown(self, tenant: str, reply: Reply) -> None:
        """Note a poll message as it was just posted or updated for everyone."""
        poll = poll_of(reply)
        if poll is None or reply.private:
            return
        _put(self._shared, (tenant, poll.poll_id), reply)

    def answered(self, tenant: str, poll_id: str, user_id: str, label: str) -> None:
        """Note what a person chose, for their own view only."""
        people = self._chosen.get((tenant, poll_id)) or OrderedDict()
        _put(self._chosen, (tenant, poll_id), people)
        _put(people, self._digest(tenant, poll_id, user_id), label, MAX_PEOPLE_PER_POLL)

    def shared(self, tenant: str, poll_id: str) -> Reply | None:
        """The poll as everyone now sees it, when this process showed it."""
        return self._shared.get((tenant, poll_id))

    def view(self, tenant: str, poll_id: str, user_id: str) -> Reply | None:
        """What this person should see of the poll: their own view when they answered it here,
        else the shared card; None when this process has not shown the poll."""
        shared = self.shared(tenant, poll_id)
        if shared is None:
            return None
        people = self._chosen.get((tenant, poll_id))
        label = people.get(self._digest(tenant, poll_id, user_id)) if people else None
        return shared if label is None else own_view(shared, label)

    def _digest(self, tenant: str, poll_id: str, user_id: str) -> str:
        message = f"{tenant}\n{poll_id}\n{user_id}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def _put(store: OrderedDict[K, V], key: K, value: V, limit: int = MAX_POLLS) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > limit:
        store.popitem(last=False)
