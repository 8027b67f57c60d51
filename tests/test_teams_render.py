"""Reply -> Adaptive Card: native inputs for forms, polls with six choices, the 80 KB limit."""

from __future__ import annotations

import json
from typing import Any

from adapters.teams.render import MAX_CARD_BYTES, card, form_answers, size
from bot.messages import (
    Bullets,
    Button,
    Buttons,
    Form,
    FormField,
    Image,
    Poll,
    Reply,
    Text,
)


def walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(walk(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(walk(item))
    return found


def of_type(rendered: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [node for node in walk(rendered) if node.get("type") == kind]


SCHEDULE = Form(
    title="Schedule a section",
    submit_label="Schedule",
    fields=(
        FormField(name="section", label="Section", kind="select", options=("1", "2")),
        FormField(name="notes", label="Notes", kind="long_text", optional=True, max_length=500),
        FormField(name="date", label="Date", kind="date"),
        FormField(name="time", label="Time", kind="time", initial="09:00"),
    ),
)


def test_a_button_with_a_form_shows_native_inputs_in_place_and_submits_its_command() -> None:
    reply = Reply(
        summary="s",
        blocks=(Buttons(buttons=(Button(label="Schedule", command="schedule", form=SCHEDULE),)),),
    )

    rendered = card(reply)

    [show] = of_type(rendered, "Action.ShowCard")
    assert show["title"] == "Schedule"
    inputs = {node["id"]: node for node in walk(show["card"]) if "id" in node}
    assert inputs["in_section"]["type"] == "Input.ChoiceSet"
    assert inputs["in_notes"]["isMultiline"] and inputs["in_notes"]["maxLength"] == 500
    assert not inputs["in_notes"]["isRequired"] and inputs["in_date"]["isRequired"]
    assert inputs["in_date"]["type"] == "Input.Date"
    assert inputs["in_time"] == {**inputs["in_time"], "type": "Input.Time", "value": "09:00"}
    [submit] = of_type(show["card"], "Action.Submit")
    assert submit["data"] == {"command": "schedule", "crbot_form": True}


def test_a_submitted_form_gives_back_its_answers_by_field_name() -> None:
    value = {"command": "schedule", "crbot_form": True, "in_section": "2", "in_notes": ""}

    assert form_answers(value) == {"section": "2", "notes": ""}
    assert form_answers({"command": "next"}) is None


def test_a_poll_is_six_submit_choices_with_its_count_and_privacy_lines() -> None:
    options = tuple(Button(label=str(v), command=f"checkin {v} p1") for v in range(6))
    poll = Poll(
        poll_id="p1",
        question="How are you?",
        options=options,
        count_line="2 people have answered.",
        privacy_line="Only counts are shown.",
    )

    rendered = card(Reply(summary="s", blocks=(poll,)))

    submits = of_type(rendered, "Action.Submit")
    assert [s["data"]["command"] for s in submits] == [f"checkin {v} p1" for v in range(6)]
    assert all("style" not in s for s in submits)  # Teams bots may not style actions
    body_texts = [block.get("text") for block in rendered["body"]]
    assert "2 people have answered." in body_texts and "Only counts are shown." in body_texts
    assert rendered["version"] == "1.5"


def test_core_bold_marks_become_card_markdown_and_lists_stay_lists() -> None:
    reply = Reply(
        summary="s",
        blocks=(Text(text="Be *kind* to yourself"), Bullets(items=("one", "two"), numbered=True)),
    )

    body = card(reply)["body"]

    assert body[0]["text"] == "Be **kind** to yourself"
    assert body[1]["text"] == "1. one\n2. two"


def test_an_image_without_a_public_address_is_described_in_words() -> None:
    image = Image(path="healthcare/visuals/01.png", title="The cycle", alt_text="A circle.")

    rendered = card(Reply(summary="s", blocks=(image,)))

    assert rendered["body"][0]["text"] == "[image: The cycle. A circle.]"


def test_a_reply_too_big_for_teams_is_shortened_under_80_kb_and_says_so() -> None:
    blocks = tuple(Text(text=f"{i} " + "x" * 2900) for i in range(40))

    rendered = card(Reply(summary="s", blocks=blocks))

    assert size(rendered) <= MAX_CARD_BYTES
    assert "shortened" in rendered["body"][-1]["text"]
    assert len(json.dumps(rendered)) > 60_000
