"""crbot in the Microsoft 365 Agents Playground: Teams' own client and card renderer, on loopback.

Each test opens a fresh Playground page, types what a person would type and presses the buttons
they would press, and checks what the page shows them.
"""

from __future__ import annotations

import re

from content.models import Pack
from tests.e2e.teams_client import CARD, TeamsClient, require

expect = require("playwright.sync_api").expect


def test_the_six_steps_show_in_the_personal_chat(teams: TeamsClient, pack: Pack) -> None:
    teams.say("compassion-steps")
    card = teams.last_card()
    expect(card).to_contain_text("The six Compassionate Action Steps")
    for step in pack.steps:
        expect(card).to_contain_text(step.name)
        expect(card.get_by_role("button", name=f"{step.number}. {step.name}")).to_be_visible()


def test_a_scenario_walked_through_by_its_buttons_ends_with_a_private_reflection(
    teams: TeamsClient, pack: Pack
) -> None:
    scenario = pack.scenarios[0]
    teams.say("scenario")
    teams.click(teams.last_card(), f"Scenario {scenario.number}")
    # Each press turns the page in place: the walkthrough stays one card in the chat.
    walkthrough = teams.cards().nth(teams.cards().count() - 1)
    expect(walkthrough).to_contain_text(scenario.title)
    for step in pack.steps:
        teams.click(walkthrough, "Next")
        expect(walkthrough).to_contain_text(re.compile(f"step {step.number} of 6", re.I))
        expect(walkthrough).to_contain_text(step.name)
    reflection = "Arriving late is not the whole story of her morning."
    teams.click(walkthrough, "Reflect privately")
    walkthrough.get_by_label(re.compile("Your reflection")).fill(reflection)
    teams.click(walkthrough, "Keep it")
    expect(teams.last_card()).to_contain_text("Saved, privately")
    teams.click(walkthrough, "Next")
    expect(walkthrough).to_contain_text("all six steps")
    teams.click(walkthrough, "My reflections")
    expect(walkthrough).to_contain_text(reflection)


def test_a_checkin_answered_from_its_private_copy_confirms_in_the_card_clicked(
    teams: TeamsClient, pack: Pack
) -> None:
    section = pack.section(1)
    assert section is not None
    teams.channel_view()
    thread = teams.post("checkin")
    poll = thread.locator(CARD).first
    expect(poll).to_contain_text(section.checkin_question or "")
    before = poll.inner_text()
    # Asked again where it is open, the person gets their own copy in the personal chat.
    teams.reply(thread, "checkin")
    teams.personal_chat()
    copy = teams.last_card()
    expect(copy).to_contain_text(section.checkin_question or "")
    shown = teams.cards().count()
    # However the buttons are labelled ("3 · Three fingers" or "3"), the value comes first.
    teams.click(copy, re.compile(r"^3\b"))
    clicked = teams.cards().nth(shown - 1)
    expect(clicked).to_contain_text("your answer is in")
    expect(teams.cards()).to_have_count(shown)
    # The poll everyone sees was updated too, and never says whose answer it was or what.
    teams.channel_view()
    expect(poll).to_contain_text(section.checkin_question or "")
    expect(poll).not_to_have_text(before)
    expect(poll).not_to_contain_text("your answer is in")
    expect(poll).not_to_contain_text(re.compile("you chose", re.I))


def test_a_checkin_answered_in_the_channel_updates_its_poll_in_place(teams: TeamsClient) -> None:
    teams.channel_view()
    thread = teams.post("checkin")
    poll = thread.locator(CARD).first
    expect(poll.get_by_role("button", name=re.compile(r"^2\b"))).to_be_visible()
    before = poll.inner_text()
    teams.click(poll, re.compile(r"^2\b"))
    # The count changes on the poll itself: no new message in the thread, and it stays
    # answerable, so the answer can be changed.
    expect(poll).not_to_have_text(before)
    expect(thread.locator(CARD)).to_have_count(1)
    expect(poll.get_by_role("button", name=re.compile(r"^4\b"))).to_be_visible()
    # Which of the presser's view and everyone's update shows last is a race here: the
    # Playground has no user-specific views, so the presser's view is covered over the Bot
    # Connector instead (tests/test_teams_poll_views.py).


def test_help_for_a_facilitator_names_the_facilitators_commands(teams: TeamsClient) -> None:
    teams.say("help")
    card = teams.last_card()
    # What only facilitators may do, as the help names it.
    expect(card).to_contain_text("move the team on to another section")
    expect(card).to_contain_text("ask forward N")
    expect(card).to_contain_text("follow-up ...")
    expect(card).to_contain_text(re.compile(r"\breport\b"))


def test_a_facilitators_report_shows_group_figures_only(teams: TeamsClient) -> None:
    teams.say("report")
    card = teams.last_card()
    expect(card).to_contain_text(re.compile("check-ins across the team", re.I))
    expect(card).to_contain_text("Figures change only after")
