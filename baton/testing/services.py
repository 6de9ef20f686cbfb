"""Local services for tests and benchmarks: a free port, a scratch PostgreSQL database, and
Redis and PostgreSQL servers of the caller's own that fault tests may stop and start."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def scratch_database(admin_url: str, prefix: str) -> Iterator[str]:
    """Create an empty PostgreSQL database next to ``admin_url``'s; drop it afterwards.

    Raises psycopg.OperationalError when the server cannot be reached.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield admin_url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class OwnServerError(RuntimeError):
    """A server of the test's own could not be started (its binary missing, or it failed)."""


def _wait_for_port(port: int, process: subprocess.Popen[bytes] | None, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise OwnServerError(f"the server on port {port} exited with {process.returncode}")
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise OwnServerError(f"nothing answered on port {port} after {seconds:.0f} s")


class OwnRedis:
    """A Redis server of the caller's own (another port, its own folder), never the
    machine's: fault tests stop and start it. It keeps nothing on disk, like the machine's."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder, self.port = folder, port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise OwnServerError("redis-server is not installed")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=(self.folder / "redis.log").open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait_for_port(self.port, self._process, 10)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)
        self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def postgres_binaries() -> Path | None:
    """The folder of Debian's PostgreSQL server programs (initdb, pg_ctl), newest first."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    return found[0].parent if found else None


class OwnPostgres:
    """A PostgreSQL cluster of the caller's own on another port (initdb, pg_ctl), never the
    machine's: fault tests restart it. It lives in a folder of its own under the system's
    temporary folder (as root, its programs run as the ``postgres`` user, who must reach
    it: initdb refuses root); ``remove`` deletes it."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._bin = postgres_binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="baton-postgres-"))

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        if self._bin is None:
            raise OwnServerError("PostgreSQL's server programs are not installed")
        command = [str(self._bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise OwnServerError(f"{argv[0]} failed: {result.stderr.strip() or result.stdout}")

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-o", options,
                  "-l", str(self.folder / "postgres.log"), "-w", "start")  # fmt: skip
        _wait_for_port(self.port, None, 30)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop the cluster if it runs, and delete it."""
        with contextlib.suppress(OwnServerError):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
