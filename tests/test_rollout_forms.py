"""Facilitators schedule, end and skip without typing ids, on the real platform stacks: a Slack
modal and buttons over a signed bolt endpoint, a Teams card form over the botbuilder endpoint,
each against a fake of the platform on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from tests.conftest import FrozenClock, TeamsEndpoint
from tests.fakes.bot_connector import CHANNEL, TENANT, FakeBotConnector, activity, mention
from tests.fakes.slack_api import SlackStack, running_slack

Json = dict[str, Any]
SLACK_TENANT = "slack:T1"
TEAMS_TENANT = f"teams:{TENANT}"


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


def slack_buttons(blocks: list[Json]) -> dict[str, Json]:
    found = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return {element["text"]["text"]: element for element in found}


async def press(stack: SlackStack, blocks: list[Json], label: str) -> None:
    """Fran presses a button of a private reply in the channel."""
    await stack.slack.click(slack_buttons(blocks)[label], user="fran", ephemeral=True)


def fields_of(view: Json) -> dict[str, Json]:
    return {block["block_id"]: block["element"] for block in view["blocks"]}


async def test_a_slack_facilitator_schedules_a_section_in_a_modal_from_the_channel(
    stack: SlackStack, core: Core
) -> None:
    status, body = await stack.slack.command("schedule", user="fran")
    assert status == 200
    blocks = json.loads(body)["blocks"]
    await press(stack, blocks, "Schedule a section")
    (opened,) = stack.fake.called("views.open")
    view = opened["view"]
    fields = fields_of(view)
    # Asked in the channel: the circle is this channel's, so the modal asks for none.
    assert [(name, element["type"]) for name, element in fields.items()] == [
        ("section", "static_select"),
        ("date", "datepicker"),
        ("time", "timepicker"),
        ("timezone", "static_select"),
    ]
    assert fields["section"]["options"][2]["value"].startswith("3: ")
    assert fields["time"]["initial_time"] == "09:00"

    status, _ = await stack.slack.submit(
        view,
        {
            "section": {"value": {"selected_option": {"value": "3: Delving"}}},
            "date": {"value": {"selected_date": "2027-04-01"}},
            "time": {"value": {"selected_time": "10:30"}},
            "timezone": {"value": {"selected_option": {"value": "America/Chicago"}}},
        },
        user="fran",
    )

    assert status == 200
    rollout = await core.services.rollouts.store.for_place(SLACK_TENANT, "C1")
    assert rollout is not None and rollout.timezone == "America/Chicago"
    assert [(c.section, f"{c.local:%Y-%m-%d %H:%M}") for c in rollout.circles] == [
        (3, "2027-04-01 10:30")
    ]
    told = json.dumps(stack.fake.called("chat.postEphemeral"))
    assert "Section 3's circle is set for 2027-04-01 at 10:30 (America/Chicago)" in told
    # The next modal starts on the team's zone.
    _, body = await stack.slack.command("schedule", user="fran")
    await press(stack, json.loads(body)["blocks"], "Schedule a section")
    zone = fields_of(stack.fake.called("views.open")[-1]["view"])["timezone"]
    assert zone["initial_option"]["value"] == "America/Chicago"


async def test_a_slack_facilitator_confirms_ending_the_rollout_and_can_undo_it(
    stack: SlackStack, core: Core
) -> None:
    await stack.slack.command("schedule 1 2027-03-23 09:00 Europe/London", user="fran")
    _, body = await stack.slack.command("rollout end", user="fran")
    asked = json.loads(body)
    assert "End this channel's rollout?" in asked["text"]
    assert await core.services.rollouts.store.for_place(SLACK_TENANT, "C1") is not None

    await press(stack, asked["blocks"], "Yes, end it")
    (ended,) = await stack.fake.wait_for_responses(1)
    assert "has ended" in ended["text"]
    assert await core.services.rollouts.store.for_place(SLACK_TENANT, "C1") is None

    await press(stack, ended["blocks"], "Undo")
    undone = (await stack.fake.wait_for_responses(2))[-1]
    assert "active again" in undone["text"]
    assert await core.services.rollouts.store.for_place(SLACK_TENANT, "C1") is not None


async def test_the_slack_preview_pages_through_every_post_with_buttons(stack: SlackStack) -> None:
    await stack.slack.command("schedule 1 2027-03-23 09:00 Europe/London", user="fran")
    _, body = await stack.slack.command("rollout preview", user="fran")
    first = json.loads(body)
    assert "Page 1 of " in json.dumps(first["blocks"])
    assert "Fri 19 Mar, 9:00: introduction for section 1" in json.dumps(first["blocks"])
    await press(stack, first["blocks"], "Later posts")
    (second,) = await stack.fake.wait_for_responses(1)
    assert "Page 2 of " in json.dumps(second["blocks"])
    assert "Earlier posts" in slack_buttons(second["blocks"])


def nodes(card: Any) -> Iterator[Json]:
    """Every object in a card, nested cards included."""
    if isinstance(card, dict):
        yield card
        for value in card.values():
            yield from nodes(value)
    elif isinstance(card, list):
        for item in card:
            yield from nodes(item)


def card_inputs(card: Json) -> dict[str, Json]:
    """The inputs of a card's shown forms, by id."""
    return {n["id"]: n for n in nodes(card) if str(n.get("type", "")).startswith("Input.")}


