"""`home`: the person's own view of the programme (Slack shows it in the App Home tab too)."""

from __future__ import annotations

from bot.features import home as home_view
from bot.messages import Person, Reply
from bot.registry import CommandSpec, Usage
from bot.services import Services
from bot.turn import Turn

# How many recent check-ins a facilitator's home lists.
RECENT_POLLS = 5


async def home_of(services: Services, person: Person) -> Reply:
    """The team's section and steps, plus what the person's roles add."""
    team = await services.team(person.tenant)
    roles = await services.roles_of(person.tenant, person.user_id)
    polls, zone = [], None
    if "facilitator" in roles:
        zone = await services.rollouts.team_zone(person.tenant, None, team.timezone)
        policy = services.policy(team)
        for poll in await services.polls.recent(person.tenant, limit=RECENT_POLLS):
            polls.append((poll, await services.polls.published(person.tenant, poll.id, policy)))
    pack, console = services.pack_of(team).pack, bool(services.options.public_url)
    return home_view.home(pack, team.current_section, roles, polls, console=console, zone=zone)


async def home(turn: Turn) -> Reply:
    """The home view, privately, wherever it was asked for."""
    reply = await home_of(turn.services, turn.incoming.person)
    return reply.model_copy(update={"private": True})


COMMANDS = (
    CommandSpec(
        name="home",
        handle=home,
        usage=(Usage("home", "your own view: the team's section, steps and what you can do"),),
        menu="Your own view of the programme",
        rank=5,
    ),
)
