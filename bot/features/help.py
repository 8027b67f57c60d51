"""What people can ask for, shown by `help` and on welcome."""

from __future__ import annotations

from bot.messages import Bullets, Context, Heading, Reply, Text

EVERYONE = (
    "`compassion-steps`: the six Compassionate Action Steps",
    "`compassion-steps 3` or `compassion-steps empathy`: one step with its questions",
    "`compassion-steps tips`: phrases for moving from empathy to action",
    "`scenario` or `scenario 2`: walk through a scenario, step by step",
    "`next` / `back`: move through the walkthrough; `reflect ...`: a private reflection",
    "`reflections`: your own reflections (only you can see them)",
    "`practice`: this section's wellness practice",
    "`prompt`: today's prompt",
    "`checkin` or `checkin 4`: the fist-to-five check-in (0 to 5)",
    "`section`: what the team is working on",
)
FACILITATORS = ("`section 2`: move the team on to another section",)
LEADERS = ("`follow-up ...`: post a follow-up to this channel",)


def help_reply(roles: frozenset[str], pack_title: str) -> Reply:
    """The commands, with the extra ones the person's role allows."""
    items = EVERYONE + (FACILITATORS if "facilitator" in roles else ())
    if roles & {"facilitator", "leader"}:
        items += LEADERS
    return Reply(
        summary="What I can do",
        blocks=(
            Heading(text="Hello! I'm here between your circles."),
            Text(text=f"I share the {pack_title}: its steps, practices and check-ins."),
            Bullets(items=items),
            Context(text="Check-in answers are private: only counts are ever shown."),
        ),
    )
