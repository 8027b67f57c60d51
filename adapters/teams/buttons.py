"""Buttons -> card actions that fit Teams.

Teams shows at most six actions in a set, shares a row equally among its buttons and cuts each
title with an ellipsis, and a card's input ids must be unique. So buttons that open the same form
become one action (choose which, then fill the form once), a long row of similar buttons (`★ #3`,
`Agree #3`) becomes one action with a choice, rows are split where titles would be cut, and every
form's inputs get ids of their own. A click that changes the card it was made on (a poll's
answer) is a Universal Action, `Action.Execute`, falling back to `Action.Submit` on older hosts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from itertools import count
from typing import Any

from bot.messages import Button, Form, FormField

Json = dict[str, Any]
Places = Sequence[tuple[str, str]]

COMMAND_KEY = "command"
FORM_KEY = "crbot_form"
# A choice among several buttons sends which input holds the chosen command.
PICK_KEY = "crbot_pick"
# Input ids carry a prefix (and the form's number in the card), so a form field can never be
# mistaken for the command and two forms in one card never share an id.
INPUT_PREFIX = "in_"
MAX_ACTIONS = 6  # Teams' host config: maxActions
# Teams' card at its narrowest (560 px) less its padding, and a shown card's padding inside it.
ROW_WIDTH = 528
SHOWN_CARD_PADDING = 32
BUTTON_SPACING = 8
# Teams' buttons: 14 px semibold Segoe UI, about 7.5 px a character, 12 px padding each side.
CHAR_WIDTH = 7.5
WIDE_CHAR_WIDTH = 15
BUTTON_PADDING = 24
WHICH_ONE = "Which one?"
MORE = "More"
NEEDED = "Please fill this in."


def title_width(title: str) -> float:
    """About how wide Teams draws a button's title, in pixels."""
    return sum(WIDE_CHAR_WIDTH if ord(ch) > 0x2000 else CHAR_WIDTH for ch in title)


def fits(titles: Sequence[str], width: float = ROW_WIDTH) -> bool:
    """Whether a row of buttons with these titles shows every title whole."""
    if not titles:
        return True
    share = (width - BUTTON_SPACING * (len(titles) - 1)) / len(titles)
    return all(title_width(title) + BUTTON_PADDING <= share for title in titles)


def rows(actions: list[Json], width: float = ROW_WIDTH) -> list[list[Json]]:
    """Actions split into rows, in order, each of at most six whose titles show whole."""
    found: list[list[Json]] = []
    for item in actions:
        row = found[-1] if found else None
        if row is not None and len(row) < MAX_ACTIONS and fits(_titles([*row, item]), width):
            row.append(item)
        else:
            found.append([item])
    return found


def _titles(actions: list[Json]) -> list[str]:
    return [str(item.get("title", "")) for item in actions]


def submit_data(button: Button) -> Json:
    """What a click sends back in the activity's `value`."""
    data: Json = {COMMAND_KEY: button.command}
    if button.form is not None:
        data[FORM_KEY] = True
    return data


def execute(title: str, data: Json) -> Json:
    """A Universal Action: the card can be answered with a new one; older hosts submit."""
    fallback = {"type": "Action.Submit", "title": title, "data": data}
    # The verb names the kind of action (`checkin`); the command in `data` says which.
    verb = str(data.get(COMMAND_KEY) or "choose").split(" ", 1)[0]
    action = {"type": "Action.Execute", "title": title, "verb": verb, "data": data}
    return {**action, "fallback": fallback}


def input_id(form_number: int, name: str) -> str:
    """A form field's input id: unique in its card, read back by `field_name`."""
    return f"{INPUT_PREFIX}{name}" if form_number == 0 else f"in{form_number}_{name}"


_INPUT_ID = re.compile(r"in[0-9]*_(.+)")


def field_name(key: str) -> str | None:
    """The form field an input id names, or None when it names none."""
    found = _INPUT_ID.fullmatch(key)
    return found.group(1) if found else None


def _input(field: FormField, form_number: int, places: Places) -> Json:
    common: Json = {
        "id": input_id(form_number, field.name),
        "label": field.label,
        "isRequired": not field.optional,
    }
    if not field.optional:
        common["errorMessage"] = NEEDED
    if field.initial is not None:
        common["value"] = field.initial
    if field.kind == "select" or (field.kind == "timezone" and field.options):
        choices = [{"title": option, "value": option} for option in field.options]
        return {"type": "Input.ChoiceSet", "style": "compact", "choices": choices, **common}
    if field.kind == "date":
        return {"type": "Input.Date", **common}
    if field.kind == "time":
        return {"type": "Input.Time", **common}
    if field.kind == "channel" and places:
        # Cards have no channel picker: offer the channels and chats the bot has been added to.
        choices = [{"title": title, "value": address} for title, address in places]
        return {"type": "Input.ChoiceSet", "style": "compact", "choices": choices, **common}
    multiline = field.kind == "long_text"
    return {"type": "Input.Text", "isMultiline": multiline, "maxLength": field.max_length, **common}


def _heading(text: str) -> Json:
    return {"type": "TextBlock", "text": text, "weight": "Bolder", "wrap": True}