def card_submits(card: Json) -> dict[str, Json]:
    """Each Action.Submit's data, by its title."""
    return {n["title"]: n["data"] for n in nodes(card) if n.get("type") == "Action.Submit"}


async def facilitating_in_teams(
    core: Core, teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await core.services.team_settings.grant(TEAMS_TENANT, "29:user-ada", "facilitator")
    # The bot has been in the channel (so its reference is kept and the form can offer it).
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("hello")))
    bot_connector.calls.clear()


async def test_a_teams_facilitator_schedules_a_section_in_a_card_form(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    await facilitating_in_teams(core, teams_endpoint, bot_connector)
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("schedule")))
    (asked,) = bot_connector.calls
    # A private reply goes to the personal chat, so the form asks which channel, this one first.
    assert asked.conversation == "a:personal-29:user-ada"
    inputs = card_inputs(asked.card)
    assert {key: item["type"] for key, item in inputs.items()} == {
        "in_section": "Input.ChoiceSet",
        "in_channel": "Input.ChoiceSet",
        "in_date": "Input.Date",
        "in_time": "Input.Time",
        "in_timezone": "Input.ChoiceSet",
    }
    assert inputs["in_channel"]["value"] == CHANNEL
    submit = card_submits(asked.card)["Schedule"]
    value = {
        **submit,
        "in_section": inputs["in_section"]["choices"][1]["value"],
        "in_channel": CHANNEL,
        "in_date": "2027-04-06",
        "in_time": "08:15",
        "in_timezone": "Europe/Berlin",
    }

    status = await teams_endpoint.post(activity(bot_connector, value=value))

    assert status == 201
    rollout = await core.services.rollouts.store.for_place(TEAMS_TENANT, CHANNEL)
    assert rollout is not None and rollout.timezone == "Europe/Berlin"
    assert [(c.section, f"{c.local:%H:%M}") for c in rollout.circles] == [(2, "08:15")]
    told = bot_connector.calls[-1]
    assert any("Section 2's circle is set for 2027-04-06" in text for text in told.texts())
    # The next form starts on the team's zone.
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("schedule")))
    assert card_inputs(bot_connector.calls[-1].card)["in_timezone"]["value"] == "Europe/Berlin"


