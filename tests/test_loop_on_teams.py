"""The two-way loop in Teams, end to end: activities posted to the real endpoint over HTTP, the
real botbuilder CloudAdapter, and the fake Bot Connector recording the cards the bot sends."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.features import asks
from bot.storage.tables import AskRow
from tests.conftest import TeamsEndpoint
from tests.fakes.bot_connector import CHANNEL, TENANT, Call, FakeBotConnector, activity, mention

TEAMS_TENANT = f"teams:{TENANT}"
ADA, BO, LEE, FRAN = "29:user-ada", "29:user-bo", "29:user-lee", "fran"

Json = dict[str, Any]
REPLY_CODE = re.compile(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")


def actions(node: Any) -> list[Json]:
    """Every submit action in a card, with the command it sends, depth first."""
    if isinstance(node, dict):
        found = [node] if isinstance(node.get("data"), dict) and "command" in node["data"] else []
        return found + [a for value in node.values() for a in actions(value)]
    if isinstance(node, list):
        return [a for item in node for a in actions(item)]
    return []


def command_data(call: Call, command: str) -> Json:
    return next(a["data"] for a in actions(call.card) if a["data"]["command"] == command)


def names_nobody(call: Call) -> bool:
    """Whether a card is free of Ada's id and name (she asked, added or proposed)."""
    card = str(call.card)
    return ADA not in card and "'Ada'" not in card


def personal(connector: FakeBotConnector, user: str) -> list[Call]:
    return [c for c in connector.calls if c.conversation == f"a:personal-{user}"]


class Team:
    """People in one Teams team: their personal chats and the channel."""

    def __init__(self, endpoint: TeamsEndpoint, connector: FakeBotConnector) -> None:
        self.endpoint = endpoint
        self.connector = connector

    async def dm(self, user: str, text: str | None = None, value: Json | None = None) -> None:
        body = activity(self.connector, user=user, text=text, value=value)
        assert await self.endpoint.post(body) == 201

    async def channel(self, user: str, text: str | None = None, value: Json | None = None) -> None:
        extra = mention(text) if text is not None else {}
        body = activity(self.connector, kind="channel", user=user, value=value, **extra)
        assert await self.endpoint.post(body) == 201

    def last_to(self, user: str) -> Call:
        return personal(self.connector, user)[-1]

    def threads(self) -> list[Call]:
        return self.connector.new_threads()


async def team_of(endpoint: TeamsEndpoint, connector: FakeBotConnector, core: Core) -> Team:
    await core.services.team_settings.grant(TEAMS_TENANT, LEE, "leader")
    team = Team(endpoint, connector)
    for user in (FRAN, LEE):  # the bot can write to people who have chatted with it
        await team.dm(user, "help")
    return team


