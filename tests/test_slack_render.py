"""Reply -> Block Kit: every message stays within Slack's limits, whatever the core says."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.limits import chunks, escape
from adapters.slack.render import render
from adapters.slack.views import answers, home_view, modal
from bot.messages import (
    Bullets,
    Button,
    Buttons,
    Context,
    Form,
    FormField,
    Heading,
    Poll,
    Reply,
    Text,
)

Json = dict[str, Any]


def texts(block: Json) -> list[str]:
    if block["type"] == "section":
        return [block["text"]["text"]]
    if block["type"] == "context":
        return [e["text"] for e in block["elements"]]
    return []


def assert_within_limits(blocks: list[Json]) -> None:
    assert len(blocks) <= 50
    # Slack counts characters (bolt-js #2509), not the escapes json.dumps writes by default.
    assert len(json.dumps(blocks, ensure_ascii=False)) < 13_000
    for block in blocks:
        assert all(len(text) <= 3000 for text in texts(block))
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            for button in block["elements"]:
                assert len(button["text"]["text"]) <= 75
                assert len(button["value"]) <= 2000
                assert len(button["action_id"]) <= 255
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(set(ids))


def test_a_huge_reply_splits_into_messages_within_every_limit() -> None:
    many = tuple(Button(label="L" * 200, command=f"scenario {n}") for n in range(60))
    reply = Reply(
        summary="S" * 5000,
        blocks=(
            Heading(text="H" * 400),
            *(Text(text=("word " * 1500) + f"end {n}") for n in range(30)),
            Bullets(items=tuple("item " * 100 for _ in range(80))),
            Buttons(buttons=many),
            Context(text="c" * 9000),
        ),
    )

    rendered = render(reply, share="compassion-steps")

    assert len(rendered.messages) > 1
    for message in rendered.messages:
        assert_within_limits(message.blocks)
        assert 0 < len(message.text) <= 3000
    every = [b for m in rendered.messages for b in m.blocks]
    joined = "".join(t for b in every for t in texts(b))
    assert all(f"end {n}" in joined for n in range(30))  # split, never lost
    values = [e["value"] for b in every if b["type"] == "actions" for e in b["elements"]]
    assert values[-1] == "share:compassion-steps"
    assert len(values) == 61


def test_a_command_too_long_for_a_button_value_drops_the_button_not_the_message() -> None:
    reply = Reply(summary="x", blocks=(Buttons(buttons=(Button(label="x", command="y" * 2001),)),))

    (message,) = render(reply).messages

    assert message.blocks == []


def test_text_is_escaped_so_it_never_mentions_or_links() -> None:
    (message,) = render(Reply(summary="x", blocks=(Text(text="<!channel> & <@U1>"),))).messages

    assert message.blocks[0]["text"]["text"] == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_a_poll_is_a_question_six_buttons_and_its_count_and_privacy_lines() -> None:
    options = tuple(Button(label=f"{n} fingers", command=f"checkin {n} p1") for n in range(6))
    poll = Poll(
        poll_id="p1", question="How?", options=options, count_line="0", privacy_line="private"
    )

    (message,) = render(Reply(summary="How?", blocks=(poll,), private=False)).messages

    kinds = [b["type"] for b in message.blocks]
    assert kinds == ["section", "actions", "context", "context"]
    assert [e["value"] for e in message.blocks[1]["elements"]] == [b.command for b in options]


def test_a_form_becomes_a_modal_with_native_inputs_and_its_answers_come_back() -> None:
    form = Form(
        title="Schedule a section, please, thank you",
        fields=(
            FormField(name="section", label="Section", kind="select", options=("1", "2")),
            FormField(name="channel", label="Channel", kind="channel"),
            FormField(name="date", label="Date", kind="date"),
            FormField(name="time", label="Time", kind="time", initial="09:00"),
            FormField(name="tz", label="Zone", kind="timezone", options=("Europe/Paris",)),
            FormField(name="text", label="Words", kind="long_text", optional=True),
        ),
    )

    view = modal(form, json.dumps({"c": "schedule"}))

    assert len(view["title"]["text"]) <= 24
    types = [b["element"]["type"] for b in view["blocks"]]
    assert types == [
        "static_select",
        "conversations_select",
        "datepicker",
        "timepicker",
        "static_select",
        "plain_text_input",
    ]
    state = {
        "values": {
            "section": {"value": {"selected_option": {"value": "2"}}},
            "channel": {"value": {"selected_conversation": "C9"}},
            "date": {"value": {"selected_date": "2027-04-01"}},
            "time": {"value": {"selected_time": "10:30"}},
            "tz": {"value": {"selected_option": {"value": "Europe/Paris"}}},
            "text": {"value": {"value": None}},
        }
    }
    assert answers(state) == {
        "section": "2",
        "channel": "C9",
        "date": "2027-04-01",
        "time": "10:30",
        "tz": "Europe/Paris",
    }


def test_the_home_tab_is_cut_at_one_hundred_blocks() -> None:
    reply = Reply(summary="home", blocks=tuple(Text(text=f"line {n}") for n in range(150)))

    view, _ = home_view(reply)

    assert view["type"] == "home" and len(view["blocks"]) == 100


@given(st.text(alphabet=st.sampled_from("ab &<>\n"), max_size=9000))
def test_split_text_keeps_every_piece_within_the_limit_and_whole_entities(text: str) -> None:
    pieces = chunks(escape(text))

    assert all(len(piece) <= 3000 for piece in pieces)
    for piece in pieces:
        assert piece.count("&") == piece.count(";")
