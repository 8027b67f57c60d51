"""crbot as a real process, the Microsoft 365 Agents Playground in front of it, and headless
Chromium on the Playground's page.

Locally the tests skip, saying what is missing, when node, the Playground (`npm ci` in this
folder), Chromium or Playwright are not there; CI sets CRBOT_E2E_REQUIRED=1, which makes a
missing piece a failure instead. A failed test leaves a screenshot, the page's HTML and both
processes' logs in tests/e2e/artifacts/ (or CRBOT_E2E_ARTIFACTS).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import yaml

from content.loader import load_pack, pack_folder
from content.models import Pack
from tests.commandline import local_environment
from tests.e2e.teams_client import REQUIRED, TeamsClient

if TYPE_CHECKING:
    from playwright.sync_api import Browser

HERE = Path(__file__).parent
PLAYGROUND = HERE / "node_modules" / ".bin" / "agentsplayground"
CONFIG = HERE / "playground.yml"
ARTIFACTS = Path(os.environ.get("CRBOT_E2E_ARTIFACTS") or HERE / "artifacts")
CHROMIUM = os.environ.get("CRBOT_E2E_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
T = TypeVar("T")
START_SECONDS = 60.0
STOP_SECONDS = 10.0
# The Playground's channel every team has, as its chat list names it.
GENERAL = "General"
PACK = "healthcare"


def missing_prerequisites() -> list[str]:
    """What the end-to-end tests need and this machine lacks, each with how to get it."""
    missing = []
    if shutil.which("node") is None:
        missing.append("node (apt-get install nodejs npm)")
    if not PLAYGROUND.exists():
        missing.append("the Agents Playground (npm ci in tests/e2e)")
    if not Path(CHROMIUM).exists():
        missing.append("Chromium (apt-get install chromium chromium-driver)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python (pip install -e '.[test]')")
    return missing


@pytest.fixture(scope="module")
def prerequisites() -> None:
    """Skip, or in CI fail, when a piece of the Teams client is missing."""
    missing = missing_prerequisites()
    if not missing:
        return
    words = "the Teams client end-to-end tests need " + ", ".join(missing)
    if REQUIRED:
        pytest.fail(words + " (CRBOT_E2E_REQUIRED=1)")
    pytest.skip(words)


@dataclass(frozen=True)
class Playground:
    """The running Playground: its page's address, the bot's name and the team's channel."""

    url: str
    bot_name: str
    channel: str


def _free_port() -> int:
    # `crbot run` takes a fixed PORT, so one the system just handed out is taken.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Process:
    """A child process whose output goes to a log file, stopped gently then firmly."""

    def __init__(
        self, name: str, args: list[str], env: dict[str, str], cwd: Path, port: int = 0
    ) -> None:
        self.name = name
        self.port = port
        self.log = cwd / f"{name}.log"
        self._lines: list[str] = []
        self._popen = subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._popen.stdout is not None
        with self.log.open("w") as out:
            for line in self._popen.stdout:
                self._lines.append(line)
                out.write(line)
                out.flush()

    def wait_for(self, ready: Callable[[], T | None], what: str) -> T:
        """Poll `ready()` until it returns something, the process dies or time runs out."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self._popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited before {what}:\n{self.output()}")
            found = ready()
            if found:
                return found
            # Waiting on the process's exit doubles as the pause between polls.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(timeout=0.1)
        raise RuntimeError(f"{self.name}: no {what} in {START_SECONDS:.0f} s:\n{self.output()}")

    def output(self) -> str:
        """The last lines it wrote, for an error message."""
        return "".join(self._lines[-60:])

    def lines(self) -> list[str]:
        """Every line it has written so far."""
        return list(self._lines)

    def stop(self) -> None:
        """SIGTERM (crbot stops its web server and scheduler on it), then SIGKILL."""
        if self._popen.poll() is None:
            self._popen.terminate()
            try:
                self._popen.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._popen.kill()
                self._popen.wait()
        self._reader.join(timeout=STOP_SECONDS)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where both processes run and log, and crbot keeps its SQLite database."""
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def playground_config() -> dict[str, Any]:
    """The Playground's tenant, bot, people and team, as it reads them."""
    return dict(yaml.safe_load(CONFIG.read_text()))


