"""Where the commands installed with cpom's packages are (the Temporal servers' binaries)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def installed_command(name: str) -> str:
    """The path of command `name`: on PATH, else beside this interpreter (a virtual environment
    not activated), where pip put it. Whether it exists there is for the caller to tell."""
    return shutil.which(name) or str(Path(sys.executable).with_name(name))
