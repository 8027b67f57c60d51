"""Section 7's culture agreements: proposed, starred (counts only), agreed, pinned, and brought
back in the daily prompt and the sustainment reminder."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Buttons, Reply
from bot.rollouts import posts
from bot.rollouts.plan import Circle, parse_local
from bot.storage.tables import AgreementRow, AgreementStarRow
from tests.conftest import Chat, FakePort


def buttons(reply: Reply) -> dict[str, str]:
    return {
        b.label: b.command
        for block in reply.blocks
        if isinstance(block, Buttons)
        for b in block.buttons
    }


async def propose_three(chat: Chat) -> None:
    for user, words in (
        ("sam", "We assume good intent"),
        ("kim", "What is said in circle stays in circle"),
        ("ana", "We take our breaks"),
    ):
        await chat.say(user, f"agreements propose {words}")


async def test_a_proposal_is_shared_anonymously_for_stars(chat: Chat, port: FakePort) -> None:
    reply = await chat.say("sam", "agreements propose We assume good intent")
    assert "Proposed anonymously as #1" in reply.plain_text()
    target, posted = port.sent[-1]
    assert target.address == chat.channel and not posted.private
    assert "We assume good intent" in posted.plain_text() and "sam" not in posted.plain_text()
    assert buttons(posted) == {"★ Star it": "agreements star 1"}


async def test_stars_are_counted_once_per_person_and_can_be_taken_back(
    chat: Chat, engine: AsyncEngine
) -> None:
    await propose_three(chat)
    for user in ("a", "b", "b"):  # a double click counts once
        await chat.say(user, "agreements star 2")
    starred = await chat.say("c", "agreements star 2")
    assert "★ 3 so far" in starred.plain_text()
    await chat.say("c", buttons(starred)["Take my star back"])
    await chat.say("a", "agreements star 3")
    listing = (await chat.say("sam", "agreements")).plain_text()
    # Most starred first; only counts, never who.
    assert listing.index("#2 What is said in circle stays in circle · ★ 2") < listing.index(
        "#3 We take our breaks · ★ 1"
    )
    async with engine.connect() as connection:
        voters = (await connection.scalars(select(AgreementStarRow.voter))).all()
    assert len(voters) == 3 and len(set(voters)) == 3
    pseudonym = chat.core.services.pseudonyms.of(chat.tenant, "a")
    assert pseudonym not in voters


async def test_a_facilitator_agrees_and_the_list_is_posted_to_be_pinned(
    chat: Chat, port: FakePort
) -> None:
    await propose_three(chat)
    staff_view = await chat.say("sam", "agreements")
    assert not any(label.startswith("Agree") for label in buttons(staff_view))
    refused = await chat.say("sam", "agreements agree 1")
    assert "only a facilitator or leader" in refused.plain_text()

    facilitator_view = await chat.say("fran", "agreements")
    await chat.say("fran", buttons(facilitator_view)["Agree #1"])
    done = await chat.say("fran", "agreements agree 2")
    assert "the list is posted and pinned" in done.plain_text()
    target, pinned = port.sent[-1]
    assert target.address == chat.channel and pinned.pin and not pinned.private
    assert "1. We assume good intent\n2. What is said in circle stays in circle" in (
        pinned.plain_text()
    )
    shown = (await chat.say("kim", "agreements")).plain_text()
    assert "1. We assume good intent" in shown and "#3 We take our breaks" in shown

    await chat.say("fran", "agreements drop 1")
    _, repinned = port.sent[-1]
    assert "We assume good intent" not in repinned.plain_text() and repinned.pin
    assert "already agreed" in (await chat.say("kim", "agreements star 2")).plain_text()


async def test_the_sustainment_reminder_lists_the_agreements_and_prompts_bring_one_back(
    core: Core, chat: Chat, port: FakePort
) -> None:
    rollout_id = await core.services.rollouts.create(
        tenant=chat.tenant,
        address=chat.channel,
        timezone="Europe/London",
        circles=[Circle(1, parse_local("2027-03-23T09:00"))],
        pack=core.services.packs["healthcare"].pack,
    )
    rollout = await core.services.rollouts.store.get(chat.tenant, rollout_id)
    assert rollout is not None

    def due(kind: str, day: date) -> posts.Due:
        return posts.Due("k", chat.tenant, rollout_id, kind, 7, day, chat.channel)

    await posts.deliver(core.services, port, rollout, due("agreements", date(2027, 9, 1)))
    assert "None recorded yet" in port.sent[-1][1].plain_text()
    await posts.deliver(core.services, port, rollout, due("prompt", date(2027, 9, 1)))
    assert "One of our agreements" not in port.sent[-1][1].plain_text()

    await chat.say("sam", "agreements propose We assume good intent")
    await chat.say("fran", "agreements agree 1")
    await posts.deliver(core.services, port, rollout, due("agreements", date(2027, 10, 1)))
    assert "1. We assume good intent" in port.sent[-1][1].plain_text()
    await posts.deliver(core.services, port, rollout, due("prompt", date(2027, 9, 1)))
    prompt = port.sent[-1][1].plain_text()
    assert "TODAY'S PROMPT" in prompt and "One of our agreements: “We assume good intent”" in prompt
    # Another cohort's prompt, built from the same cached words, carries none of ours.
    other = replace(rollout, address="#other")
    await posts.deliver(core.services, port, other, due("prompt", date(2027, 9, 1)))
    target, elsewhere = port.sent[-1]
    assert target.address == "#other" and "One of our agreements" not in elsewhere.plain_text()


async def test_bad_agreement_commands_get_kind_replies(chat: Chat, engine: AsyncEngine) -> None:
    assert (
        "for example `agreements propose"
        in (await chat.say("sam", "agreements propose")).plain_text()
    )
    assert "by its number" in (await chat.say("sam", "agreements star x")).plain_text()
    assert "no agreement #7" in (await chat.say("sam", "agreements star 7")).plain_text()
    too_long = await chat.say("sam", "agreements propose " + "x" * 300)
    assert "a little long" in too_long.plain_text()
    nothing = await chat.say("fran", "agreements post")
    assert "Nothing is agreed yet" in nothing.plain_text()
    async with engine.connect() as connection:
        assert (await connection.execute(select(AgreementRow))).all() == []


async def test_show_me_counts_your_stars_and_delete_me_takes_them_back(chat: Chat) -> None:
    await propose_three(chat)
    await chat.say("sam", "agreements star 1")
    await chat.say("sam", "agreements star 2")
    await chat.say("kim", "agreements star 2")
    assert (
        "Stars on proposed agreements: 2" in (await chat.say("sam", "privacy show-me")).plain_text()
    )
    done = await chat.say("sam", "privacy delete-me confirm")
    assert "2 star(s) you gave" in done.plain_text()
    listing = (await chat.say("kim", "agreements")).plain_text()
    assert "#2 What is said in circle stays in circle · ★ 1" in listing
    assert "#1 We assume good intent · ★ 0" in listing
