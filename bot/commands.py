"""Parsing what people type (or what a button carries) into a command and its arguments."""

from __future__ import annotations

from dataclasses import dataclass

# The slash command doubles as a prefix: `compassion-steps checkin 4` is `checkin 4`.
PREFIX = "compassion-steps"
NAMES = frozenset(
    {
        "steps",
        "tips",
        "scenario",
        "next",
        "back",
        "reflect",
        "reflections",
        "practice",
        "prompt",
        "checkin",
        "section",
        "help",
        "follow-up",
        "schedule",
        "rollout",
        "ask",
        "asks",
        "suggest",
        "report",
        "privacy",
        "drivers",
        "agreements",
        "survey",
        "console",
    }
)
ALIASES = {
    "step": "steps",
    "scenarios": "scenario",
    "check-in": "checkin",
    "poll": "checkin",
    "previous": "back",
    "?": "help",
    "start": "help",
    "followup": "follow-up",
    "compassion-ask": "ask",
    "what-would-help": "suggest",
    "driver": "drivers",
    "agreement": "agreements",
    "surveys": "survey",
}
# Hellos and thanks, typed whole, answered warmly; the command's argument says which.
GREETINGS = {
    "hi": "hello",
    "hello": "hello",
    "hey": "hello",
    "good morning": "hello",
    "thanks": "thanks",
    "thank you": "thanks",
    "thx": "thanks",
}
GREETING_PUNCTUATION = ".!?,;: "


# Ids and positions the bot hands out stay far below this; a longer run of digits names nothing,
# and would overflow a database's 32-bit integer column.
MAX_DIGITS = 9


def number(text: str) -> int | None:
    """A whole number as typed or carried by a button (`3` or `#3`), or None: 1-9 ASCII digits."""
    # Lists show items as `#3`, so people type that too. `str.isdigit()` alone also takes "²",
    # Arabic-Indic and full-width digits, which `int()` refuses or reads as digits nobody meant.
    digits = text.removeprefix("#")
    if not 0 < len(digits) <= MAX_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return int(digits)


@dataclass(frozen=True)
class Command:
    """A command name, its arguments, and the untouched rest of the line."""

    name: str
    args: tuple[str, ...]
    rest: str


def parse(text: str) -> Command:
    """Read one line; unknown words become the command `unknown`."""
    line = " ".join(text.strip().split())
    if line.startswith("/"):
        line = line[1:]
    words = line.split(" ") if line else []
    if not words:
        return Command("steps", (), "")
    head = words[0].lower()
    said = " ".join(words[1:] if head == PREFIX else words).lower()
    greeting = GREETINGS.get(said.rstrip(GREETING_PUNCTUATION))
    if greeting is not None:
        # Only the kind is kept: nothing of what was typed travels further.
        return Command("greeting", (greeting,), "")
    if head == PREFIX:
        if len(words) == 1:
            return Command("steps", (), "")
        following = words[1].lower()
        following = ALIASES.get(following, following)
        if following in NAMES and following != "steps":
            words = words[1:]
            head = following
        else:
            return Command("steps", tuple(w.lower() for w in words[1:]), " ".join(words[1:]))
    head = ALIASES.get(head, head)
    if head not in NAMES:
        return Command("unknown", tuple(words), line)
    return Command(head, tuple(w.lower() for w in words[1:]), " ".join(words[1:]))
