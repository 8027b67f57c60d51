"""`holidays` in chat: facilitators see and change the days the team's posts stay off."""

from __future__ import annotations

from datetime import date

from tests.conftest import Chat


async def test_a_facilitator_keeps_a_countrys_holidays_and_posts_on_one_day_anyway(
    chat: Chat,
) -> None:
    # The clock is Monday 15 March 2027.
    shown = (await chat.say("fran", "holidays")).plain_text()
    assert "The team keeps no public holidays and no term calendar." in shown
    changed = await chat.say("fran", "holidays country us new york")
    assert changed.summary == "The team's public holidays are changed."
    assert "the public holidays of US (NY)" in changed.plain_text()
    assert "Mon 31 May 2027: Memorial Day" in changed.plain_text()
    anyway = await chat.say("fran", "holidays post-anyway 2027-05-31")
    assert anyway.summary == "Posts may go out on Mon 31 May 2027."
    assert "Mon 31 May 2027: posts go out anyway" in anyway.plain_text()
    days = await chat.core.services.calendar.days(chat.tenant)
    assert days.why_closed(date(2027, 5, 31)) is None
    assert days.why_closed(date(2027, 7, 5)) == "Independence Day (observed)"
    back = await chat.say("fran", "holidays avoid 2027-05-31")
    assert back.summary == "Posts keep off Mon 31 May 2027 again."


async def test_a_region_or_day_the_bot_does_not_know_changes_nothing_and_says_why(
    chat: Chat,
) -> None:
    refused = await chat.say("fran", "holidays country US Ontario")
    assert refused.private
    assert "Nothing has changed. The state or province: 'ontario' is not a state" in (
        refused.summary
    )
    refused = await chat.say("fran", "holidays country Atlantis")
    assert "The country: 'atlantis' is not a country" in refused.summary
    assert "'someday' is not a date" in (await chat.say("fran", "holidays avoid someday")).summary
    assert (
        "was not a day to post anyway"
        in (await chat.say("fran", "holidays avoid 2027-05-31")).summary
    )
    assert "console" in (await chat.say("fran", "holidays import")).summary
    assert (await chat.core.services.team(chat.tenant)).holiday_region is None


async def test_staff_cannot_change_the_teams_holidays(chat: Chat) -> None:
    await chat.say("sam", "holidays country GB")
    assert (await chat.core.services.team(chat.tenant)).holiday_region is None


async def test_a_circle_scheduled_on_a_holiday_is_kept_and_the_facilitator_told(
    chat: Chat,
) -> None:
    await chat.say("fran", "holidays country GB ENG")
    reply = await chat.say("fran", "schedule 1 2027-03-29 09:00 Europe/London")
    assert "That day is Easter Monday: I post nothing then." in reply.plain_text()
    ordinary = await chat.say("fran", "schedule 1 2027-03-30 09:00 Europe/London")
    assert "I post nothing then" not in ordinary.plain_text()
