"""A rollout as an iCalendar file: circles are events, posts are reminders facilitators can see."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event

from bot.rollouts.plan import PlannedPost, zone_of
from bot.storage.rollouts import RolloutRecord
from content.models import Pack

PRODID = "-//crbot//Compassion Resilience rollout//EN"
# A circle without an agenda in the pack is planned as an hour.
DEFAULT_CIRCLE_MINUTES = 60


def calendar_file(
    rollout: RolloutRecord, posts: list[PlannedPost], pack: Pack, stamp: datetime
) -> bytes:
    """The whole plan as an .ics file's bytes."""
    zone = zone_of(rollout.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Compassion Resilience circles ({rollout.id})")
    for circle in rollout.circles:
        if circle.skipped:
            continue
        section = pack.section(circle.section)
        title = section.title if section else f"Section {circle.section}"
        minutes = section.circle_agendas[0].minutes if section and section.circle_agendas else 0
        start = circle.local.replace(tzinfo=zone, fold=0)
        event = Event()
        event.add("uid", f"{rollout.id}-circle-{circle.section}@crbot")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=minutes or DEFAULT_CIRCLE_MINUTES))
        event.add("summary", f"Circle · Section {circle.section}: {title}")
        if section and section.circle_agendas:
            # The agenda's parts, so a facilitator's calendar says what the circle will do.
            agenda = section.circle_agendas[0]
            parts = "\n".join(f"{part.title} ({part.minutes} min)" for part in agenda.parts)
            event.add("description", f"{agenda.title}\n{parts}")
        event.add("categories", ["circle"])
        reminder = Alarm()
        reminder.add("action", "DISPLAY")
        reminder.add("description", f"Circle for Section {circle.section} tomorrow")
        reminder.add("trigger", timedelta(days=-1))
        event.add_component(reminder)
        calendar.add_component(event)
    for post in posts:
        event = Event()
        event.add("uid", f"{post.key(rollout.id, rollout.address)}@crbot")
        event.add("dtstamp", stamp)
        event.add("dtstart", post.local)
        event.add("dtend", post.local + timedelta(minutes=15))
        event.add("summary", f"Bot posts: {post.title}")
        event.add("categories", [post.kind])
        # Reminders, not meetings: they never show the facilitator as busy.
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical
