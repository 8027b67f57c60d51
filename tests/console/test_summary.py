"""The printable leadership summary: the trend page's own figures, the team's sections and the
current section's leadership considerations, as a PDF."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from pypdf import PdfReader

from tests.conftest import FrozenClock
from tests.console.site import ConsoleSite, browser_client, page_words, sign_in
from tests.console.test_trend import listed, trend_page, two_weeks
from tests.test_two_way_loop import answer_week


@dataclass(frozen=True)
class Fetched:
    """A response's status, headers and body."""

    status: int
    content_type: str
    headers: Mapping[str, str]
    body: bytes


async def summary(client: aiohttp.ClientSession, site: ConsoleSite) -> Fetched:
    """The summary's response, read."""
    async with client.get(f"{site.url}/console/summary.pdf") as response:
        body = await response.read()
        return Fetched(response.status, response.content_type, dict(response.headers), body)


def words_of(pdf: bytes) -> str:
    """Every page's text, its line breaks and spacing made single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


async def test_the_summary_holds_the_trend_pages_figures_and_the_sections_progress(
    site: ConsoleSite, clock: FrozenClock
) -> None:
    await two_weeks(site, clock)
    await site.chat.say("fran", "section 2")
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        _, page = await trend_page(client, site)
        response = await summary(client, site)
        body = response.body
    assert "Printable summary (PDF)" in page_words(page)
    assert response.status == 200
    assert response.content_type == "application/pdf"
    assert 'filename="leadership-summary-2027-03-22.pdf"' in response.headers["Content-Disposition"]
    words = words_of(body)
    charts = [image for each in PdfReader(io.BytesIO(body)).pages for image in each.images]
    assert len(charts) == 1  # report's chart of the one shown week, its words beside it
    weeks = listed(page)
    assert len(weeks) == 2
    for line in weeks:
        assert re.sub(r"\s+", " ", line) in words
    described = re.search(r'<desc id="trend-desc">(.*?)</desc>', page, flags=re.S)
    assert described is not None and page_words(described.group(1)) in words
    pack = site.core.services.packs["healthcare"].pack
    first, second = pack.sections[0], pack.sections[1]
    assert f"Now: Section 2, {second.title}." in words
    assert f"1. {first.title} (done)" in words and f"2. {second.title} (now)" in words
    assert "Leadership considerations for Section 2" in words
    for consideration in second.leadership_considerations:
        assert re.sub(r"\s+", " ", consideration)[:60] in words


async def test_leaders_get_the_sections_and_considerations_but_no_figures(
    site: ConsoleSite,
) -> None:
    await answer_week(site.chat, site.core, {"a": 4, "b": 2, "c": 5})
    async with browser_client() as client:
        programme = await sign_in(client, site, await site.link("lee"))
        response = await summary(client, site)
        words = words_of(response.body)
    assert "Printable summary (PDF)" in page_words(programme)
    assert response.status == 200
    assert "Leadership considerations for Section 1" in words
    assert "Week of " not in words and not re.search(r"\d answers", words)
    assert "for its facilitators" in words
    assert not PdfReader(io.BytesIO(response.body)).pages[0].images  # and no chart


async def test_a_team_without_check_ins_gets_a_summary_that_says_so(site: ConsoleSite) -> None:
    async with browser_client() as client:
        await sign_in(client, site, await site.link())
        words = words_of((await summary(client, site)).body)
    assert "No check-ins have been answered yet." in words
    assert "Week of" not in words


async def test_the_summary_needs_a_session(site: ConsoleSite) -> None:
    async with browser_client() as client:
        response = await summary(client, site)
    assert response.status == 401
    assert response.content_type == "text/html"
