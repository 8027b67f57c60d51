"""Visuals inside Teams cards: each shipped visual fits as a data URI, and cards carry it."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from PIL import Image as Pillow

from adapters.teams.images import BUDGET_BYTES, MAX_SIDE, data_uri
from adapters.teams.port import TeamsPort
from adapters.teams.render import MAX_CARD_BYTES, card
from bot.core import Core
from bot.messages import Image, Reply, Target, Text
from tests.conftest import TeamsEndpoint
from tests.fakes.bot_connector import CHANNEL, TENANT, FakeBotConnector, activity

VISUALS = sorted(Path(__file__).resolve().parent.parent.glob("content/*/visuals/*.png"))
COMPASS = Image(path="healthcare/visuals/wellness-compass.png", title="Compass", alt_text="A")


@pytest.mark.parametrize(
    "visual", VISUALS, ids=lambda path: f"{path.parent.parent.name}-{path.stem}"
)
def test_every_shipped_visual_fits_a_card_within_teams_limits(visual: Path) -> None:
    uri = data_uri(visual)

    assert uri is not None and uri.startswith("data:image/png;base64,")
    encoded = uri.removeprefix("data:image/png;base64,")
    assert len(encoded) <= BUDGET_BYTES
    with Pillow.open(io.BytesIO(base64.b64decode(encoded))) as picture:
        assert max(picture.size) <= MAX_SIDE
        assert picture.format == "PNG"


def test_a_file_that_is_not_a_picture_is_told_in_words(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")

    assert data_uri(broken) is None
    assert "[image: Compass. A]" in json.dumps(card(Reply(summary="x", blocks=(COMPASS,))))


def test_a_card_shows_the_prepared_picture_with_its_alt_text_and_title() -> None:
    reply = Reply(summary="This week", blocks=(Text(text="Your compass."), COMPASS))

    rendered = card(reply, pictures={COMPASS.path: "data:image/png;base64,AAAA"})

    [picture] = [item for item in rendered["body"] if item["type"] == "Image"]
    assert picture["url"] == "data:image/png;base64,AAAA"
    assert picture["altText"] == "A"
    assert any(item.get("text") == "Compass" for item in rendered["body"])


async def test_a_visual_reminder_posted_to_a_channel_carries_its_picture(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", text="steps"))
    bot_connector.calls.clear()
    port: TeamsPort = teams_endpoint.teams.port
    reminder = Reply(
        summary="This week", blocks=(Text(text="Your compass."), COMPASS), private=False
    )

    await port.send(Target(tenant=f"teams:{TENANT}", address=CHANNEL), reminder)

    [created] = bot_connector.new_threads()
    posted = created.body["activity"]
    [picture] = [
        item for item in posted["attachments"][0]["content"]["body"] if item["type"] == "Image"
    ]
    assert picture["url"] == data_uri(Path(core.image_file(COMPASS)))
    assert len(json.dumps(posted).encode()) <= MAX_CARD_BYTES
