"""The console in headless Chromium: signed in through the link the bot sent, read as a person
would, with no console error and no serious accessibility violation (axe-core).

Locally these skip, saying what is missing, when Chromium, Playwright or axe-core (`npm ci` in
tests/console) is not there; CI sets CRBOT_CONSOLE_BROWSER_REQUIRED=1, which makes a missing
piece a failure instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.rollouts.term_calendar import read_term_calendar
from tests.console.site import ConsoleSite, plan_two_sections
from tests.term_calendars import term_calendar
from tests.test_two_way_loop import answer_week

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CRBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("CRBOT_CONSOLE_BROWSER_REQUIRED") == "1"
# Where to save each page the tests reach, for the facilitator's guide (docs/console/); unset: none.
SCREENSHOTS = os.environ.get("CRBOT_CONSOLE_SCREENSHOTS")
# What axe-core calls the violations that stop a person using the page.
BLOCKING = ("serious", "critical")


def missing_prerequisites() -> list[str]:
    """What the browser tests need and this machine lacks, each with how to get it."""
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("Chromium (apt-get install chromium chromium-driver)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python (pip install -e '.[test]')")
    if not AXE.exists():
        missing.append("axe-core (npm ci in tests/console)")
    return missing


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's headless Chromium, driven by Playwright (no browser download)."""
    missing = missing_prerequisites()
    if missing:
        words = "the console's browser tests need " + ", ".join(missing)
        if REQUIRED:
            pytest.fail(words + " (CRBOT_CONSOLE_BROWSER_REQUIRED=1)")
        pytest.skip(words)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        # Chromium's sandbox needs user namespaces a container or root session may not have.
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        await launched.close()


@pytest.fixture
async def running(browser: Browser, site: ConsoleSite) -> tuple[Browser, ConsoleSite]:
    """The browser, and the console for it to visit with sections 1 and 2 planned."""
    await plan_two_sections(site)
    return browser, site


class Watched:
    """A page whose console errors, uncaught exceptions and failed loads are all written down."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda request: self.problems.append(f"failed: {request.url}"))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _response(self, response: Any) -> None:
        # The refusals a test provokes on purpose are checked by status; anything else is a fault.
        if response.status >= 400:
            self.problems.append(f"{response.status}: {response.url}")


async def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands, one line each."""
    # Evaluated rather than added as a <script>: the console's policy rightly refuses scripts
    # from anywhere else, and the test must not loosen it.
    await page.evaluate(AXE.read_text() + "\n;true")
    found = await page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{item['id']} ({item['impact']}): {item['help']} at "
        + ", ".join(str(node["target"]) for node in item["nodes"])
        for item in found
        if item["impact"] in BLOCKING
    ]