class Actions:
    """Builds one card's actions, numbering its forms and choices so no id repeats."""

    def __init__(self, places: Places = ()) -> None:
        self._places = places
        self._forms: Iterator[int] = count()
        self._picks: Iterator[int] = count(1)

    def row_sets(self, buttons: Sequence[Button], width: float = ROW_WIDTH) -> list[Json]:
        """A row of buttons as ActionSets that Teams shows whole."""
        return [{"type": "ActionSet", "actions": row} for row in rows(self.of(buttons), width)]

    def of(self, buttons: Sequence[Button]) -> list[Json]:
        """The buttons as at most six actions."""
        groups = _by_form(buttons)
        if len(groups) > MAX_ACTIONS:
            groups = _by_stem(groups)
        made = [self._group(group) for group in groups]
        if len(made) <= MAX_ACTIONS:
            return made
        # Still too many: the rest wait behind one more action, in rows of their own.
        body = [{"type": "ActionSet", "actions": row} for row in rows(made[MAX_ACTIONS - 1 :])]
        more = {"type": "AdaptiveCard", "body": body}
        return [*made[: MAX_ACTIONS - 1], {"type": "Action.ShowCard", "title": MORE, "card": more}]

    def _group(self, group: list[Button]) -> Json:
        first = group[0]
        if len(group) == 1:
            return self.one(first)
        form = first.form
        title = form.title if form is not None else _shared_title(group)
        pick = f"{PICK_KEY}_{next(self._picks)}"
        choices = [{"title": b.label, "value": b.command} for b in group]
        chooser = {
            "type": "Input.ChoiceSet",
            "id": pick,
            "label": WHICH_ONE,
            "style": "compact",
            "isRequired": True,
            "errorMessage": NEEDED,
            "choices": choices,
            "value": first.command,
        }
        body: list[Json] = [chooser]
        data: Json = {PICK_KEY: pick}
        submit_title = title.rstrip(" #…") or first.label
        if form is not None:
            number = next(self._forms)
            body = [_heading(form.title), chooser]
            body += [_input(f, number, self._places) for f in form.fields]
            data[FORM_KEY] = True
            submit_title = form.submit_label
        submit = {"type": "Action.Submit", "title": submit_title, "data": data}
        card = {"type": "AdaptiveCard", "body": body, "actions": [submit]}
        return {"type": "Action.ShowCard", "title": title, "card": card}

    def one(self, button: Button) -> Json:
        """One button as a card action: a plain submit, or its form shown in place."""
        submit: Json = {"type": "Action.Submit", "title": button.label, "data": submit_data(button)}
        if button.form is None:
            return submit
        form, number = button.form, next(self._forms)
        submit["title"] = form.submit_label
        fields = [_input(f, number, self._places) for f in form.fields]
        body = [_heading(form.title), *fields]
        card = {"type": "AdaptiveCard", "body": body, "actions": [submit]}
        return {"type": "Action.ShowCard", "title": button.label, "card": card}


def _by_form(buttons: Sequence[Button]) -> list[list[Button]]:
    """Buttons in order, those opening the same form together (where the first of them was)."""
    groups: list[list[Button]] = []
    by_form: dict[Form, list[Button]] = {}
    for button in buttons:
        if button.form is None:
            groups.append([button])
        elif button.form in by_form:
            by_form[button.form].append(button)
        else:
            by_form[button.form] = [button]
            groups.append(by_form[button.form])
    return groups


def _stem(command: str) -> str:
    """What a command does to an item it names by number (`agreements star` of `... star 3`)."""
    stem, _, last = command.rpartition(" ")
    return stem if last.removeprefix("#").isdigit() else ""


def _by_stem(groups: list[list[Button]]) -> list[list[Button]]:
    """Plain buttons that do one thing to different items (`agreements star 3`), together where
    the first of them was."""
    found: list[list[Button]] = []
    by_stem: dict[str, list[Button]] = {}
    stems = [_stem(g[0].command) for g in groups if len(g) == 1 and g[0].form is None]
    for group in groups:
        button = group[0]
        stem = _stem(button.command)
        if len(group) > 1 or button.form is not None or not stem or stems.count(stem) < 2:
            found.append(group)
        elif stem in by_stem:
            by_stem[stem].append(button)
        else:
            by_stem[stem] = [button]
            found.append(by_stem[stem])
    return found


def _shared_title(group: list[Button]) -> str:
    """What a group of similar buttons is called: the start their labels share (`Agree #…`)."""
    # A prefix of characters, not of path parts: "Agree #3" and "Agree #12" share "Agree #".
    shared = os.path.commonprefix([b.label for b in group]).rstrip()  # noqa: RUF071
    return f"{shared}…" if shared else f"{group[0].label}…"


def picked(value: dict[str, Any]) -> str | None:
    """The command a choice among buttons sent, when the submit came from one."""
    pick = value.get(PICK_KEY)
    if not isinstance(pick, str) or not pick.startswith(PICK_KEY):
        return None
    chosen = value.get(pick)
    return chosen if isinstance(chosen, str) and chosen else None
