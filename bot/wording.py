"""The bot's own words for things that go wrong, in one place, kind and short."""

from __future__ import annotations

from bot.errors import ErrorCode
from bot.messages import Button, Buttons, Context, Reply, Text

COMMANDS_HINT = (
    "Try `compassion-steps`, `compassion-steps 3`, `compassion-steps tips`, `scenario`, "
    "`practice`, `prompt`, `checkin` or `help`."
)

_WORDS: dict[ErrorCode, str] = {
    ErrorCode.UNKNOWN_COMMAND: "I didn't quite catch that.",
    ErrorCode.UNKNOWN_STEP: "There are six steps, 1 to 6 (for example `compassion-steps 4` "
    "or `compassion-steps empathy`).",
    ErrorCode.UNKNOWN_SCENARIO: "I don't have that scenario. Type `scenario` to see the list.",
    ErrorCode.NO_WALKTHROUGH: "You're not in a walkthrough right now. "
    "Type `scenario` to start one.",
    ErrorCode.BAD_ANSWER: "A check-in answer is a number from 0 (fist) to 5 (five fingers), "
    "for example `checkin 4`.",
    ErrorCode.NO_POLL: "There's no check-in open here right now.",
    ErrorCode.POLL_CLOSED: "That check-in has closed. Thank you for wanting to answer it.",
    ErrorCode.NOT_ALLOWED: "That's something only a facilitator or leader can do here.",
    ErrorCode.TOO_LONG: "That's a little long for me to keep. Could you shorten it?",
    ErrorCode.UNAVAILABLE: "I couldn't do that just now. Please try again in a moment.",
    ErrorCode.CANNOT_POST: "I can't post in this conversation yet. Please add me to it, "
    "then try again.",
}


def kind_reply(code: ErrorCode) -> Reply:
    """A gentle reply for an error code, with what works."""
    words = _WORDS[code]
    return Reply(summary=words, blocks=(Text(text=words), Context(text=COMMANDS_HINT)))


def sorry_reply() -> Reply:
    """The reply when something unexpected broke: no details, just kindness."""
    words = "Something went wrong on my side, sorry. Please try again in a moment."
    return Reply.saying(words)


# Free text the bot does not follow, and hellos and thanks, get a warm line and what it offers.
OPENINGS = {
    "unknown": "I'm not sure I followed that, but I'm glad you're here.",
    "hello": "Hello, it's good to hear from you.",
    "thanks": "You're welcome. Thank you for taking care of yourself and others.",
}
OFFER = "Here's what I can offer:"
ASK_HOW = "To ask leadership something anonymously, type `ask` followed by your question."
OFFER_BUTTONS = Buttons(
    buttons=(
        Button(label="A wellness practice", command="practice", primary=True),
        Button(label="The six steps", command="compassion-steps"),
    )
)


def offer_reply(kind: str, support: str) -> Reply:
    """A warm reply to free text, a hello or a thanks, with what the bot can offer."""
    opening = OPENINGS[kind]
    blocks: list[Text | Buttons | Context] = [Text(text=opening), Text(text=OFFER), OFFER_BUTTONS]
    blocks.append(Context(text=ASK_HOW))
    if support.strip():
        blocks.append(Context(text=f"If you need support: {support.strip()}"))
    return Reply(summary=opening, blocks=tuple(blocks))