async def screenshot(page: Page, name: str) -> None:
    """Keep the page as a person sees it, when CRBOT_CONSOLE_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def open_console(browser: Browser, site: ConsoleSite, user: str = "fran") -> Watched:
    """A new page signed in as a person would: the link the bot sent, then its button."""
    page = await browser.new_page()
    watched = Watched(page)
    await page.goto(await site.link(user))
    await screenshot(page, "sign-in")
    assert await accessibility_violations(page) == []
    await page.get_by_role("button", name="Open the console").click()
    await page.get_by_role("heading", name="Programme", level=1).wait_for()
    assert page.url == f"{site.url}/console/"
    return watched


async def test_a_facilitator_signs_in_with_the_bots_link_and_reads_the_programme(
    running: tuple[Browser, ConsoleSite],
) -> None:
    watched = await open_console(*running)
    page = watched.page
    section = page.get_by_role("listitem").filter(has_text="Section 1:").first
    assert "Circle: Tue 23 Mar, 9:00." in await section.inner_text()
    await section.get_by_text("posts").first.click()
    await page.get_by_text("Thu 25 Mar, 9:00: wellness practice for section 1").wait_for()
    await screenshot(page, "programme")
    assert await accessibility_violations(page) == []
    assert watched.problems == []


async def test_signing_out_in_the_browser_closes_the_console(
    running: tuple[Browser, ConsoleSite],
) -> None:
    browser, site = running
    watched = await open_console(browser, site)
    page = watched.page
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="You have signed out").wait_for()
    assert await accessibility_violations(page) == []
    assert watched.problems == []
    response = await page.goto(f"{site.url}/console/")
    assert response is not None and response.status == 401
    assert "type `console`" in await page.inner_text("main")


async def test_a_facilitator_moves_a_circle_then_skips_a_section_and_undoes_it(
    running: tuple[Browser, ConsoleSite],
) -> None:
    watched = await open_console(*running)
    page = watched.page
    first = page.get_by_role("listitem").filter(has_text="Section 1:").first
    await first.get_by_text("Move or skip this circle").click()
    await first.get_by_label("Date").fill("2027-03-30")
    await first.get_by_label("Time").fill("10:00")
    await screenshot(page, "move")
    assert await accessibility_violations(page) == []
    await first.get_by_role("button", name="Move the circle").click()
    await page.get_by_text("Section 1's circle is now Tue 30 Mar, 10:00").wait_for()
    second = page.get_by_role("listitem").filter(has_text="Section 2:").first
    await second.get_by_text("Move or skip this circle").click()
    await second.get_by_role("link", name="Skip section 2…").click()
    await page.get_by_role("heading", name="Are you sure?").wait_for()
    await screenshot(page, "skip-confirm")
    assert await accessibility_violations(page) == []
    await page.get_by_role("button", name="Skip it").click()
    await page.get_by_role("status").get_by_text("Section 2 is skipped").wait_for()
    await screenshot(page, "skip-undo")
    assert await accessibility_violations(page) == []
    await page.get_by_role("button", name="Undo").click()
    await page.get_by_role("status").get_by_text("Section 2 is back on the plan").wait_for()
    assert "Circle: Tue 20 Apr, 9:00." in await page.inner_text("main")
    assert watched.problems == []


async def test_a_facilitator_sees_how_it_is_going_as_a_chart_with_words_for_it(
    running: tuple[Browser, ConsoleSite],
) -> None:
    browser, site = running
    await answer_week(site.chat, site.core, {"a": 4, "b": 2, "c": 5})
    watched = await open_console(browser, site)
    page = watched.page
    await page.get_by_role("link", name="How it is going").click()
    await page.get_by_role("heading", name="How it is going", level=1).wait_for()
    chart = page.get_by_role("img", name="Check-ins by week")
    assert await chart.is_visible()
    await screenshot(page, "how-it-is-going")
    described = await page.locator("#trend-desc").text_content()
    assert described is not None and "Week of 15 Mar: 3 answers" in described
    assert await accessibility_violations(page) == []
    assert watched.problems == []


async def focus_on(page: Page, text: str, *, presses: int = 60) -> None:
    """Press Tab until the element whose text is `text` has the focus, as a keyboard user would."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("() => document.activeElement?.textContent?.trim() ?? ''")
        if focused == text:
            return
    raise AssertionError(f"{text!r} is not reachable with the Tab key")


async def test_everything_is_done_with_the_keyboard_alone(
    running: tuple[Browser, ConsoleSite],
) -> None:
    browser, site = running
    page = await browser.new_page()
    watched = Watched(page)
    await page.goto(await site.link())
    await focus_on(page, "Open the console")
    await page.keyboard.press("Enter")
    await page.get_by_role("heading", name="Programme", level=1).wait_for()
    await focus_on(page, "Move or skip this circle")
    await page.keyboard.press("Enter")
    await focus_on(page, "Skip section 1…")
    await page.keyboard.press("Enter")
    await page.get_by_role("heading", name="Are you sure?").wait_for()
    await focus_on(page, "Skip it")
    await page.keyboard.press("Enter")
    await page.get_by_role("status").get_by_text("Section 1 is skipped").wait_for()
    await focus_on(page, "Undo")
    await page.keyboard.press("Enter")
    await page.get_by_role("status").get_by_text("Section 1 is back on the plan").wait_for()
    assert watched.problems == []


async def test_the_settings_page_reads_well_to_everyone(
    running: tuple[Browser, ConsoleSite],
) -> None:
    watched = await open_console(*running)
    page = watched.page
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("heading", name="Settings", level=1).wait_for()
    await page.get_by_label("People").fill("5")
    await page.get_by_role("button", name="Change the group size").click()
    await page.get_by_role("status").get_by_text("The group size is changed").wait_for()
    await screenshot(page, "settings")
    assert await accessibility_violations(page) == []
    assert watched.problems == []


