"""The cadence: when, around each circle, the bot posts what; a YAML file to swap."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError

DEFAULT_CADENCE = Path(__file__).resolve().parent / "cadence.yaml"

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How often a team's daily prompts come: every open day, three a week, or one a week.
Rhythm = Literal["daily", "three", "weekly"]
RHYTHMS: tuple[Rhythm, ...] = ("daily", "three", "weekly")
PER_WEEK: dict[Rhythm, int] = {"daily": 7, "three": 3, "weekly": 1}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Offset(_Strict):
    """A post a number of days from a circle, at a local time."""

    days: int = Field(ge=-60, le=60)
    time: time


class Repeating(_Strict):
    """Posts repeating after a circle: each working day, or every `every_days` days."""

    time: time
    from_days: int = Field(ge=0, le=60)
    every_days: int | None = Field(default=None, ge=1, le=60)


class Prompts(Repeating):
    """The daily prompts: a rhythm of open days a week, unless `every_days` fixes an interval."""

    rhythm: Rhythm = "daily"


class Reminder(_Strict):
    """One private nudge a number of days after each check-in, to those who have not answered."""

    days_after: int = Field(ge=1, le=6)
    time: time


class Surveys(_Strict):
    """Programme surveys: before the first circle, after the middle one, after the last."""

    pre: Offset | None = None
    mid: Offset | None = None
    post: Offset | None = None


class Sustainment(_Strict):
    """After the last section: monthly check-ins until the facilitator ends the rollout."""

    from_days: int = Field(ge=1, le=365)
    every_months: int = Field(ge=1, le=12)
    time: time
    months_ahead: int = Field(ge=1, le=36)


class QuietHours(_Strict):
    """Local hours nothing is posted; `start` after `end` wraps over midnight."""

    start: time
    end: time


class Cadence(_Strict):
    """The whole cadence file."""

    intro: Offset
    nudge: Offset | None = None
    visual: Offset | None = None
    leader_note: Offset | None = None
    practice: Offset | None = None
    prompt: Prompts | None = None
    checkin: Repeating | None = None
    checkin_reminder: Reminder | None = None
    surveys: Surveys = Surveys()
    sustainment: Sustainment | None = None
    last_section_days: int = Field(default=21, ge=1, le=120)
    min_days_between_circles: int = Field(default=7, ge=1, le=120)
    working_days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    quiet_hours: QuietHours | None = None


class CadenceError(ConfigError):
    """A cadence file that cannot be used; the message names the file and field."""


def load_cadence(path: Path | None = None) -> Cadence:
    """Read and validate a cadence file (the toolkit's defaults when `path` is None)."""
    source = path or DEFAULT_CADENCE
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        return Cadence.model_validate(data)
    except OSError as error:
        raise CadenceError(f"{source}: cannot read the file ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise CadenceError(f"{source}: not valid YAML") from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CadenceError(f"{source}: {where}: {first['msg']}") from None
