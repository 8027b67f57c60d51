"""`console`: a private one-time link that signs a facilitator or leader in to the console."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from bot.console.access import CONSOLE_ROLES, LINK_MINUTES, ConsoleSessionStore
from bot.messages import Context, Incoming, Link, Reply, Text
from bot.storage.team_settings import TeamSettings

log = logging.getLogger(__name__)

# The path the web server answers a link on; the token travels in the query string, which the
# access log never writes.
SIGNIN_PATH = "/console/signin"

NOT_FOR_YOU = (
    "The console is where your team's facilitators and leaders plan the programme. "
    "If you run circles here, an administrator can make you a facilitator."
)
NOT_SET_UP = (
    "The console isn't switched on for this installation yet: an administrator sets "
    "CRBOT_PUBLIC_URL to the address people's browsers reach the bot at."
)

PORT_TAKEN = (
    "The console couldn't open on this computer: another program is using port {port}. "
    "Quit the shell, start it again on a free port (for example `PORT=8080 crbot shell`), "
    "then type `console` here again."
)


class Asking(Protocol):
    """What the link needs of a request: who asks, in which team, holding which roles."""

    @property
    def incoming(self) -> Incoming: ...

    @property
    def team(self) -> TeamSettings: ...

    @property
    def roles(self) -> frozenset[str]: ...


async def console_link(
    turn: Asking,
    access: ConsoleSessionStore,
    public_url: str | None,
    now: datetime,
    *,
    port_taken: int | None = None,
) -> Reply:
    """The person's own link, good once for a few minutes; others hear who the console is for.
    `port_taken`: the local shell's console could not be served on that port."""
    context = {"tenant": turn.team.tenant_id, "command": "console"}
    if not turn.roles & CONSOLE_ROLES:
        return Reply.saying(NOT_FOR_YOU)
    if not public_url and port_taken is not None:
        log.info("console link refused: the local port was taken", extra=context)
        return Reply.saying(PORT_TAKEN.format(port=port_taken))
    if not public_url:
        log.info("console link refused: no public address configured", extra=context)
        return Reply.saying(NOT_SET_UP)
    token = await access.issue_link(turn.team.tenant_id, turn.incoming.person.user_id, now)
    log.info("console link sent", extra=context)
    words = (
        f"Here is your own link to the console. It works once, within {LINK_MINUTES} minutes: "
        "please don't share it."
    )
    return Reply(
        summary="Your link to the console",
        private=True,
        blocks=(
            Text(text=words),
            Link(url=f"{public_url}{SIGNIN_PATH}?token={token}", label="Open the console"),
            Context(text="Type `console` again whenever you need a new one."),
        ),
    )
