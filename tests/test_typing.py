"""`mypy --strict` holds for the core and the content model (STYLE.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_core_content_and_scheduler_type_check_strictly() -> None:
    packages = [p for p in ("bot", "content", "scheduler") if (ROOT / p).is_dir()]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", *packages],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
