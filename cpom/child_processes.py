"""Child processes of `cpom up` that never outlive it, even when it is killed with SIGKILL.

Each child runs in a process group of its own: a Ctrl-C in the terminal reaches `cpom up` alone,
which then stops its children in order, and stopping a child stops whatever it started. Each
child dies with `cpom up`:

* on Linux, the child asks the kernel, between fork and exec, for SIGKILL when its parent dies
  (prctl PR_SET_PDEATHSIG). The kernel sends it when the *thread* that forked exits, so children
  are forked from the main thread, where the asyncio loop of `cpom up` runs (checked below);
* elsewhere (macOS, BSD), a guard process (`cpom/child_guard.py`) reads a pipe that only
  `cpom up` writes to: when `cpom up` dies the pipe closes and the guard kills the children's
  groups it was told about.

POSIX only, as `cpom up` is (it relies on process groups and signals).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any

PR_SET_PDEATHSIG = 1


def _linux_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _linux_prctl()


def _die_with(parent: int) -> Callable[[], None]:
    """What the child runs between fork and exec: everything it needs is bound beforehand,
    so that it neither imports nor looks anything up there."""
    prctl, kill, getppid, exit_now = _PRCTL, int(signal.SIGKILL), os.getppid, os._exit
    assert prctl is not None

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, kill, 0, 0, 0)
        if getppid() != parent:  # the parent died before prctl: no signal would ever come
            exit_now(1)

    return in_child


def dies_with_this_process() -> Callable[[], None] | None:
    """For `subprocess.Popen(preexec_fn=...)`: the child is killed when this process dies, on
    Linux and when forked from the main thread (a thread that exits would take the child with
    it); None otherwise, the child then outliving a process killed outright."""
    if _PRCTL is None or threading.current_thread() is not threading.main_thread():
        return None
    return _die_with(os.getpid())


class _Guard:
    """The keeper of the children's groups where PR_SET_PDEATHSIG does not exist."""

    def __init__(self) -> None:
        # Its own session: a Ctrl-C in the terminal must not take it away before `cpom up`.
        self._process = subprocess.Popen(
            [sys.executable, "-m", "cpom.child_guard"],
            stdin=subprocess.PIPE,
            start_new_session=True,
        )
        assert self._process.stdin is not None
        self._pipe: IO[bytes] = self._process.stdin

    def tell(self, line: str) -> None:
        self._pipe.write(f"{line}\n".encode())
        self._pipe.flush()


_guard: _Guard | None = None


def _guarded(pgid: int, watch: bool) -> None:
    global _guard
    if _PRCTL is not None:
        return
    if _guard is None:
        _guard = _Guard()
    _guard.tell(f"{'+' if watch else '-'}{pgid}")


async def spawn(argv: Sequence[str], **options: Any) -> asyncio.subprocess.Process:
    """Start `argv` in a process group of its own, bound to die with this process."""
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("children are forked from the main thread (PR_SET_PDEATHSIG)")
    if _PRCTL is not None:
        options["preexec_fn"] = _die_with(os.getpid())
    process = await asyncio.create_subprocess_exec(*argv, process_group=0, **options)
    _guarded(process.pid, watch=True)
    return process


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


async def stop(process: asyncio.subprocess.Process, signum: int, grace: float) -> int:
    """Ask the child's group to stop with `signum`; SIGKILL it after `grace` seconds. The
    child's exit status (negative: the signal that ended it)."""
    if process.returncode is None:
        _signal_group(process.pid, signum)
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            _signal_group(process.pid, signal.SIGKILL)
    code = await process.wait()
    _signal_group(process.pid, signal.SIGKILL)  # whatever the child left in its group
    _guarded(process.pid, watch=False)
    return code


def describe_exit(code: int) -> str:
    """`code 1`, or `code -9, signal SIGKILL` for a child ended by a signal."""
    if code >= 0:
        return f"code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        return f"code {code}"
    return f"code {code}, signal {name}"


def port_problem(host: str, port: int) -> str | None:
    """Why a server of ours could not listen on (host, port), or None when it could."""
    if not 0 < port < 65536:
        return "n'est pas un numéro de port (1 à 65535)"
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"ne peut être ouvert : adresse « {host} » inconnue"
    usable = 0
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            # As servers do: a connection of a previous run in TIME_WAIT is no conflict.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    return "est déjà pris par un autre programme"
                continue  # e.g. ::1 on a machine without IPv6: the server will not use it
            usable += 1
    return None if usable else f"ne peut être ouvert sur « {host} » depuis cette machine"
