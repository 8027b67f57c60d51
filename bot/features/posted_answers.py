"""Leaders' answers posted to a channel (on a question, on a driver) and taking one down: the
leader is asked first, and only the confirming word deletes it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.messages import Block, Button, Buttons, Context, MessageRef, Reply, Text
from bot.ports import ChatPort

# The word that confirms taking a posted answer down: `ask unpost 3 yes`, `drivers unpost 3 yes`.
SURE = "yes"
DELETE_LABEL = "Delete the posted answer"


def delete_button(command: str) -> Button:
    """The button that starts taking a posted answer down (`command` then asks first)."""
    return Button(label=DELETE_LABEL, command=command)


def delete_confirm(summary: str, question: str, command: str, *shown: Block) -> Reply:
    """Asks `question` (with what the answer says, when `shown`) before `command` + SURE deletes
    the posted answer; nothing is done until then."""
    sure = f"{command} {SURE}"
    return Reply(
        summary=summary,
        blocks=(
            Text(text=question),
            *shown,
            Buttons(buttons=(delete_button(sure),)),
            Context(text=f"Or type `{sure}`. Nothing has been deleted."),
        ),
    )


async def take_down(
    port: ChatPort, message: MessageRef | None, withdraw: Callable[[], Awaitable[None]]
) -> bool:
    """Delete the answer's `message`, then `withdraw` the answer from its item; False when no
    message is kept.

    The message goes first: if withdrawing then fails, deleting again finds it gone, which
    counts as done (`ChatPort.delete`), so the leader can simply try again.
    """
    if message is None:
        return False
    await port.delete(message)
    await withdraw()
    return True
