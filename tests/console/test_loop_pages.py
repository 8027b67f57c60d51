"""The two-way loop in the console: a leader answers a question with a draft, a preview and
then the post; a second answer or forward, and deleting a posted answer, ask first; boards,
suggestions and agreements read as chat shows them, and nothing says who asked, added or
starred."""

from __future__ import annotations

import aiohttp
import pytest

from bot.errors import DeliveryError
from bot.messages import MessageRef
from tests.console.site import ConsoleSite, browser_client, page_words, sign_in


async def read(client: aiohttp.ClientSession, site: ConsoleSite, path: str) -> tuple[int, str]:
    async with client.get(site.url + path) as answer:
        return answer.status, page_words(await answer.text())


async def send(
    client: aiohttp.ClientSession, site: ConsoleSite, path: str, **fields: str
) -> tuple[int, str]:
    """Post a form as its page would, with the session's form token."""
    async with client.get(site.url + "/console/asks") as page:
        token = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
    async with client.post(site.url + path, data={"csrf": token, **fields}) as answer:
        return answer.status, page_words(await answer.text())


async def forwarded_question(site: ConsoleSite) -> None:
    await site.chat.say("sam", "ask Could we have a quiet room on nights?")
    await site.chat.say("fran", "ask forward 1")


async def answered_by_a_leader(client: aiohttp.ClientSession, site: ConsoleSite, text: str) -> str:
    """Question #1, forwarded and answered by a leader signed in on `client`: the list after."""
    await forwarded_question(site)
    await sign_in(client, site, await site.link("lee"))
    await send(client, site, "/console/asks/1/post", text=text)
    assert len(site.chat.port.sent) == 1
    return (await read(client, site, "/console/asks"))[1]


async def test_a_leader_answers_with_a_draft_and_a_preview_and_it_is_posted_once(
    site: ConsoleSite,
) -> None:
    await forwarded_question(site)
    posts = site.chat.port.sent
    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        status, listing = await read(client, site, "/console/asks")
        assert status == 200 and "Question #1 with leaders" in listing
        assert "quiet room" in listing and "sam" not in listing
        status, draft = await read(client, site, "/console/asks/1/answer")
        assert status == 200 and "Your answer" in draft

        status, preview = await send(client, site, "/console/asks/1/preview", text="Yes, from May.")
        assert status == 200 and posts == []
        assert "A question from the team" in preview and "Yes, from May." in preview
        assert "It will be posted in #circle." in preview and "sam" not in preview
        status, changed = await send(client, site, "/console/asks/1/answer", text="Yes, from May.")
        assert status == 200 and "Yes, from May." in changed and posts == []

        status, done = await send(client, site, "/console/asks/1/post", text="Yes, from May.")
        assert status == 200 and "Your answer is posted with the question." in done
        assert len(posts) == 1 and "Yes, from May." in posts[0][1].plain_text()

        # Posting again without saying so posts nothing: the draft comes back, warning.
        status, warned = await send(client, site, "/console/asks/1/post", text="Once more.")
        assert status == 200 and "has an answer already" in warned and len(posts) == 1
        status, again = await send(client, site, "/console/asks/1/preview", text="Once more.")
        assert "posting this one adds a second" in again and "Post a second answer" in again
        await send(client, site, "/console/asks/1/post", text="Once more.", again="yes")
        assert len(posts) == 2
    found = await site.core.services.asks.get_ask(site.chat.tenant, 1)
    assert found is not None and found.answer == "Once more."


async def test_a_second_forward_asks_first_and_leaders_never_forward(site: ConsoleSite) -> None:
    await forwarded_question(site)
    to_leaders = len(site.chat.port.private)
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        status, asked = await send(client, site, "/console/asks/1/forward")
        assert status == 200 and "Send it to the leaders again?" in asked
        assert len(site.chat.port.private) == to_leaders
        status, done = await send(client, site, "/console/asks/1/forward", again="yes")
        assert "The question is with the team's leaders." in done
        assert len(site.chat.port.private) == to_leaders + 1
        status, _ = await send(client, site, "/console/asks/1/post", text="Mine")
        assert status == 403 and site.chat.port.sent == []
    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        status, _ = await send(client, site, "/console/asks/1/forward", again="yes")
        assert status == 403