@pytest.fixture(scope="module")
def pack() -> Pack:
    """The content pack the bot serves, so tests expect its words rather than copies."""
    return load_pack(pack_folder(PACK))


@pytest.fixture(scope="module")
def crbot_server(
    prerequisites: None, workdir: Path, playground_config: dict[str, Any]
) -> Iterator[_Process]:
    """`CRBOT_TEAMS_ENABLED=true crbot run` on SQLite, the Playground's user a facilitator."""
    port = _free_port()
    tenant, user = playground_config["tenantId"], playground_config["currentUser"]["id"]
    env = local_environment(workdir / "data")
    env.update(
        CRBOT_TEAMS_ENABLED="true",
        CRBOT_PACK=PACK,
        PORT=str(port),
        CRBOT_PSEUDONYM_SECRET=secrets.token_hex(32),
        CRBOT_FACILITATORS=f"teams:{tenant}:{user}",
    )
    env.pop("CRBOT_TEST_DATABASE_URL", None)
    server = _Process("crbot", [sys.executable, "-m", "crbot", "run"], env, workdir, port)
    try:
        server.wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), "health check")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def playground(
    crbot_server: _Process, workdir: Path, playground_config: dict[str, Any]
) -> Iterator[Playground]:
    """`agentsplayground -e .../api/messages -c msteams --dt`, opening no browser of its own."""
    endpoint = f"http://127.0.0.1:{crbot_server.port}/api/messages"
    env = dict(os.environ)
    env.update(
        TEAMSAPPTESTER_BROWSER="none",
        M365_AGENTS_PLAYGROUND_CONFIG_PATH=str(CONFIG),
        M365_AGENTS_PLAYGROUND_LOGFILE=str(workdir / "playground-internal.log"),
    )
    args = [str(PLAYGROUND), "-e", endpoint, "-c", "msteams", "--dt", "-p", str(_free_port())]
    process = _Process("playground", args, env, workdir)

    def listening() -> int | None:
        # It prints "Listening on PORT" before it reads its config, and a bad config stops it
        # there; the page answering is the sign it is up.
        for line in process.lines():
            found = re.search(r"Listening on (\d+)", line)
            if found and _answers(f"http://127.0.0.1:{found.group(1)}/"):
                return int(found.group(1))
        return None

    try:
        port = process.wait_for(listening, "'Listening on PORT'")
        team = playground_config["team"]["name"]
        yield Playground(
            url=f"http://127.0.0.1:{port}/",
            bot_name=playground_config["bot"]["name"],
            channel=f"{team} - {GENERAL}",
        )
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser(prerequisites: None) -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright downloads no browser of its own.

    Module-scoped, like everything here: Playwright's sync API holds an event loop open until
    it stops, and the async tests after these need none running.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def teams(
    request: pytest.FixtureRequest,
    browser: Browser,
    playground: Playground,
    crbot_server: _Process,
    workdir: Path,
) -> Iterator[TeamsClient]:
    """A fresh Playground page (a fresh conversation, the bot installed again), kept as
    artefacts when the test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    client = TeamsClient(page, playground.bot_name, playground.channel)
    try:
        client.open(playground.url)
        yield client
    finally:
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            logs = [crbot_server.log, *workdir.glob("playground*.log")]
            _keep_artefacts(request.node.name, page, logs)
        context.close()


def _keep_artefacts(name: str, page: Any, logs: list[Path]) -> None:
    folder = ARTIFACTS / re.sub(r"[^\w.-]", "_", name)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(folder / "page.png"), full_page=True)
        (folder / "page.html").write_text(page.content())
    except Exception as error:  # the page may be what broke; the logs still help
        (folder / "page-error.txt").write_text(repr(error))
    for log in logs:
        if log.exists():
            shutil.copy(log, folder / log.name)
