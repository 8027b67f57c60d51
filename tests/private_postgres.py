"""A PostgreSQL cluster of a test's (or a benchmark's) own, on a free port, that may be stopped and
started at will: the machine's shared server is never touched."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


class Unavailable(Exception):
    """The PostgreSQL server programs (initdb, pg_ctl) are not installed."""


class PrivatePostgres:
    """A private cluster in a folder of its own, served on 127.0.0.1 only."""

    def __init__(self, bin_dir: Path, folder: Path) -> None:
        self.bin_dir = bin_dir
        self.data = folder / "data"
        self.log = folder / "server.log"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        # initdb refuses to run as root: the cluster belongs to the postgres user then.
        self._as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        """The bot's DATABASE_URL for it."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as_owner, str(self.bin_dir / program), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def create(self) -> None:
        """initdb: trust on loopback, and no fsync (the data is thrown away)."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        # No fsync (the machine does not crash, only the server), but commits stay synchronous:
        # an asynchronous commit is acknowledged before it is written, and a server stopped
        # with `immediate` forgets it, which no scheduler can guard against.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=on -c full_page_writes=off"
        )
        self._run("pg_ctl", "start", "-w", "-t", "30", "-D", str(self.data), "-l", str(self.log),
                  "-o", options)  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop: `fast` disconnects every client at once, as a failover does; `immediate`
        kills the server outright, as a crash does (it recovers from its log on start)."""
        self._run("pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.data))


@contextlib.contextmanager
def private_cluster() -> Iterator[PrivatePostgres]:
    """A started private cluster, removed afterwards; Unavailable without the server programs."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or (
        [shutil.which("initdb")] if shutil.which("initdb") else []
    )
    if not found or not shutil.which("pg_ctl", path=str(Path(str(found[-1])).parent)):
        raise Unavailable("the PostgreSQL server programs (initdb, pg_ctl) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="crbot-pg-"))
    server = PrivatePostgres(Path(str(found[-1])).parent, folder)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    try:
        server.create()
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
