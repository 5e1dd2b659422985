"""A real PostgreSQL server for the database tests, started from Debian's binaries."""

import glob
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from cpom.mail_catcher import free_port


def binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL manque : « apt-get install postgresql »"
    return Path(found[-1]).parent


def _as_postgres(*command: str) -> None:
    # The server refuses to run as root: the tests run it as Debian's `postgres` user.
    prefix = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") else []
    subprocess.run([*prefix, *command], check=True, capture_output=True)


class PostgresServer:
    """A throwaway server (trust authentication, user `cpom`) that can crash and come back."""

    def __init__(self) -> None:
        self.bin_dir = binaries()
        self.root = Path(tempfile.mkdtemp(prefix="cpom-pg-"))
        self.data, self.sockets = self.root / "data", self.root / "run"
        self.sockets.mkdir()
        shutil.chown(self.root, "postgres")
        shutil.chown(self.sockets, "postgres")
        self.port = free_port()
        self.url = f"postgresql+psycopg://cpom@127.0.0.1:{self.port}"
        _as_postgres(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "cpom",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )

    def start(self) -> None:
        _as_postgres(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.root / "log"),
            "-o",
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self, *, crash: bool = False) -> None:
        """Stop the server; `crash` kills it as a power cut would (recovery at next start)."""
        mode = "immediate" if crash else "fast"
        _as_postgres(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "stop")

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def create_database(server: str, name: str) -> str:
    """Create database `name` on the server at URL `server`; its URL."""
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{server}/{name}"


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a throwaway server."""
    server = PostgresServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        server.remove()
