"""Reply -> Slack views: the App Home tab and modals, and the answers a submitted modal carries.

A view is one surface (100 blocks), not a run of messages, so a long reply is cut with a note
rather than split.
"""

from __future__ import annotations

import re

from adapters.slack.limits import (
    OPTION_TEXT,
    OPTION_VALUE,
    OPTIONS,
    PRIVATE_METADATA,
    SECTION_TEXT,
    SURFACE_BLOCKS,
    VIEW_TITLE,
    Json,
    escape,
    mrkdwn_sections,
    plain_text,
)
from adapters.slack.render import Builder
from bot.messages import Form, FormField, Reply

FORM_CALLBACK = "crbot.form"
FIELD_ACTION = "value"
NOTHING = "Nothing to show here yet."
SHORTENED = "There's more: ask me again in a message, or type the command in a DM."


def surface_blocks(reply: Reply) -> tuple[list[Json], dict[str, Form]]:
    """Blocks for a modal or the Home tab: one surface, so cut at 100 blocks with a note."""
    builder = Builder(upload_files=False, markdown_blocks=False)
    for block in reply.blocks:
        builder.add(block)
    # A view needs at least one block; a reply with none shows its summary.
    blocks = builder.blocks or mrkdwn_sections(escape(reply.summary)) or mrkdwn_sections(NOTHING)
    if len(blocks) > SURFACE_BLOCKS:
        note = {"type": "context", "elements": [{"type": "mrkdwn", "text": SHORTENED}]}
        blocks = [*blocks[: SURFACE_BLOCKS - 1], note]
    return blocks, builder.forms


def home_view(reply: Reply) -> tuple[Json, dict[str, Form]]:
    """The App Home tab for a reply."""
    blocks, forms = surface_blocks(reply)
    return {"type": "home", "blocks": blocks}, forms


_DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _option(text: str) -> Json:
    return {"text": plain_text(text, OPTION_TEXT), "value": text[:OPTION_VALUE]}


def _element(item: FormField) -> Json:
    if item.kind in ("select", "timezone"):
        options = [_option(o) for o in item.options[:OPTIONS]] or [_option("UTC")]
        element: Json = {"type": "static_select", "options": options}
        initial = next((o for o in options if o["value"] == item.initial), None)
        if initial is not None:
            element["initial_option"] = initial
    elif item.kind == "channel":
        element = {
            "type": "conversations_select",
            "default_to_current_conversation": True,
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        }
    elif item.kind == "date":
        element = {"type": "datepicker"}
        # Slack refuses the whole view over an initial date or time of another shape.
        if item.initial and _DATE.fullmatch(item.initial):
            element["initial_date"] = item.initial
    elif item.kind == "time":
        element = {"type": "timepicker"}
        if item.initial and _TIME.fullmatch(item.initial):
            element["initial_time"] = item.initial
    else:
        element = {
            "type": "plain_text_input",
            "multiline": item.kind == "long_text",
            "max_length": min(item.max_length, SECTION_TEXT),
        }
        if item.initial:
            element["initial_value"] = item.initial[: element["max_length"]]
    element["action_id"] = FIELD_ACTION
    return element


def modal(form: Form, metadata: str) -> Json:
    """A modal asking for a form's fields; `metadata` comes back with the submission."""
    blocks = [
        {
            "type": "input",
            "block_id": item.name[:255],
            "label": plain_text(item.label, 2000),
            "optional": item.optional,
            "element": _element(item),
        }
        for item in form.fields[:SURFACE_BLOCKS]
    ]
    # A form with nothing to fill in still needs a block: it asks to confirm, by its title.
    blocks = blocks or mrkdwn_sections(escape(form.title)) or mrkdwn_sections(NOTHING)
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": plain_text(form.title, VIEW_TITLE),
        "submit": plain_text(form.submit_label, VIEW_TITLE),
        "close": plain_text("Cancel", VIEW_TITLE),
        "private_metadata": metadata[:PRIVATE_METADATA],
        "blocks": blocks,
    }


def answers(state: Json) -> dict[str, str]:
    """A submitted modal's values, by field name (empty optional fields are left out)."""
    found: dict[str, str] = {}
    values = state.get("values")
    # Slack nests objects here; anything else (a modal of another shape) has no answers.
    for name, actions in (values if isinstance(values, dict) else {}).items():
        value = actions.get(FIELD_ACTION) if isinstance(actions, dict) else None
        if not isinstance(value, dict):
            continue
        option = value.get("selected_option")
        picked = (
            value.get("value")
            or (option.get("value") if isinstance(option, dict) else None)
            or value.get("selected_conversation")
            or value.get("selected_channel")
            or value.get("selected_date")
            or value.get("selected_time")
        )
        if isinstance(picked, str) and picked:
            found[str(name)] = picked
    return found
