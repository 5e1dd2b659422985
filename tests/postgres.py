"""A real PostgreSQL server for the database tests, started from Debian's binaries."""

import glob
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cpom.mail_catcher import free_port


def binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL manque : « apt-get install postgresql »"
    return Path(found[-1]).parent


def _as_postgres(*command: str) -> None:
    # The server refuses to run as root: the tests run it as Debian's `postgres` user.
    prefix = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") else []
    subprocess.run([*prefix, *command], check=True, capture_output=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a throwaway server (trust authentication, user `cpom`)."""
    bin_dir = binaries()
    root = Path(tempfile.mkdtemp(prefix="cpom-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    shutil.chown(root, "postgres")
    shutil.chown(sockets, "postgres")
    port = free_port()
    _as_postgres(
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        "cpom",
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
    )
    _as_postgres(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-l",
        str(root / "log"),
        "-o",
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
        "start",
    )
    try:
        yield f"postgresql+psycopg://cpom@127.0.0.1:{port}"
    finally:
        _as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(root, ignore_errors=True)
