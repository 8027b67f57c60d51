"""The import direction: the core never imports an adapter, a platform SDK or the scheduler."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_CORE = ("adapters", "scheduler", "crbot", "slack_bolt", "slack_sdk", "botbuilder")
FORBIDDEN_IN_CORE += ("botframework", "apscheduler", "aiohttp")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_and_content_import_no_platform_adapter_or_scheduler() -> None:
    offenders = []
    for package in ("bot", "content"):
        for path in (ROOT / package).rglob("*.py"):
            bad = imported_modules(path) & set(FORBIDDEN_IN_CORE)
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_content_does_not_import_the_core() -> None:
    for path in (ROOT / "content").rglob("*.py"):
        assert "bot" not in imported_modules(path), path


def test_the_import_linter_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is a test dependency"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
