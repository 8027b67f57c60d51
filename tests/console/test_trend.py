"""How it is going: the check-in figures `report` gives, drawn, from releases only."""

from __future__ import annotations

import re

import aiohttp

from bot.messages import Bullets
from tests.conftest import FrozenClock
from tests.console.site import ConsoleSite, browser_client, page_words, sign_in
from tests.test_two_way_loop import answer_week


async def trend_page(client: aiohttp.ClientSession, site: ConsoleSite) -> tuple[int, str]:
    """The page's status and HTML."""
    async with client.get(f"{site.url}/console/trend") as page:
        return page.status, await page.text()


async def two_weeks(site: ConsoleSite, clock: FrozenClock) -> None:
    """A week of three answers (shown), then a week of two (withheld at the group size 3)."""
    await answer_week(site.chat, site.core, {"a": 4, "b": 2, "c": 5})
    clock.advance(days=7)
    await answer_week(site.chat, site.core, {"a": 1, "b": 3})


def listed(page: str) -> list[str]:
    """The page's week-by-week lines."""
    section = page.split("Week by week", 1)[1]
    return [page_words(item) for item in re.findall(r"<li>(.*?)</li>", section, flags=re.S)]


async def test_the_page_says_what_report_says_and_draws_only_released_weeks(
    site: ConsoleSite, clock: FrozenClock
) -> None:
    await two_weeks(site, clock)
    report = await site.chat.say("fran", "report")
    reported = next(block for block in report.blocks if isinstance(block, Bullets))
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        status, page = await trend_page(client, site)
    assert status == 200
    assert listed(page) == list(reported.items)
    assert page.count('class="label">Week of') == 1  # the withheld week has no bar
    assert "fewer than 3 answers, not shown" in page_words(page)


async def test_one_week_reads_as_one_labelled_bar_with_its_average_and_alt_text(
    site: ConsoleSite,
) -> None:
    await answer_week(site.chat, site.core, {"a": 4, "b": 2, "c": 5})
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        _, page = await trend_page(client, site)
    words = page_words(page)
    assert "Week of 15 Mar" in words and "average about 3.8" in words
    assert "33%" in words and "67%" in words
    assert 'role="img"' in page
    assert (
        "Check-ins by week. Week of 15 Mar: 3 answers, low (0-1) 0% · middle (2-3) 33% · "
        "high (4-5) 67% · average about 3.8." in words
    )


async def test_nothing_is_drawn_before_a_week_reaches_the_group_size(site: ConsoleSite) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        _, empty = await trend_page(client, site)
        await answer_week(site.chat, site.core, {"a": 1, "b": 3})
        _, withheld = await trend_page(client, site)
    assert "No check-ins have been answered yet." in page_words(empty)
    assert "No check-in has reached 3 answers" in page_words(withheld)
    assert "<svg" not in empty and "<svg" not in withheld


async def test_leaders_are_not_shown_the_teams_figures(site: ConsoleSite) -> None:
    await answer_week(site.chat, site.core, {"a": 4, "b": 2, "c": 5})
    async with browser_client() as client:
        programme = await sign_in(client, site, await site.link("lee"))
        status, page = await trend_page(client, site)
    assert status == 403 and "Week of" not in page
    assert "How it is going" not in programme
