"""Kills the process groups of `cpom up`'s children when `cpom up` dies, on systems without
Linux's PR_SET_PDEATHSIG (see cpom/child_processes.py).

python -m cpom.child_guard   reads `+PGID` (a group to watch) and `-PGID` (a group stopped in
                             order) lines on standard input; at its end (the parent closed the
                             pipe, or died) kills every group still watched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only the end of the pipe stops the guard
    groups: set[int] = set()
    for line in sys.stdin.buffer:
        sign, pgid = line[:1], int(line[1:])
        if sign == b"+":
            groups.add(pgid)
        else:
            groups.discard(pgid)
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


if __name__ == "__main__":
    main()
