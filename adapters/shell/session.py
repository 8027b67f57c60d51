"""Reading commands from a terminal or a script, and printing the core's replies."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from typing import Protocol, TextIO

from adapters.shell.port import ShellPort
from adapters.shell.render import render
from bot.messages import Incoming, Person, Reply, Target

QUIT = frozenset({"quit", "exit", ":q"})


class Handler(Protocol):
    """What the shell needs from the core."""

    async def handle(self, incoming: Incoming, port: ShellPort) -> Reply:
        """Answer one request."""
        ...


def tenant_of(team: str) -> str:
    """The tenant id of a shell team."""
    return f"shell:{team}"


def _reader(
    stream: TextIO, prompt: str | None, loop: asyncio.AbstractEventLoop
) -> asyncio.Queue[str | None]:
    # A daemon thread, not asyncio.to_thread: a blocked read must not keep the process alive
    # after SIGTERM.
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        while True:
            line: str | None
            try:
                line = input(prompt) if prompt is not None else stream.readline()
            except (EOFError, KeyboardInterrupt):
                line = None
            if line is None or (prompt is None and line == ""):
                loop.call_soon_threadsafe(queue.put_nowait, None)
                return
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))

    threading.Thread(target=read, name="shell-input", daemon=True).start()
    return queue


async def run_shell(
    core: Handler,
    *,
    user: str,
    team: str,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Talk to the core until end of input, `quit`, or `stop` is set."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stop = stop or asyncio.Event()
    interactive = stdin.isatty() and stdout.isatty()

    def write(text: str) -> None:
        stdout.write(text if text.endswith("\n") else text + "\n")
        stdout.flush()

    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (gives input() history and line editing)
        write(f"crbot shell: you are {user} in team {team}. Type `help`, or `quit` to leave.")
    tenant = tenant_of(team)
    person = Person(tenant=tenant, user_id=user, display_name=user)
    port = ShellPort(write, people=[person])
    place = Target(tenant=tenant, address=f"#{team}")
    lines = _reader(stdin, f"{user}> " if interactive else None, asyncio.get_running_loop())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while True:
            getting = asyncio.ensure_future(lines.get())
            done, _ = await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if getting not in done:
                getting.cancel()
                return
            line = getting.result()
            if line is None or line.strip().lower() in QUIT:
                return
            if not line.strip():
                continue
            # The shell's place stands for the team's channel, shared by every --user.
            incoming = Incoming(person=person, place=place, text=line, private_place=False)
            reply = await core.handle(incoming, port)
            write(render(reply))
    finally:
        stopping.cancel()
