"""The last listeners: whatever Slack sends that no other listener takes is still answered.

Slack shows the person an error for any interaction not acked with a 200 within 3 seconds, and
retries an event that is not. A button on a message from an older version, a shortcut the app no
longer has, a modal opened by one: each is acked, logged with ids only, and where Slack gave a
response URL the person hears, privately, that it belongs to an older message.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from adapters.slack.port import tenant_of
from bot.commands import PREFIX

log = logging.getLogger(__name__)

OLDER = (
    "That belongs to an older message, so I can no longer act on it. "
    f"Type `/{PREFIX} help` to see what I can do now."
)
UNKNOWN_COMMAND = f"I don't know that command. Type `/{PREFIX} help` to see what I can do."
# Matches every id, so each listener takes every request of its kind that reaches it.
ANY = re.compile("")

Json = dict[str, Any]


def register_fallbacks(app: AsyncApp) -> None:
    """Attach them; bolt tries listeners in order, so call this after every other listener."""
    app.command(ANY)(unknown_command)
    app.action(ANY)(older)  # block actions, and legacy attachments and dialogs by callback id
    app.view_submission(ANY)(older)
    app.view_closed(ANY)(older)
    app.shortcut(ANY)(older)  # global and message shortcuts
    app.options(ANY)(no_options)
    app.event(ANY)(unsubscribed)


async def unknown_command(ack: AsyncAck, body: Json) -> None:
    """A command the manifest has and the code does not: say so, only to the person."""
    await ack(text=UNKNOWN_COMMAND)
    log.info("slack command unknown", extra=_ids(body, str(body.get("command"))))


async def older(
    ack: AsyncAck, body: Json, context: AsyncBoltContext, respond: AsyncRespond
) -> None:
    """Something clicked, submitted or closed that no listener knows: ack it, and tell the
    person where Slack gave a way to (a modal closing or the Home tab leaves nothing to say)."""
    await ack()
    kind = str(body.get("type") or "interaction")
    log.info("slack %s for nothing the bot knows", kind, extra=_ids(body, kind))
    if kind == "view_closed" or not context.get("response_url"):
        return
    try:
        response = await respond(response_type="ephemeral", replace_original=False, text=OLDER)
    except Exception as error:  # a URL that expired or cannot be reached: nothing more to do
        log.warning(
            "slack response_url not reached: %s", type(error).__name__, extra=_ids(body, kind)
        )
        return
    if response.status_code >= 300:
        log.info(
            "slack response_url refused", extra={**_ids(body, kind), "status": response.status_code}
        )


async def no_options(ack: AsyncAck) -> None:
    """A menu asking for options the bot does not serve: none."""
    await ack(options=[])


async def unsubscribed(body: Json) -> None:
    """An event no listener takes (the manifest subscribes to more than is handled): acked, so
    Slack does not send it again."""
    event = body.get("event") or {}
    log.info("slack event not handled", extra=_ids(body, str(event.get("type") or "")))


def _ids(body: Json, what: str) -> dict[str, str]:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    return {"platform": "slack", "tenant": tenant_of(str(team)), "command": what}