async def test_another_teams_questions_are_neither_shown_nor_reached(site: ConsoleSite) -> None:
    services = site.core.services
    await services.asks.add_ask(
        "test:other", "#ward", "Elsewhere?", services.clock.now(), reply_digest="d"
    )
    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        status, listing = await read(client, site, "/console/asks")
        assert "No questions yet." in listing and "Elsewhere" not in listing
        status, _ = await read(client, site, "/console/asks/1/answer")
        assert status == 404


async def test_a_leader_answers_a_driver_after_a_preview(site: ConsoleSite) -> None:
    await site.chat.say("sam", "drivers add Rota published late")
    await site.chat.say("sam", "drivers sort 1 leadership")
    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        status, board = await read(client, site, "/console/drivers")
        assert "Leadership can control" in board and "#1 Rota published late" in board
        status, preview = await send(client, site, "/console/drivers/1/preview", answer="this-year")
        assert status == 200 and "Exploring this year." in preview
        assert site.chat.port.sent == []
        status, done = await send(client, site, "/console/drivers/1/post", answer="this-year")
        assert "Your answer is posted to the cohort's channel." in done
        status, _ = await send(client, site, "/console/drivers/1/preview", answer="maybe")
        assert status == 400
    assert len(site.chat.port.sent) == 1
    driver = await site.core.services.drivers.get(site.chat.tenant, 1)
    assert driver is not None and driver.answer == "this-year"


async def test_suggestions_show_only_released_batches_and_only_to_facilitators(
    site: ConsoleSite,
) -> None:
    for user, words in (("a", "Protected lunch"), ("b", "Fewer emails"), ("c", "A buddy")):
        await site.chat.say(user, f"suggest {words}")
    await site.chat.say("d", "suggest Still waiting")
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        status, page = await read(client, site, "/console/suggestions")
        assert status == 200 and "Batch 1" in page and "Protected lunch" in page
        assert "Still waiting" not in page
    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        status, _ = await read(client, site, "/console/suggestions")
        assert status == 403


async def test_agreements_show_what_was_agreed_and_star_counts_only(site: ConsoleSite) -> None:
    await site.chat.say("sam", "agreements propose We assume good intent")
    await site.chat.say("sam", "agreements propose We start on time")
    await site.chat.say("kim", "agreements star 2")
    await site.chat.say("fran", "agreements agree 1")
    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        status, page = await read(client, site, "/console/agreements")
    assert status == 200
    assert "Agreed #1 We assume good intent" in page
    assert "#2 We start on time · ★ 1" in page and "kim" not in page


async def test_a_leader_corrects_the_posted_answer_in_place_after_a_preview(
    site: ConsoleSite,
) -> None:
    port = site.chat.port
    async with browser_client() as client:
        listing = await answered_by_a_leader(client, site, "Yes, from Mya.")
        assert "Correct the posted answer to Question #1" in listing
        status, draft = await read(client, site, "/console/asks/1/edit")
        assert status == 200 and "replaces the posted answer" in draft
        status, preview = await send(
            client, site, "/console/asks/1/preview", text="Yes, from May.", mode="edit"
        )
        assert "Replace the posted answer" in preview and port.updated == []
        status, done = await send(client, site, "/console/asks/1/correct", text="Yes, from May.")
        assert "The posted answer now reads as you corrected it." in done
    ((ref, corrected),) = port.updated
    assert ref.address == "#circle" and ref.message_id == "m1"
    assert "Yes, from May." in corrected.plain_text() and len(port.sent) == 1
    found = await site.core.services.asks.get_ask(site.chat.tenant, 1)
    assert found is not None and found.answer == "Yes, from May."


