import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from cpom.db.engine import make_engine
from tests.postgres import create_database, postgres_server

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The application database, migrated, on SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cpom.db'}"
    else:
        server = request.getfixturevalue("postgres_url")
        url = create_database(server, f"test_{next(_databases)}")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a process of a parallel run (pytest-xdist), the folders it drew into go to the
    process that reports."""
    from tests.golden import drawn

    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["drawn"] = [str(folder) for folder in drawn()]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    from tests.golden import also_drawn

    also_drawn(getattr(node, "workeroutput", {}).get("drawn", []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Where the pictures of the documents drawn by this run are, for people to look at."""
    from tests.golden import drawn

    for folder in drawn():
        terminalreporter.write_line(f"pages des documents dessinées dans {folder}")
