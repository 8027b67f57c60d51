"""The Slack command benchmark, run short: it reports every command staff use, each against
bare bolt and the client's floor. The figures are printed, never asserted."""

from __future__ import annotations

import re

from tests.commandline import bench

MS = r"\d+\.\d\d"
RATIO = r"-?\d+\.\d\dx"
COMMANDS = (
    "steps",
    "steps 3",
    "practice",
    "prompt",
    "help",
    "scenario",
    "scenario 1",
    "next (click)",
    "back (click)",
    "checkin answer (click)",
)


def test_a_quick_slack_command_bench_prints_a_line_for_every_command_staff_use() -> None:
    out = bench("slack_command", "--quick", "--requests", "40")
    assert re.search(rf"^crbot +{MS} +{MS} +\d+\.\d$", out, re.MULTILINE)  # the first table
    for command in COMMANDS:
        line = rf"^{re.escape(command)} +{MS} +{MS} +{MS} +{RATIO} +{RATIO}(  over 1\.3x)?$"
        assert re.search(line, out, re.MULTILINE), command
    assert re.search(rf"^slowest command net of the floor: {RATIO} of bolt-fixed", out, re.M)
