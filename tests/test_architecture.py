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


def test_no_module_imports_itself_through_others_type_checking_imports_included() -> None:
    import grimp

    packages = ("bot", "content", "adapters", "scheduler", "crbot")
    graph = grimp.build_graph(*packages)
    ours = {module for module in graph.modules if module.split(".")[0] in packages}
    circles = [
        (module, imported)
        for module in sorted(ours)
        for imported in sorted(graph.find_modules_directly_imported_by(module) & ours)
        # A package's own __init__ importing its children is how packages work, not a circle.
        if not imported.startswith(f"{module}.")
        and graph.find_shortest_chain(importer=imported, imported=module) is not None
    ]
    assert circles == []


def test_each_handler_module_declares_its_commands_and_nothing_else_routes() -> None:
    from bot.handlers import discover, specs

    names = [spec.name for spec in specs()]
    assert len(names) == len(set(names))
    registry = discover()
    assert {"help", "home", "checkin", "ask", "privacy"} <= registry.names
    core_source = (ROOT / "bot" / "core.py").read_text()
    # The router looks commands up; it names none of them.
    assert "if name ==" not in core_source and "LOOP_ROUTES" not in core_source
