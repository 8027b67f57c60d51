"""The form a facilitator fills in to schedule a section's circle, in chat or on the home view."""

from __future__ import annotations

from bot.commands import number
from bot.messages import Form, FormField
from content.models import Pack

# Offered in the schedule form; any IANA zone can be typed in the shell or the CLI.
COMMON_TIME_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Berlin",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
)
# A select's option is its own value, so a section is offered as `3: Title` and read back by
# its number; Slack shows 75 characters of an option.
OPTION_CHARS = 75
DEFAULT_TIME = "09:00"


def section_option(pack: Pack, section: int) -> str:
    """How a section is offered in the form: `3: Self-care for compassion resilience`."""
    found = pack.section(section)
    return f"{section}: {found.title}"[:OPTION_CHARS] if found else str(section)


def chosen_section(picked: str) -> int | None:
    """The section a form's choice (`3: Title`) or typed word (`3`) names, or None."""
    return number(picked.split(":", 1)[0].strip())


def schedule_form(
    pack: Pack,
    *,
    zone: str | None = None,
    section: int | None = None,
    day: str | None = None,
    ask_channel: bool = True,
    channel: str | None = None,
) -> Form:
    """What a facilitator fills in to schedule a section's circle.

    `zone` is the team's (the form starts on it); `section` and `day` are what the facilitator
    already typed. Filled in where it was asked (a Slack channel), the circle is that channel's
    and the form asks none; filled in elsewhere (a Teams personal chat), it asks, starting on
    `channel`.
    """
    known = zone is None or zone in COMMON_TIME_ZONES
    zones = COMMON_TIME_ZONES if known else (str(zone), *COMMON_TIME_ZONES)
    sections = tuple(section_option(pack, s.number) for s in pack.sections)
    where = (FormField(name="channel", label="Team channel", kind="channel", initial=channel),)
    return Form(
        title="Schedule a section",
        submit_label="Schedule",
        fields=(
            FormField(
                name="section",
                label="Section",
                kind="select",
                options=sections,
                initial=section_option(pack, section) if section is not None else None,
            ),
            *(where if ask_channel else ()),
            FormField(name="date", label="Circle date", kind="date", initial=day),
            FormField(name="time", label="Circle time", kind="time", initial=DEFAULT_TIME),
            FormField(
                name="timezone", label="Time zone", kind="timezone", options=zones, initial=zone
            ),
        ),
    )