async def test_a_facilitator_picks_a_new_leader_by_name_with_the_keyboard(
    running: tuple[Browser, ConsoleSite],
) -> None:
    _, site = running
    # The team's channel, where its programme runs: the list offers its people by name.
    site.chat.port.people["#circle"] = ["fran", "kim", "zed"]
    watched = await open_console(*running)
    page = watched.page
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("heading", name="Settings", level=1).wait_for()
    chooser = page.locator("#add-leader")
    await chooser.focus()
    await page.keyboard.press("ArrowDown")  # past "Choose someone", in name order
    await page.keyboard.press("ArrowDown")
    assert await chooser.input_value() == "kim"
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.get_by_role("status").get_by_text("The team has a new leader").wait_for()
    await page.get_by_role("button", name="Remove Kim Park as leader").wait_for()
    assert await accessibility_violations(page) == []
    assert watched.problems == []
    assert "leader" in await site.core.services.roles_of(site.chat.tenant, "kim")


# The school's year the twelve sections are planned around.
TERM_DATES = term_calendar(
    ("Easter holidays", date(2027, 3, 29), date(2027, 4, 9)),
    ("Summer holidays", date(2027, 7, 23), date(2027, 9, 1)),
    ("Christmas holidays", date(2027, 12, 20), date(2027, 12, 31)),
    ("Autumn term", date(2027, 9, 2), date(2027, 12, 17)),
)
BREAK_DAYS = read_term_calendar(TERM_DATES, date(2027, 3, 15)).days


async def import_term_calendar(page: Page) -> None:
    """On the settings page: England's public holidays and the school's term calendar."""
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("heading", name="Settings", level=1).wait_for()
    await page.get_by_label("Country").fill("GB")
    await page.get_by_label("State or province").fill("ENG")
    await page.get_by_role("button", name="Use these public holidays").click()
    await page.get_by_role("status").get_by_text("public holidays are changed").wait_for()
    await page.get_by_label("The school's or agency's calendar").set_input_files(
        {"name": "term-dates.ics", "mimeType": "text/calendar", "buffer": TERM_DATES}
    )
    await page.get_by_role("button", name="Import the term calendar").click()
    await page.get_by_role("status").get_by_text("The term calendar is imported").wait_for()
    await page.get_by_text("Christmas holidays: Mon 20 Dec 2027 to Fri 31 Dec 2027").wait_for()
    await screenshot(page, "term-calendar")
    assert await accessibility_violations(page) == []
    await page.get_by_role("link", name="Programme").click()
    await page.get_by_role("heading", name="Programme", level=1).wait_for()


async def test_a_facilitator_plans_all_twelve_sections_around_the_term_calendar(
    running: tuple[Browser, ConsoleSite],
) -> None:
    watched = await open_console(*running)
    page = watched.page
    await import_term_calendar(page)
    # Sections 1 and 2 are on 23 March and 20 April 2027; the rest follow four weeks apart.
    for number in range(3, 13):
        day = date(2027, 4, 20) + timedelta(weeks=4 * (number - 2))
        section = page.get_by_role("listitem").filter(has_text=f"Section {number}:").first
        await section.get_by_text("Plan this circle").click()
        await section.get_by_label("Date").fill(day.isoformat())
        await section.get_by_label("Time").fill("09:00")
        await section.get_by_role("button", name="Plan the circle").click()
        await (
            page.get_by_role("status")
            .get_by_text(f"Section {number}'s circle is planned")
            .wait_for()
        )
    main = await page.inner_text("main")
    assert "No circle planned yet." not in main
    assert "Circle: Tue 25 Jan 2028, 9:00." in main  # section 12, 40 weeks after section 2
    # Section 11's circle falls in the Christmas holidays: the facilitator is told, by name.
    warnings = await page.locator(".warnings").inner_text()
    said = "circle for section 11 falls on a day the bot posts nothing: Boxing Day (observed)"
    assert f"Tue 28 Dec, 9:00: {said}" in warnings
    await screenshot(page, "break-warning")
    posts = await page.locator("li.post").all_text_contents()
    assert len(posts) > 200
    days = {f"{day:%a} {day.day} {day:%b}" for day in BREAK_DAYS if day.year == 2027}
    on_a_break = [post for post in posts if post.split(",")[0].strip() in days]
    assert on_a_break == []
    assert any(post.startswith("Mon 12 Apr, ") for post in posts)  # the Monday after Easter
    assert await accessibility_violations(page) == []
    assert watched.problems == []


