"""The soak benchmark, as CI runs it: the whole bot under steady load with the scheduler
delivering, reporting its figures and no errors. The figures are printed, never asserted."""

from __future__ import annotations

import re

from tests.commandline import bench

NUMBER = r"[-+]?\d+(?:\.\d+)?"


def test_a_quick_soak_prints_its_figures_and_reports_no_errors() -> None:
    out = bench("soak", "--quick")
    for kind in ("slack command", "slack poll click", "teams activity", "all"):
        assert re.search(rf"^{kind} +\d+ +{NUMBER} +{NUMBER}$", out, re.MULTILINE), kind
    assert re.search(rf"^throughput: {NUMBER} req/s$", out, re.MULTILINE)
    assert re.search(r"^scheduled posts: (\d+) due during the run, \1 sent, 0 failed", out, re.M)
    rss = (
        rf"^bot RSS: start {NUMBER} MiB, end {NUMBER} MiB, slope {NUMBER} KiB/min over the "
        rf"second half \(\d+ samples, least squares; {NUMBER} KiB/min over all \d+\)$"
    )
    assert re.search(rss, out, re.MULTILINE)
    assert re.search(r"^bot stopped on SIGTERM in [\d.]+ s \(exit 0\)$", out, re.MULTILINE)
    assert out.rstrip().endswith("errors: 0")
