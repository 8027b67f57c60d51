"""The Agents Playground's Teams client, driven as a person would: chats, posts, card buttons.

Every wait is Playwright's own (it polls the page until the text shows or the deadline passes),
so a slow bot makes a test slower, never wrong.
"""

from __future__ import annotations

import importlib
import os
import re
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# CI sets this: there a missing piece of the client fails the run instead of skipping it.
REQUIRED = os.environ.get("CRBOT_E2E_REQUIRED") == "1"


def require(module: str) -> ModuleType:
    """Import a module the tests need: skipped without it locally, an error in CI."""
    if REQUIRED:
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=f"the Teams client tests need {module}")


# The Playground answers on loopback; a turn that takes longer than this is a failure.
TURN_SECONDS = 15
# A card's form (Action.ShowCard) renders as a card inside it: only the outer one is a message.
CARD = ".ac-adaptiveCard:not(.ac-adaptiveCard .ac-adaptiveCard)"
PERSONAL_CHAT = "Personal Chat"


class TeamsClient:
    """One person in the Playground's Teams client, in whichever chat is open."""

    def __init__(self, page: Page, bot_name: str, channel: str) -> None:
        self.page = page
        self.bot_name = bot_name
        self.channel = channel

    def open(self, url: str) -> None:
        """Load the client; the bot's install welcome shows that the two are connected."""
        self.page.set_default_timeout(TURN_SECONDS * 1000)
        self.page.goto(url)
        self.cards().first.wait_for()

    def cards(self) -> Locator:
        """Every Adaptive Card in the open chat, oldest first."""
        return self.page.locator(CARD)

    def last_card(self) -> Locator:
        return self.cards().last

    def personal_chat(self) -> None:
        """Open the person's personal chat with the bot."""
        self.page.get_by_role("treeitem", name=PERSONAL_CHAT).click()
        self.page.locator("[data-lexical-editor]").last.wait_for()

    def channel_view(self) -> None:
        """Open the team's channel; the bot's welcome there shows it is installed."""
        self.page.get_by_role("treeitem", name=self.channel).click()
        self.page.get_by_role("button", name="Post").wait_for()
        self.cards().first.wait_for()

    def say(self, text: str) -> None:
        """Type a line in the open chat and send it."""
        self.page.locator("[data-lexical-editor]").last.click()
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        self.page.get_by_text(text, exact=True).last.wait_for()

    def post(self, command: str) -> Locator:
        """Start a channel thread that @mentions the bot (Teams sends it nothing else there);
        the thread it started."""
        self.page.locator("[data-lexical-editor]").first.click()
        self._mention()
        self.page.keyboard.type(f" {command}")
        self.page.get_by_role("button", name="Post").click()
        return self.page.get_by_role("group").filter(has_text=f"{self.bot_name} {command}").first

    def reply(self, thread: Locator, command: str) -> None:
        """Answer in a thread, @mentioning the bot."""
        thread.locator("[data-lexical-editor]").click()
        self._mention()
        self.page.keyboard.type(f" {command}")
        self.page.keyboard.press("Enter")

    def click(self, card: Locator, label: str | re.Pattern[str]) -> None:
        """Press a card's button by its label."""
        card.get_by_role("button", name=label, exact=isinstance(label, str)).click()

    def _mention(self) -> None:
        self.page.keyboard.type("@" + self.bot_name[:3])
        self.page.get_by_role("menuitem", name=self.bot_name).click()