async def test_a_leader_answers_a_question_after_reading_its_preview(
    running: tuple[Browser, ConsoleSite],
) -> None:
    browser, site = running
    await site.chat.say("sam", "ask Could we have a quiet room on nights?")
    await site.chat.say("fran", "ask forward 1")
    watched = await open_console(browser, site, "lee")
    page = watched.page
    await page.get_by_role("link", name="Questions").click()
    await page.get_by_role("heading", name="Questions", level=1).wait_for()
    assert "sam" not in await page.inner_text("main")
    await page.get_by_role("link", name="Answer Question #1").click()
    await page.get_by_label("Your answer").fill("Yes: the family room, from May.")
    await page.get_by_role("button", name="Preview the answer").click()
    preview = page.get_by_role("region", name="The post as it will read")
    await preview.get_by_text("Yes: the family room, from May.").wait_for()
    assert site.chat.port.sent == []
    await screenshot(page, "answer-preview")
    assert await accessibility_violations(page) == []
    await page.get_by_role("button", name="Post the answer").click()
    await page.get_by_role("status").get_by_text("Your answer is posted").wait_for()
    assert await accessibility_violations(page) == []
    assert watched.problems == []
    ((target, posted),) = site.chat.port.sent
    assert target.address == "#circle" and "family room" in posted.plain_text()


async def test_a_leader_deletes_a_posted_answer_after_confirming_it(
    running: tuple[Browser, ConsoleSite],
) -> None:
    browser, site = running
    await site.chat.say("sam", "ask Could we have a quiet room on nights?")
    await site.chat.say("fran", "ask forward 1")
    await site.chat.say("lee", "ask answer 1 Yes: the family room, from Mya.")
    watched = await open_console(browser, site, "lee")
    page = watched.page
    await page.get_by_role("link", name="Questions").click()
    await page.get_by_role("button", name="Delete the posted answer to Question #1").click()
    await page.get_by_role("heading", name="Delete the posted answer?", level=1).wait_for()
    assert site.chat.port.deleted == []
    await screenshot(page, "answer-delete-confirm")
    assert await accessibility_violations(page) == []
    await page.get_by_role("button", name="Delete the posted answer").click()
    await page.get_by_role("status").get_by_text("The posted answer is deleted").wait_for()
    assert await accessibility_violations(page) == []
    assert watched.problems == []
    (deleted,) = site.chat.port.deleted
    assert deleted.address == "#circle"


async def test_a_leader_changes_then_deletes_a_drivers_posted_answer(
    running: tuple[Browser, ConsoleSite],
) -> None:
    browser, site = running
    await site.chat.say("sam", "drivers add Rota published late")
    await site.chat.say("sam", "drivers sort 1 leadership")
    await site.chat.say("lee", "drivers answer 1 this-year")
    watched = await open_console(browser, site, "lee")
    page = watched.page
    await page.get_by_role("link", name="Drivers").click()
    await page.get_by_label("Change leadership's answer on #1").select_option("next-year")
    assert await accessibility_violations(page) == []
    await page.get_by_role("button", name="Preview the change").click()
    await page.get_by_role("button", name="Replace the posted answer").click()
    await page.get_by_role("status").get_by_text("now reads as you changed it").wait_for()
    await page.get_by_role("button", name="Delete the posted answer on #1").click()
    await page.get_by_role("heading", name="Delete the posted answer?", level=1).wait_for()
    assert await accessibility_violations(page) == []
    await page.get_by_role("button", name="Delete the posted answer").click()
    await page.get_by_role("status").get_by_text("The posted answer is deleted").wait_for()
    assert await accessibility_violations(page) == []
    assert watched.problems == []
    ((_, replaced),) = site.chat.port.updated
    assert "Exploring next year." in replaced.plain_text()
    assert len(site.chat.port.deleted) == 1
