"""The two-way loop typed in the shell: `crbot shell` as separate processes, one per person, on
one local database, as a facilitator would try it out before a rollout."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.commandline import crbot, local_environment


def shell(env: dict[str, str], user: str, *lines: str) -> str:
    result = crbot(env, "shell", "--user", user, "--team", "ward-7", script="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_flow_of_the_loop_can_be_typed(tmp_path: Path) -> None:
    env = local_environment(tmp_path) | {
        "CRBOT_FACILITATORS": "fran",
        "CRBOT_LEADERS": "lou",
        "CRBOT_MIN_GROUP_SIZE": "3",
    }

    sam = shell(
        env,
        "sam",
        "ask Could we have a quiet room on nights?",
        "suggest Protected lunch",
        "agreements propose We assume good intent",
        "agreements star 1",
        "drivers add Noise at the desk",
        "drivers sort 1 mine",
        "privacy show-me",
        "privacy delete-me confirm",
    )
    assert "── privately to fran ──" in sam and "QUESTION #1 FROM THE TEAM" in sam
    assert "[Forward to leaders: type `ask forward 1`]" in sam
    assert "── posted in #ward-7 ──\nA PROPOSED CULTURE AGREEMENT" in sam
    assert "Starred #1: ★ 1 so far" in sam and "Moved #1 to “I can control”" in sam
    assert "Drivers you added to a board: 1" in sam and "Stars on proposed agreements: 1" in sam
    assert "1 driver(s) you added and 1 star(s) you gave" in sam

    fran = shell(
        env,
        "fran",
        "ask forward 1",
        "agreements agree 1",
        "survey pre",
        "drivers add Rota published late",
        # #1 went with sam's data, and an id is never given twice.
        "drivers sort 2 leadership",
    )
    assert "── privately to lou ──" in fran and "Sent to 1 leaders" in fran
    assert "OUR CULTURE AGREEMENTS\n1. We assume good intent" in fran
    assert "1. I can recognize the signs of compassion fatigue in myself." in fran
    assert "Answer with `survey 1 0` to `survey 1 5`." in fran

    lou = shell(
        env,
        "lou",
        "ask answer 1 Yes, from May.",
        "drivers answer 2 this-year",
        "drivers progress 2 The rota now goes out six weeks ahead.",
        "survey 1 5",
    )
    assert "LEADERSHIP'S ANSWER\nYes, from May." in lou and "sam" not in lou
    assert "Exploring this year." in lou and "six weeks ahead" in lou
    assert "1 person has answered" in lou
    # Progress is a draft until its author types the command its "Post it" button shows.
    draft = re.search(r"`(drivers progress 2 draft:[0-9a-f]+) post`", lou)
    assert draft is not None and "Nothing is posted until you press Post it" in lou
    posted = shell(env, "lou", f"{draft.group(1)} post", f"{draft.group(1)} post")
    assert posted.count("── posted in #ward-7 ──") == 1
    assert "Posted your progress on #2 in #ward-7" in posted and "already posted" in posted
    # Two more people answer at the same time, on the same database.
    with ThreadPoolExecutor(2) as pool:
        answered = list(
            pool.map(lambda u: shell(env, u[0], f"survey 1 {u[1]}"), [("kim", 2), ("ana", 4)])
        )
    assert all("your answer is in" in out for out in answered)

    report = shell(env, "fran", "report", "drivers")
    assert "Pre 1 “I can recognize the signs of compassion fatigue in myself.”: 3 answers" in report
    # The command line releases with OpenDP's noise, so only the shape of the figures is known.
    assert re.search(
        r"3 answers, low \(0-1\) \d+% · middle \(2-3\) \d+% · high \(4-5\) \d+%", report
    )
    assert "#2 Rota published late · leadership: exploring this year" in report
    assert "Noise at the desk" not in report  # deleted with sam's data


def test_an_asker_reads_the_answer_with_the_reply_code_they_were_given(tmp_path: Path) -> None:
    env = local_environment(tmp_path) | {
        "CRBOT_FACILITATORS": "fran",
        "CRBOT_LEADERS": "lou",
        "CRBOT_MIN_GROUP_SIZE": "3",
    }

    sam = shell(env, "sam", "ask Could we have a quiet room on nights?")
    found = re.search(r"Your reply code: ([2-9A-Z]{5}-[2-9A-Z]{5})", sam)
    assert found is not None
    shell(env, "fran", "ask forward 1")
    lou = shell(env, "lou", "ask answer 1 Yes, from May.")
    assert "── posted in #ward-7 ──" in lou and "in its channel" in lou

    checked = shell(env, "sam", f"ask check {found.group(1)}", "ask check ABCDE-FGHJK")
    assert "LEADERSHIP'S ANSWER\nYes, from May." in checked
    assert "couldn't find a question with that code" in checked
