"""Running the `crbot` command as a user would: a separate process with its own environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Credentials a developer's shell may carry; without them every platform stays off.
PLATFORM_PREFIXES = ("SLACK_", "Microsoft")


def local_environment(data_dir: Path) -> dict[str, str]:
    """The embedded default: no platform credentials, SQLite in `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PLATFORM_PREFIXES)}
    env.pop("DATABASE_URL", None)
    env["CRBOT_DATA_DIR"] = str(data_dir)
    return env


def free_port() -> int:
    """A port nothing listens on right now, for a server started in another process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def crbot(env: dict[str, str], *args: str, script: str = "") -> subprocess.CompletedProcess[str]:
    """Run `crbot ARGS` with `script` on stdin; never raises on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-m", "crbot", *args],
        input=script,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def bench(name: str, *args: str, timeout: float = 180) -> str:
    """Run `bench/NAME.py ARGS` from the repository root; its output, or a failure showing it."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return result.stdout
