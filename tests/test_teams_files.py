"""Files for one person in Teams: a consent card in the personal chat, then the upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.teams.files import CONSENT_CARD, INFO_CARD
from bot.core import Core
from bot.messages import File, Person, Reply, Target, Text
from content.loader import LoadedPack
from tests.conftest import FrozenClock, TeamsEndpoint, build_core
from tests.fakes.bot_connector import TENANT, FakeBotConnector, activity

TEAMS_TENANT = f"teams:{TENANT}"
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def core(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], tmp_path: Path
) -> Core:
    """The usual test core, with a folder to hand files over in."""
    return build_core(engine, clock, packs, reports_dir=tmp_path / "reports")


def calendar(core: Core) -> File:
    assert core.services.options.reports_dir is not None
    core.services.options.reports_dir.mkdir(parents=True, exist_ok=True)
    path = core.services.options.reports_dir / "rollout-7.ics"
    path.write_bytes(ICS)
    return File(
        path=str(path), filename="rollout-7.ics", title="Circles", media_type="text/calendar"
    )


def consent(connector: FakeBotConnector, choice: str, context: dict[str, Any]) -> dict[str, Any]:
    """The invoke Teams sends when the person presses Allow or Decline on a consent card."""
    value = {
        "type": "fileUpload",
        "action": choice,
        "context": context,
        "uploadInfo": {
            "name": "rollout-7.ics",
            "uploadUrl": connector.upload_url("rollout-7.ics"),
            "contentUrl": "https://contoso-my.sharepoint.com/personal/ada/rollout-7.ics",
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
            "fileType": "ics",
        },
    }
    return activity(connector, activity_type="invoke", name="fileConsent/invoke", value=value)


async def test_a_private_file_is_offered_with_a_consent_card_in_the_personal_chat(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    await teams_endpoint.post(activity(bot_connector, text="help"))  # the personal chat is known
    bot_connector.calls.clear()
    reply = Reply(summary="Calendar", blocks=(Text(text="Your calendar."), calendar(core)))

    await teams_endpoint.teams.port.send_private(
        Person(tenant=TEAMS_TENANT, user_id="29:user-ada"), reply
    )

    [sent] = bot_connector.of_kind("send", "reply")
    [card, offer] = sent.body["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "📎 Circles (rollout-7.ics)" in sent.texts()
    assert offer["contentType"] == CONSENT_CARD and offer["name"] == "rollout-7.ics"
    assert offer["content"]["sizeInBytes"] == len(ICS)
    assert offer["content"]["description"] == "Circles"


async def test_a_file_in_a_channel_is_only_named(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", text="steps"))
    bot_connector.calls.clear()
    reply = Reply(summary="Calendar", blocks=(calendar(core),), private=False)

    await teams_endpoint.teams.port.send(
        Target(tenant=TEAMS_TENANT, address="19:team-general@thread.tacv2"), reply
    )

    [created] = bot_connector.new_threads()
    assert len(created.body["activity"]["attachments"]) == 1
    assert "📎 Circles (rollout-7.ics)" in created.texts()


async def test_an_accepted_file_is_uploaded_and_shown_as_a_file_card(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    offered = calendar(core)

    status = await teams_endpoint.post(
        consent(bot_connector, "accept", {"path": offered.path, "filename": offered.filename})
    )

    assert status == 200
    content, content_range = bot_connector.uploads["rollout-7.ics"]
    assert content == ICS and content_range == f"bytes 0-{len(ICS) - 1}/{len(ICS)}"
    [shown] = bot_connector.of_kind("send", "reply")
    [info] = shown.body["attachments"]
    assert info["contentType"] == INFO_CARD
    assert info["contentUrl"].endswith("/rollout-7.ics")
    assert info["content"] == {
        "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
        "fileType": "ics",
    }


async def test_a_file_outside_the_bots_folder_is_never_read(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, tmp_path: Path
) -> None:
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("not for upload")

    status = await teams_endpoint.post(
        consent(bot_connector, "accept", {"path": str(secret), "filename": "x"})
    )

    assert status == 200
    assert bot_connector.uploads == {}
    [answer] = bot_connector.of_kind("send", "reply")
    assert any("try again" in text for text in answer.texts())


async def test_a_declined_file_is_not_uploaded(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    offered = calendar(core)

    await teams_endpoint.post(consent(bot_connector, "decline", {"path": offered.path}))

    assert bot_connector.uploads == {}
    [answer] = bot_connector.of_kind("send", "reply")
    assert any("nothing was saved" in text for text in answer.texts())
