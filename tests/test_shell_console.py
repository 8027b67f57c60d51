"""The console from the local shell: `crbot shell` (and `crbot run` with no platform) serve it on
this computer, so `console` hands out a link that opens it; a port another program holds gets a
kind word instead of a link that leads nowhere."""

from __future__ import annotations

import asyncio
import re
import socket
import sys
from pathlib import Path

import pytest

from tests.commandline import crbot, free_port, local_environment
from tests.console.site import browser_client, hidden_fields, page_words

LINK = re.compile(r"Open the console: (http://127\.0\.0\.1:\d+/console/signin\?token=\S+)")
# Long enough for a cold start on a busy machine; a deadline, not a measurement.
DEADLINE = 60


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    # The person at the terminal (`me` in team `local`) facilitates.
    return local_environment(tmp_path) | {
        "CRBOT_FACILITATORS": "shell:local:me",
        "PORT": str(free_port()),
    }


async def _line_matching(stream: asyncio.StreamReader, pattern: re.Pattern[str]) -> re.Match[str]:
    while True:
        line = (await stream.readline()).decode()
        assert line, "the shell ended before printing a link"
        found = pattern.search(line)
        if found is not None:
            return found


@pytest.mark.parametrize("command", ["shell", "run"])
async def test_console_in_the_local_shell_gives_a_link_that_opens_the_console(
    environment: dict[str, str], tmp_path: Path, command: str
) -> None:
    with (tmp_path / "stderr.txt").open("wb") as errors:
        shell = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "crbot",
            command,
            env=environment,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=errors,
        )
        assert shell.stdin is not None and shell.stdout is not None
        try:
            shell.stdin.write(b"console\n")
            await shell.stdin.drain()
            link = (await asyncio.wait_for(_line_matching(shell.stdout, LINK), DEADLINE)).group(1)
            assert f":{environment['PORT']}/" in link

            async with browser_client() as browser:
                async with browser.get(link) as landing:
                    assert landing.status == 200
                    fields = hidden_fields(await landing.text())
                base = link.split("/console/", 1)[0]
                async with browser.post(f"{base}/console/signin", data=fields) as opened:
                    assert opened.status == 200
                    assert opened.url.path == "/console/"
                async with browser.get(f"{base}/console/settings") as settings:
                    assert settings.status == 200
                    assert "Who facilitates and who leads" in page_words(await settings.text())
        finally:
            shell.stdin.close()
            code = await asyncio.wait_for(shell.wait(), DEADLINE)
    assert code == 0, (tmp_path / "stderr.txt").read_text()[-3000:]


def test_console_in_the_shell_says_how_to_free_the_port_when_another_program_holds_it(
    environment: dict[str, str],
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", int(environment["PORT"])))
        holder.listen()
        result = crbot(environment, "shell", script="console\nprompt\n")

    assert result.returncode == 0, result.stderr
    assert f"another program is using port {environment['PORT']}" in result.stdout
    assert "PORT=8080 crbot shell" in result.stdout
    assert "/console/signin" not in result.stdout
    # The shell goes on as ever.
    assert "TODAY'S PROMPT" in result.stdout


def test_console_in_the_shell_tells_someone_who_does_not_facilitate_who_it_is_for(
    environment: dict[str, str],
) -> None:
    result = crbot(environment, "shell", "--user", "sam", script="console\n")

    assert result.returncode == 0, result.stderr
    assert "The console is where your team's facilitators and leaders" in result.stdout
    assert "/console/signin" not in result.stdout