async def test_an_ask_is_forwarded_and_answered_in_the_channel_without_the_asker(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    # From a card in the channel: the words were never a post there.
    await team.channel(ADA, value={"command": "ask Could we have a quiet room on nights?"})

    note = team.last_to(FRAN)
    assert any("quiet room" in t for t in note.texts()) and names_nobody(note)
    await team.dm(FRAN, value=command_data(note, "ask forward 1"))
    answer = command_data(team.last_to(LEE), "ask answer 1")
    await team.dm(LEE, value={**answer, "in_text": "Yes, from May."})

    (posted,) = team.threads()
    assert posted.body["channelData"] == {"channel": {"id": CHANNEL}}
    assert "Yes, from May." in posted.texts() and names_nobody(posted)


async def answered_in_the_channel(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> Team:
    """Question #1 asked by Ada, forwarded by Fran and answered by Lee ("Yes, from Mya.")."""
    team = await team_of(teams_endpoint, bot_connector, core)
    await team.channel(ADA, value={"command": "ask Could we have a quiet room on nights?"})
    await team.dm(FRAN, value=command_data(team.last_to(FRAN), "ask forward 1"))
    answer = command_data(team.last_to(LEE), "ask answer 1")
    await team.dm(LEE, value={**answer, "in_text": "Yes, from Mya."})
    return team


async def test_a_corrected_answer_replaces_the_posted_card_in_place(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await answered_in_the_channel(teams_endpoint, bot_connector, core)
    (posted,) = team.threads()
    ask = await core.services.asks.get_ask(TEAMS_TENANT, 1)
    assert ask is not None

    port = teams_endpoint.teams.port
    assert await asks.correct_answer(core.services, port, TEAMS_TENANT, ask, "Yes, from May.")

    (updated,) = bot_connector.of_kind("update")
    assert (updated.conversation, updated.activity_id) == (CHANNEL, posted.activity_id)
    assert "Yes, from May." in updated.texts() and "Yes, from Mya." not in updated.texts()
    assert names_nobody(updated) and len(team.threads()) == 1


async def test_a_leader_deletes_the_posted_answer_from_a_personal_chat_after_confirming(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await answered_in_the_channel(teams_endpoint, bot_connector, core)
    (posted,) = team.threads()

    await team.dm(LEE, "ask unpost 1")
    assert bot_connector.of_kind("delete") == []
    await team.dm(LEE, value=command_data(team.last_to(LEE), "ask unpost 1 yes"))

    (deleted,) = bot_connector.of_kind("delete")
    assert (deleted.conversation, deleted.activity_id) == (CHANNEL, posted.activity_id)
    assert any("deleted from the channel" in t for t in team.last_to(LEE).texts())


async def test_an_ask_typed_as_a_channel_message_is_not_kept_and_says_why(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    before = len(personal(bot_connector, FRAN))

    await team.channel(ADA, "ask Could we have a quiet room on nights?")

    assert any("haven't kept it" in t for t in team.last_to(ADA).texts())
    assert personal(bot_connector, FRAN)[before:] == []
    assert await core.services.asks.open_asks(TEAMS_TENANT) == []


async def test_an_ask_typed_in_a_personal_chat_keeps_no_place_and_is_answered_in_the_channel(
    teams_endpoint: TeamsEndpoint,
    bot_connector: FakeBotConnector,
    core: Core,
    engine: AsyncEngine,
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    await team.channel(FRAN, "schedule 1 2027-03-16 09:00 Europe/London")  # the team's rollout
    await team.dm(ADA, "ask Could we have a quiet room on nights?")
    acknowledged = team.last_to(ADA)
    found = REPLY_CODE.search(" ".join(acknowledged.texts()))
    assert found is not None
    async with engine.connect() as connection:
        assert list((await connection.execute(select(AskRow.place))).scalars()) == [""]

    await team.dm(FRAN, value=command_data(team.last_to(FRAN), "ask forward 1"))
    answer = command_data(team.last_to(LEE), "ask answer 1")
    await team.dm(LEE, value={**answer, "in_text": "Yes, from May."})

    (posted,) = team.threads()
    assert posted.body["channelData"] == {"channel": {"id": CHANNEL}}
    assert "Yes, from May." in posted.texts() and names_nobody(posted)
    assert team.last_to(ADA) is acknowledged  # nothing went back to her chat
    assert any("team's channel" in t for t in team.last_to(LEE).texts())
    await team.dm(ADA, f"ask check {found.group()}")
    assert "Yes, from May." in team.last_to(ADA).texts()
    await team.dm(ADA, "ask check ABCDE-FGHJK")
    assert any("couldn't find a question with that code" in t for t in team.last_to(ADA).texts())


async def test_suggestions_reach_the_facilitator_as_one_batch(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    before = len(personal(bot_connector, FRAN))
    for user in (ADA, BO, "29:user-cy"):
        await team.channel(user, value={"command": f"suggest Idea from {user[-2:]}"})
    (batch,) = personal(bot_connector, FRAN)[before:]
    assert sum("Idea from" in t for t in batch.texts()) == 1  # one bulleted list of three
    assert batch.texts()[1].count("Idea from") == 3
    assert "What would help? 3 answers from the team" in batch.texts()
    assert CHANNEL not in str(batch.card)


async def test_suggestions_from_one_person_are_released_only_with_others(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    before = len(personal(bot_connector, FRAN))
    for words in ("Protected lunch", "Fewer emails", "A peer buddy"):
        await team.dm(ADA, f"suggest {words}")
    assert personal(bot_connector, FRAN)[before:] == []
    for user in (BO, "29:user-cy"):
        await team.channel(user, value={"command": f"suggest Idea from {user[-2:]}"})

    (batch,) = personal(bot_connector, FRAN)[before:]
    assert "What would help? 5 answers from the team" in batch.texts()
    assert ADA not in str(batch.card) and CHANNEL not in str(batch.card)


async def test_a_survey_answer_updates_the_card_and_the_report_counts_it_at_the_group_size(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    await team.channel(FRAN, "survey pre")
    (survey,) = team.threads()
    first = next(a for a in actions(survey.card) if a["data"]["command"].endswith(" 4"))
    for user in (ADA, BO, "29:user-cy"):
        answer = activity(
            bot_connector, kind="channel", user=user, value=first["data"], replyToId="a-1"
        )
        assert await teams_endpoint.post(answer) == 201
    updated = bot_connector.of_kind("update")[-1]
    assert (
        "3 people have answered. At 3: low (0-1) 0% · middle (2-3) 0% · high (4-5) 100%"
        in " ".join(updated.texts())
    )

    await team.dm(FRAN, "report")
    report = " ".join(team.last_to(FRAN).texts())
    assert (
        "Pre 1" in report
        and "3 answers, low (0-1) 0% · middle (2-3) 0% · high (4-5) 100% · average about 4.5"
        in report
    )


async def test_privacy_show_me_and_delete_me_by_button(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    await team.channel(ADA, value={"command": "drivers add Rota published late"})
    await team.dm(ADA, "privacy show-me")
    assert any("Drivers you added to a board: 1" in t for t in team.last_to(ADA).texts())
    await team.dm(ADA, "privacy delete-me")
    await team.dm(ADA, value=command_data(team.last_to(ADA), "privacy delete-me confirm"))
    assert any("1 driver(s) you added" in t for t in team.last_to(ADA).texts())


async def test_the_drivers_board_is_sorted_by_its_author_and_answered_by_a_leader(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    await team.channel(ADA, value={"command": "drivers add Rota published late"})
    await team.dm(ADA, value=command_data(team.last_to(ADA), "drivers sort 1 leadership"))

    await team.dm(LEE, "drivers")  # a personal chat has its own (empty) board
    await team.channel(LEE, "drivers")
    board = team.last_to(LEE)
    assert any("Rota published late" in t for t in board.texts())
    assert names_nobody(board)
    answer = command_data(board, "drivers answer 1")
    await team.dm(LEE, value={**answer, "in_answer": "Not likely to change in two years"})

    (posted,) = team.threads()
    assert any("Rota published late" in t for t in posted.texts())
    await team.channel(BO, "drivers")
    assert any("*Cannot control*" in t for t in team.last_to(BO).texts())


async def test_culture_agreements_are_proposed_starred_agreed_and_posted(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    await team.channel(ADA, value={"command": "agreements propose We assume good intent"})
    (proposal,) = team.threads()
    star = command_data(proposal, "agreements star 1")
    for user in (BO, "29:user-cy"):
        await team.channel(user, value=star)
    assert any("★ 2 so far" in t for t in team.last_to("29:user-cy").texts())

    await team.channel(FRAN, "agreements")
    await team.dm(FRAN, value=command_data(team.last_to(FRAN), "agreements agree 1"))
    agreed = team.threads()[-1]
    assert "Our culture agreements" in agreed.texts()
    assert any("We assume good intent" in t for t in agreed.texts())
