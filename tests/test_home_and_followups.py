"""The home view per role, the welcome, and leaders' follow-ups."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Button, Buttons, Heading, Person, Reply
from content.loader import LoadedPack
from tests.conftest import Chat, FakePort, FrozenClock, build_core

ROLES = {"fran": "facilitator", "lee": "leader"}


def headings(reply: Reply) -> list[str]:
    return [block.text for block in reply.blocks if isinstance(block, Heading)]


def buttons(reply: Reply) -> dict[str, Button]:
    return {
        b.label: b for block in reply.blocks if isinstance(block, Buttons) for b in block.buttons
    }


async def test_staff_see_the_section_practice_and_steps_but_no_role_parts(core: Core) -> None:
    view = await core.home(Person(tenant="test:team", user_id="sam"))
    assert headings(view)[0].startswith("Now: Section 1")
    assert "MIND" in view.plain_text().upper()
    assert "Schedule a section" not in buttons(view)
    assert "Post a follow-up" not in buttons(view)


async def test_facilitators_see_check_in_counts_and_the_schedule_form(
    core: Core, chat: Chat
) -> None:
    for user, value in (("a", 2), ("b", 4)):
        await chat.say(user, f"checkin {value}")
    view = await core.home(Person(tenant="test:team", user_id="fran"))
    text = view.plain_text()
    assert "2 people have answered. Figures appear once 3 people have answered." in text
    await chat.say("c", "checkin 0")
    released = (await core.home(Person(tenant="test:team", user_id="fran"))).plain_text()
    assert "3 people have answered. At 3: low (0-1) 34% · middle (2-3) 33% · high (4-5) 33%" in (
        released
    )
    schedule = buttons(view)["Schedule a section"]
    assert [f.name for f in schedule.form.fields] == [
        "section",
        "channel",
        "date",
        "time",
        "timezone",
    ]


async def test_leaders_see_considerations_and_can_post_a_follow_up(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await core.services.team_settings.grant("test:team", "lou", "leader")
    view = await core.home(Person(tenant="test:team", user_id="lou"))
    assert any("considerations" in h for h in headings(view))
    follow_up = buttons(view)["Post a follow-up"]
    preview = await chat.say(
        "lou", follow_up.command, form={"channel": "C9", "text": "Thank you all.", "as": "me"}
    )
    assert preview.private and "as everyone in C9 will see it" in preview.plain_text()
    assert port.sent == []
    reply = await chat.press("lou", preview, "Post it")
    assert "Posted your follow-up in C9" in reply.plain_text()
    target, posted = port.sent[-1]
    assert target.address == "C9" and not posted.private
    assert "Thank you all." in posted.plain_text() and "From lou" in posted.plain_text()


async def test_staff_cannot_post_a_follow_up(chat: Chat, port: FakePort) -> None:
    reply = await chat.say("sam", "follow-up We should all leave early")
    assert "only a facilitator or leader" in reply.plain_text()
    assert port.sent == []


async def test_a_follow_up_as_the_bot_carries_no_name(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await core.services.team_settings.grant("test:team", "lou", "leader")
    preview = await chat.say(
        "lou", "follow-up", form={"channel": "C1", "text": "Proud of you.", "as": "the bot"}
    )
    assert "From your leadership team" in preview.plain_text() and "lou" not in preview.plain_text()
    await chat.press("lou", preview, "Post it")
    assert "From your leadership team" in port.sent[-1][1].plain_text()


async def test_the_welcome_is_public_and_explains_what_happens_between_circles(core: Core) -> None:
    welcome = await core.welcome("test:team")
    assert not welcome.private
    assert "between circles" in welcome.plain_text().lower()


async def test_facilitators_and_leaders_are_shown_the_console_when_it_is_served(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack]
) -> None:
    served = build_core(
        engine, clock, packs, public_url="https://crbot.example.org", role_bootstrap=ROLES
    )
    unserved = build_core(engine, clock, packs, role_bootstrap=ROLES)
    for user in ("fran", "lee"):
        view = await served.home(Person(tenant="test:team", user_id=user))
        assert "The console" in headings(view)
        assert buttons(view)["Open the console"].command == "console"
        assert "The console" not in headings(
            await unserved.home(Person(tenant="test:team", user_id=user))
        )
    assert "The console" not in headings(
        await served.home(Person(tenant="test:team", user_id="sam"))
    )
