"""The Slack command benchmark, run short: it reports every command staff use, each against
bare bolt and the client's floor. The figures are printed, never asserted."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "slack_command.py"), "--quick", "--requests", "40"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr[-3000:]
    assert re.search(rf"^crbot +{MS} +{MS} +\d+\.\d$", out, re.MULTILINE)  # the first table
    for command in COMMANDS:
        line = rf"^{re.escape(command)} +{MS} +{MS} +{MS} +{RATIO} +{RATIO}(  over 1\.3x)?$"
        assert re.search(line, out, re.MULTILINE), command
    assert re.search(rf"^slowest command net of the floor: {RATIO} of bolt-fixed", out, re.M)
