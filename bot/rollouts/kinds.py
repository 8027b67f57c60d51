"""The kinds of post a rollout makes: one table, one name each, and the claimed row `Due`.

Planned kinds come from the plan; the others are rows made while sending (a leader note becomes
one direct message per leader, a reminder one row per poll). The ledger stores the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Kind(StrEnum):
    """What a ledger row posts."""

    SURVEY = "survey"
    INTRO = "intro"
    NUDGE = "nudge"
    CIRCLE = "circle"
    LEADER_NOTE = "leader-note"
    VISUAL = "visual"
    PRACTICE = "practice"
    PROMPT = "prompt"
    CHECKIN = "checkin"
    REMINDER = "reminder"
    AGREEMENTS = "agreements"
    # Made while sending (`bot.storage.rollouts.Spawned`).
    LEADER_DM = "leader-dm"
    FOLLOW_UP = "follow-up"
    REMINDER_DMS = "reminder-dms"


# The planned kinds, in the order a section's posts are planned.
PLANNED = (
    Kind.SURVEY,
    Kind.INTRO,
    Kind.NUDGE,
    Kind.CIRCLE,
    Kind.LEADER_NOTE,
    Kind.VISUAL,
    Kind.PRACTICE,
    Kind.PROMPT,
    Kind.CHECKIN,
    Kind.REMINDER,
    Kind.AGREEMENTS,
)
LABELS: dict[str, str] = {
    Kind.INTRO: "Introduction",
    Kind.NUDGE: "Facilitator checklist",
    Kind.LEADER_NOTE: "Note to leaders",
    Kind.VISUAL: "Visual reminder",
    Kind.PRACTICE: "Wellness practice",
    Kind.PROMPT: "Daily prompt",
    Kind.CHECKIN: "Check-in",
    Kind.REMINDER: "Check-in reminder",
    Kind.LEADER_DM: "Note to a leader",
    Kind.FOLLOW_UP: "Scheduled follow-up",
    Kind.REMINDER_DMS: "Check-in reminders",
}
# Kinds that only add rows to the ledger under fixed keys: doing one again adds nothing twice.
REPEATABLE = frozenset({Kind.LEADER_NOTE, Kind.REMINDER})
# What a kind may carry after a dash: which survey, or a sustainment check-in.
DETAILS = frozenset({"pre", "mid", "post", "sustain"})


def split_kind(stored: str) -> tuple[str, str]:
    """A stored kind as (kind, detail): `survey-pre` is ("survey", "pre")."""
    head, _, tail = stored.rpartition("-")
    return (head, tail) if tail in DETAILS else (stored, "")


@dataclass(frozen=True)
class Due:
    """One ledger row the scheduler has claimed, as the core needs it."""

    key: str
    tenant: str
    rollout_id: str
    kind: str  # `survey-pre`, `checkin-sustain`: the kind and its detail
    section: int
    local_date: date
    address: str
    # What a row made while sending carries (see `bot.storage.rollouts.Spawned`), as JSON.
    body: str | None = None

    @property
    def base_kind(self) -> str:
        """The kind without its detail."""
        return split_kind(self.kind)[0]

    @property
    def detail(self) -> str:
        """Which survey (pre, mid, post), or `sustain` for a sustainment check-in."""
        return split_kind(self.kind)[1]
