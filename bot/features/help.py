"""What people can ask for, shown by `help` and on welcome."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands import Usage, typed_as
from bot.messages import Bullets, Context, Heading, Reply, Text


def help_reply(lines: Sequence[Usage], prefix: str, pack_title: str) -> Reply:
    """The commands the person may use, each as it must be typed where they are."""
    items = tuple(f"`{typed_as(line.typed, prefix)}`: {line.does}" for line in lines)
    return Reply(
        summary="What I can do",
        blocks=(
            Heading(text="Hello! I'm here between your circles."),
            Text(text=f"I share the {pack_title}: its steps, practices and check-ins."),
            Bullets(items=items),
            Context(
                text="Check-in answers are private: only figures about the whole group are shown."
            ),
            Context(text=NOT_A_CRISIS_SERVICE),
        ),
    )


# Staff may tell a bot things they would tell a person; it must say plainly that nobody reads
# them as they arrive, and where to turn instead.
NOT_A_CRISIS_SERVICE = (
    "Nobody watches what you send me as it arrives, and I am not a crisis service. If you need "
    "help now, contact your employee assistance programme, your local crisis line or your "
    "local emergency number."
)
