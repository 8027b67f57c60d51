"""One HTTP session per process for the Bot Connector: the replies made inside requests and the
scheduler's sends reuse its connections, and stopping the platform closes it."""

from __future__ import annotations

from adapters.teams.references import ReferenceStore
from bot.messages import Reply, Target, Text
from tests.conftest import TeamsEndpoint
from tests.fakes.bot_connector import CHANNEL, TEAM, FakeBotConnector, activity
from tests.test_teams_port import TEAMS_TENANT, reference


async def test_replies_and_scheduled_posts_reuse_one_connection_to_the_bot_connector(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    teams = teams_endpoint.teams
    for user in ("29:user-ada", "29:user-bo", "29:user-cy"):  # each answered inside its request
        assert await teams_endpoint.post(activity(bot_connector, text="help", user=user)) == 201
    references: ReferenceStore = teams.references
    channel = reference(bot_connector, CHANNEL, "channel")
    await references.save(TEAMS_TENANT, channel, kind="channel", team_id=TEAM)
    for n in range(3):  # what the scheduler's sender does: posts through the port
        reply = Reply(summary=f"post {n}", blocks=(Text(text=f"post {n}"),), private=False)
        await teams.port.send(Target(tenant=TEAMS_TENANT, address=CHANNEL), reply)

    answered = bot_connector.of_kind("send", "reply")
    assert len({call.conversation for call in answered}) == 3
    assert len(bot_connector.new_threads()) == 3
    assert bot_connector.connections == 1
    session = teams.session.current
    assert session is not None and not session.closed

    await teams.stop()

    assert session.closed


async def test_turns_share_one_user_token_client_per_app_id() -> None:
    from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

    from adapters.teams.auth import authentication
    from bot.settings import Settings

    auth = authentication(Settings(teams_enabled=True))
    claims = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: "app-1"}, True)
    other = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: "app-2"}, True)
    first = await auth.create_user_token_client(claims)
    assert await auth.create_user_token_client(claims) is first
    assert await auth.create_user_token_client(other) is not first
    await auth.session.close()