async def test_a_teams_facilitator_confirms_skipping_a_section_from_the_personal_chat(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    await facilitating_in_teams(core, teams_endpoint, bot_connector)
    typed = "schedule 1 2027-03-23 09:00 Europe/London"
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention(typed)))
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("rollout skip 1")))
    asked = bot_connector.calls[-1]
    assert any(text.startswith("Skip section 1?") for text in asked.texts())
    yes = card_submits(asked.card)["Yes, skip section 1"]

    await teams_endpoint.post(activity(bot_connector, value=yes))

    rollout = await core.services.rollouts.store.for_place(TEAMS_TENANT, CHANNEL)
    assert rollout is not None and [c.skipped for c in rollout.circles] == [True]
    undo = card_submits(bot_connector.calls[-1].card)["Undo"]
    await teams_endpoint.post(activity(bot_connector, value=undo))
    rollout = await core.services.rollouts.store.for_place(TEAMS_TENANT, CHANNEL)
    assert rollout is not None and [c.skipped for c in rollout.circles] == [False]


# A zone the form does not offer among its common ones, so starting on it shows it was chosen.
TEAM_ZONE = "Asia/Kolkata"


async def team_chooses(core: Core, tenant: str, zone: str) -> None:
    """The team's time zone chosen on the console's settings page."""
    await core.services.team(tenant)
    await core.services.team_settings.set_timezone(tenant, zone)


async def test_the_slack_schedule_modal_from_app_home_starts_on_the_zone_the_team_chose(
    stack: SlackStack, core: Core
) -> None:
    await team_chooses(core, SLACK_TENANT, TEAM_ZONE)
    await stack.slack.event(
        {"type": "app_home_opened", "user": "fran", "tab": "home"}, event_id="EvHome"
    )
    home = stack.fake.called("views.publish")[-1]["view"]["blocks"]

    await stack.slack.click(slack_buttons(home)["Schedule a section"], user="fran", channel=None)

    zone = fields_of(stack.fake.called("views.open")[-1]["view"])["timezone"]
    assert zone["initial_option"]["value"] == TEAM_ZONE
    assert zone["options"][0]["value"] == TEAM_ZONE


async def test_the_slack_schedule_modal_from_chat_starts_on_the_zone_the_team_chose(
    stack: SlackStack, core: Core
) -> None:
    await team_chooses(core, SLACK_TENANT, TEAM_ZONE)
    _, body = await stack.slack.command("schedule", user="fran")

    await press(stack, json.loads(body)["blocks"], "Schedule a section")

    zone = fields_of(stack.fake.called("views.open")[-1]["view"])["timezone"]
    assert zone["initial_option"]["value"] == TEAM_ZONE


async def test_a_channel_running_in_its_own_zone_starts_its_form_on_that_zone(
    stack: SlackStack, core: Core
) -> None:
    await stack.slack.command("schedule 1 2027-03-23 09:00 Europe/London", user="fran")
    # Chosen later for the team; this channel's circles still share the one zone they run in.
    await team_chooses(core, SLACK_TENANT, TEAM_ZONE)
    _, body = await stack.slack.command("schedule", user="fran")

    await press(stack, json.loads(body)["blocks"], "Schedule a section")

    zone = fields_of(stack.fake.called("views.open")[-1]["view"])["timezone"]
    assert zone["initial_option"]["value"] == "Europe/London"


async def test_the_teams_schedule_card_from_chat_starts_on_the_zone_the_team_chose(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    await facilitating_in_teams(core, teams_endpoint, bot_connector)
    await team_chooses(core, TEAMS_TENANT, TEAM_ZONE)

    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("schedule")))

    zone = card_inputs(bot_connector.calls[-1].card)["in_timezone"]
    assert zone["value"] == TEAM_ZONE
    assert TEAM_ZONE in [choice["value"] for choice in zone["choices"]]


async def test_the_teams_home_card_schedule_form_starts_on_the_zone_the_team_chose(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    await facilitating_in_teams(core, teams_endpoint, bot_connector)
    await team_chooses(core, TEAMS_TENANT, TEAM_ZONE)

    await teams_endpoint.post(activity(bot_connector, text="home"))

    zone = card_inputs(bot_connector.calls[-1].card)["in_timezone"]
    assert zone["value"] == TEAM_ZONE