async def test_a_leader_deletes_the_posted_answer_after_confirming_and_may_answer_again(
    site: ConsoleSite,
) -> None:
    port = site.chat.port
    async with browser_client() as client:
        listing = await answered_by_a_leader(client, site, "Yes, from Mya.")
        assert "Delete the posted answer to Question #1" in listing
        status, asked = await send(client, site, "/console/asks/1/unpost")
        assert status == 200 and "Delete the answer posted with Question #1" in asked
        assert "No, keep it as it is" in asked and port.deleted == []
        status, done = await send(client, site, "/console/asks/1/unpost", sure="yes")
        assert "The posted answer is deleted, and the question is back with leaders." in done
        assert "Question #1 with leaders" in done and "Delete the posted answer" not in done
        status, answer = await read(client, site, "/console/asks/1/answer")
        assert "has an answer already" not in answer
    (deleted,) = port.deleted
    assert (deleted.address, deleted.message_id) == ("#circle", "m1")
    found = await site.core.services.asks.get_ask(site.chat.tenant, 1)
    assert found is not None and (found.status, found.answer, found.answer_post) == (
        "forwarded",
        None,
        None,
    )


async def test_only_leaders_delete_a_posted_answer_from_the_console(site: ConsoleSite) -> None:
    async with browser_client() as client:
        await answered_by_a_leader(client, site, "Yes, from May.")
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        status, listing = await read(client, site, "/console/asks")
        assert "Delete the posted answer" not in listing
        status, _ = await send(client, site, "/console/asks/1/unpost", sure="yes")
        assert status == 403
    assert site.chat.port.deleted == []


async def test_a_delete_the_platform_refuses_changes_nothing_and_says_so(
    site: ConsoleSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(ref: MessageRef) -> None:
        raise DeliveryError("not_in_channel", permanent=True)

    async with browser_client() as client:
        await answered_by_a_leader(client, site, "Yes, from May.")
        monkeypatch.setattr(site.chat.port, "delete", refused)
        status, said = await send(client, site, "/console/asks/1/unpost", sure="yes")
    assert status == 502 and "nothing changed" in said
    found = await site.core.services.asks.get_ask(site.chat.tenant, 1)
    assert found is not None and found.status == "answered" and found.answer_post is not None


async def test_a_leader_changes_a_drivers_posted_answer_in_place_after_a_preview(
    site: ConsoleSite,
) -> None:
    await site.chat.say("sam", "drivers add Rota published late")
    await site.chat.say("sam", "drivers sort 1 leadership")
    port = site.chat.port
    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        await send(client, site, "/console/drivers/1/post", answer="this-year")
        status, board = await read(client, site, "/console/drivers")
        assert "Change leadership's answer on #1" in board
        assert "Delete the posted answer on #1" in board
        status, preview = await send(client, site, "/console/drivers/1/preview", answer="unlikely")
        assert status == 200 and "It replaces the posted answer in place." in preview
        assert "Replace the posted answer" in preview and "adds a second" not in preview
        assert port.updated == []
        status, done = await send(client, site, "/console/drivers/1/correct", answer="unlikely")
        assert "The posted answer now reads as you changed it." in done
        assert "Cannot control" in done and "Change leadership's answer on #1" in done
    ((ref, replaced),) = port.updated
    assert (ref.address, ref.message_id) == ("#circle", "m1") and len(port.sent) == 1
    assert "Not likely to change in two years." in replaced.plain_text()
    driver = await site.core.services.drivers.get(site.chat.tenant, 1)
    assert driver is not None and (driver.answer, driver.category) == ("unlikely", "cannot")


async def test_a_leader_deletes_a_drivers_posted_answer_after_confirming(
    site: ConsoleSite,
) -> None:
    await site.chat.say("sam", "drivers add Rota published late")
    await site.chat.say("sam", "drivers sort 1 leadership")
    await site.chat.say("lee", "drivers answer 1 next-year")
    port = site.chat.port
    async with browser_client() as client:
        await sign_in(client, site, await site.link("lee"))
        status, asked = await send(client, site, "/console/drivers/1/unpost")
        assert status == 200 and "Delete leadership's answer on #1 from the channel?" in asked
        assert port.deleted == []
        status, done = await send(client, site, "/console/drivers/1/unpost", sure="yes")
        assert "The posted answer is deleted; the driver is back on the leadership list." in done
        assert "Leadership's answer on #1" in done and "Delete the posted answer" not in done
    (deleted,) = port.deleted
    assert (deleted.address, deleted.message_id) == ("#circle", "m1")
    driver = await site.core.services.drivers.get(site.chat.tenant, 1)
    assert driver is not None and (driver.answer, driver.answer_post) == (None, None)
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        status, _ = await send(client, site, "/console/drivers/1/unpost", sure="yes")
        assert status == 403
