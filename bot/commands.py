"""Parsing what people type (or what a button carries) into a command and its arguments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# The slash command doubles as a prefix: `compassion-steps checkin 4` is `checkin 4`.
PREFIX = "compassion-steps"
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
# Where an anonymous command must be typed when the place itself is read by others.
IN_PRIVATE = "in a private chat with me"
# A command named in a reply: `checkin reminders off`.
_CODE = re.compile(r"`([^`\n]+)`")


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


@dataclass(frozen=True)
class Vocabulary:
    """The command names and aliases a line is read with (from the declared commands)."""

    names: frozenset[str]
    aliases: Mapping[str, str]
    # Commands whose words go on without the person's name: typed where others read it, a
    # reply points to a private chat instead.
    anonymous: frozenset[str] = frozenset()

    def fit(self, text: str, prefix: str, public: bool = False) -> str:
        """`text` with each command it names in backticks as it must be typed after `prefix`;
        where typing is `public`, anonymous commands point to a private chat instead."""
        if not prefix or "`" not in text:
            return text
        return _CODE.sub(lambda found: self._fitted(found, prefix, public), text)

    def _fitted(self, found: re.Match[str], prefix: str, public: bool) -> str:
        words = found.group(1)
        head = words.split(" ", 1)[0].lower()
        head = self.aliases.get(head, head)
        if public and head in self.anonymous:
            return f"`{words}` {IN_PRIVATE}"
        if head == PREFIX or head in self.names:
            return f"`{typed_as(words, prefix)}`"
        return found.group(0)

    def parse(self, text: str) -> Command:
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
            following = self.aliases.get(following, following)
            if following in self.names and following != "steps":
                words = words[1:]
                head = following
            else:
                return Command("steps", tuple(w.lower() for w in words[1:]), " ".join(words[1:]))
        head = self.aliases.get(head, head)
        if head not in self.names:
            return Command("unknown", tuple(words), line)
        return Command(head, tuple(w.lower() for w in words[1:]), " ".join(words[1:]))


@dataclass(frozen=True)
class Usage:
    """One help line: what to type (after the command's prefix) and what it does."""

    typed: str
    does: str
    # Who sees the line in help; empty: everyone.
    shown_to: frozenset[str] = frozenset()


def typed_as(words: str, prefix: str) -> str:
    """`words` as a person must type them where `prefix` says commands start."""
    # The slash command is itself the steps' name: `/compassion-steps 3`, never
    # `/compassion-steps compassion-steps 3`.
    if words.startswith(PREFIX) and prefix.strip() == f"/{PREFIX}":
        return f"/{words}"
    return f"{prefix}{words}"
