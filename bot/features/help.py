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
    "`checkin` or `checkin 4`: the fist-to-five check-in (0 to 5); "
    "`checkin reminders off` stops its one reminder",
    "`section`: what the team is working on",
    "`ask ...`: a question or concern for leadership, sent anonymously; "
    "`ask check CODE` shows you its answer with the reply code you were given",
    "`suggest ...`: what would help? Facilitators see suggestions only together, once enough "
    "different people have written",
    "`drivers`: our board of what drains us and keeps us going; `drivers add ...` adds one "
    "anonymously, `drivers sort N mine|leadership|cannot` sorts yours",
    "`agreements`: our culture agreements; `agreements propose ...` and `agreements star N`",
    "`survey`: the programme survey posted here; `survey 2 4` answers question 2 with 4",
    "`privacy show-me` / `privacy delete-me`: what the bot holds about you, and deleting it",
)
FACILITATORS = (
    "`section 2`: move the team on to another section",
    "`asks`: questions waiting; `ask forward N` passes one to leaders",
    "`report` or `report here`: check-in and survey counts, privately",
    "`drivers sort N ...`: sort any driver on the board",
    "`agreements agree N`, `agreements drop N`, `agreements post`: record the agreements and pin "
    "the list",
    "`survey pre|mid|post`: post a programme survey here now",
)
LEADERS = (
    "`follow-up ...`: post a follow-up to this channel",
    "`console`: your own link to the console, to plan and follow the programme in a browser",
)
LEADERS_ONLY = (
    "`ask answer N ...`: answer a forwarded question; it is posted with the question in the "
    "team's channel",
    "`drivers answer N this-year|next-year|unlikely`: answer a leadership driver",
    "`drivers progress N ...`: share progress on a driver",
)


def help_reply(roles: frozenset[str], pack_title: str) -> Reply:
    """The commands, with the extra ones the person's role allows."""
    items = EVERYONE + (FACILITATORS if "facilitator" in roles else ())
    if roles & {"facilitator", "leader"}:
        items += LEADERS
    if "leader" in roles:
        items += LEADERS_ONLY
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
