"""Reply -> Adaptive Card: native inputs for forms, polls with six choices, the 80 KB limit."""

from __future__ import annotations

import json
from typing import Any

from adapters.teams.render import MAX_CARD_BYTES, card, command_of, form_answers, size
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


def test_a_poll_is_six_numbered_universal_actions_with_a_legend_count_and_privacy_lines() -> None:
    meanings = ("Fist", "One finger", "Two fingers", "Three fingers", "Four fingers", "Five")
    options = tuple(
        Button(label=f"{v} · {meaning}", command=f"checkin {v} p1")
        for v, meaning in enumerate(meanings)
    )
    poll = Poll(
        poll_id="p1",
        question="How are you?",
        options=options,
        count_line="2 people have answered.",
        privacy_line="Only counts are shown.",
    )

    rendered = card(Reply(summary="s", blocks=(poll,)))

    [row] = of_type(rendered, "ActionSet")
    executes = row["actions"]
    # Numbers only, so six fit a row; what each means is said once, under them.
    assert [e["title"] for e in executes] == [str(v) for v in range(6)]
    assert [e["data"]["command"] for e in executes] == [f"checkin {v} p1" for v in range(6)]
    assert all(e["type"] == "Action.Execute" and e["verb"] == "checkin" for e in executes)
    assert [e["fallback"]["type"] for e in executes] == ["Action.Submit"] * 6
    assert all("style" not in e for e in executes)  # Teams bots may not style actions
    [legend] = of_type(rendered, "FactSet")
    assert legend["facts"][1] == {"title": "1", "value": "One finger"}
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


def test_backtick_commands_become_bold_since_teams_shows_code_spans_literally() -> None:
    reply = Reply(summary="s", blocks=(Text(text="Type `checkin 4` or *help*"),))

    assert card(reply)["body"][0]["text"] == "Type **checkin 4** or **help**"


def test_buttons_opening_one_form_become_one_choice_with_the_form_once_and_ids_unique() -> None:
    sort = Form(title="Sort a driver", fields=(FormField(name="control", label="Who?"),))
    add = Form(title="Add a driver", fields=(FormField(name="control", label="Who?"),))
    buttons = [Button(label="Add a driver", command="drivers add", form=add)]
    buttons += [
        Button(label=f"Sort #{n}", command=f"drivers sort {n}", form=sort) for n in range(9)
    ]

    rendered = card(Reply(summary="s", blocks=(Buttons(buttons=tuple(buttons)),)))

    shows = of_type(rendered, "Action.ShowCard")
    assert [show["title"] for show in shows] == ["Add a driver", "Sort a driver"]
    ids = [node["id"] for node in walk(rendered) if "id" in node]
    assert len(ids) == len(set(ids)) == 3
    [pick] = [node for node in walk(shows[1]["card"]) if node.get("label") == "Which one?"]
    assert [c["value"] for c in pick["choices"]] == [f"drivers sort {n}" for n in range(9)]
    [submit] = of_type(shows[1]["card"], "Action.Submit")
    # What the person chose and typed comes back by field name, with the command chosen.
    [field] = [node["id"] for node in walk(shows[1]["card"]) if node.get("label") == "Who?"]
    value = {**submit["data"], pick["id"]: "drivers sort 4", field: "mine"}
    assert command_of(value) == "drivers sort 4"
    assert form_answers(value) == {"control": "mine"}


def test_a_long_row_of_similar_buttons_becomes_one_choice_and_no_set_passes_six() -> None:
    buttons = [Button(label="Propose one", command="agreements propose")]
    buttons += [Button(label=f"★ #{n}", command=f"agreements star {n}") for n in range(10)]
    buttons += [Button(label=f"Agree #{n}", command=f"agreements agree {n}") for n in range(10)]
    buttons += [Button(label="Post and pin the list", command="agreements post")]

    rendered = card(Reply(summary="s", blocks=(Buttons(buttons=tuple(buttons)),)))

    sets = [s["actions"] for s in of_type(rendered, "ActionSet")]
    titles = [a["title"] for actions in sets for a in actions]
    assert titles == ["Propose one", "★ #…", "Agree #…", "Post and pin the list"]
    assert all(len(actions) <= 6 for actions in sets)
    [agree] = [a for a in of_type(rendered, "Action.ShowCard") if a["title"] == "Agree #…"]
    [choices] = [n["choices"] for n in walk(agree["card"]) if n.get("type") == "Input.ChoiceSet"]
    assert choices[3] == {"title": "Agree #3", "value": "agreements agree 3"}


def test_buttons_whose_titles_would_be_cut_short_go_onto_more_rows() -> None:
    labels = ("Today's prompt", "This week's practice", "Walk through a scenario", "Reflections")
    buttons = tuple(Button(label=label, command=f"c{n}") for n, label in enumerate(labels))

    rendered = card(Reply(summary="s", blocks=(Buttons(buttons=buttons),)))

    sets = [[a["title"] for a in s["actions"]] for s in of_type(rendered, "ActionSet")]
    assert [title for row in sets for title in row] == list(labels)
    assert len(sets) > 1
