"""A whole stack per test: its processes are the ones the test kills."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.stack import FaultStack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[FaultStack]:
    started = FaultStack(tmp_path)
    try:
        started.up()
        yield started
    finally:
        started.down()
