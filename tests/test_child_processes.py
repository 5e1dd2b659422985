"""The children of `cpom up`: they die with it, stop when asked, and the worker is restarted."""

import asyncio
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cpom import child_processes
from cpom.child_processes import describe_exit, port_problem
from cpom.supervision import Backoff, GaveUp, Supervisor

# A parent that starts a child through cpom.child_processes, prints its pid and process
# group, then is killed with SIGKILL: nothing of its own runs after that.
PARENT = """
import asyncio, os, signal, sys
from cpom import child_processes
if sys.argv[1] == "guard":  # as on a system without PR_SET_PDEATHSIG
    child_processes._PRCTL = None
async def main():
    child = await child_processes.spawn(["sleep", "300"])
    print(child.pid, os.getpgid(child.pid), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
"""


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("mechanism", ["pdeathsig", "guard"])
def test_a_child_dies_with_its_parent_killed_with_sigkill(mechanism: str) -> None:
    parent = subprocess.run(
        [sys.executable, "-c", PARENT, mechanism],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert parent.returncode == -signal.SIGKILL, parent.stderr
    pid, group = (int(part) for part in parent.stdout.split())
    assert group == pid  # a process group of its own: a Ctrl-C reaches only `cpom up`
    deadline = time.monotonic() + 10
    while running(pid):  # polling for the kernel (or the guard) to act
        assert time.monotonic() < deadline, f"{pid} still runs"
        time.sleep(0.02)


async def test_a_child_that_ignores_the_signal_is_killed_after_the_grace() -> None:
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1)"
    child = await child_processes.spawn(
        [sys.executable, "-c", f"{stubborn}; time.sleep(300)"],
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    await child.stdout.readline()  # its handler is in place
    assert await child_processes.stop(child, signal.SIGTERM, grace=0.2) == -signal.SIGKILL


async def test_stopping_a_child_stops_what_it_started() -> None:
    shell = await child_processes.spawn(
        ["sh", "-c", "sleep 300 & echo $!; wait"], stdout=asyncio.subprocess.PIPE
    )
    assert shell.stdout is not None
    grandchild = int(await shell.stdout.readline())
    assert running(grandchild)
    await child_processes.stop(shell, signal.SIGTERM, grace=5)
    deadline = time.monotonic() + 5
    while running(grandchild):  # reaped by init, which may take a moment
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)


def test_children_are_forked_from_the_main_thread_only() -> None:
    failures: list[BaseException] = []

    def in_a_thread() -> None:
        try:
            asyncio.run(child_processes.spawn(["true"]))
        except RuntimeError as error:
            failures.append(error)

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert "main thread" in str(failures[0])


def test_a_child_started_off_the_main_thread_is_not_bound_to_it() -> None:
    # The kernel would kill it when the thread that forked it ends, not when the process does.
    bound: list[object] = []
    thread = threading.Thread(target=lambda: bound.append(child_processes.dies_with_this_process()))
    thread.start()
    thread.join()
    assert bound == [None]
    assert (child_processes.dies_with_this_process() is None) == (
        not sys.platform.startswith("linux")
    )


async def test_the_supervisor_waits_longer_each_time_then_gives_up() -> None:
    said: list[str] = []
    backoff = Backoff(first=0.01, longest=0.02, steady=60, attempts=4)
    supervisor = Supervisor("worker", ["sh", "-c", "exit 3"], said.append, backoff)
    with pytest.raises(GaveUp) as gave_up:
        await supervisor.start()
    assert str(gave_up.value) == (
        "le worker s'est arrêté 4 fois de suite moins de 60 s après son démarrage (dernière "
        "fois : code 3) ; voir son message d'erreur ci-dessus"
    )
    restarts = [line for line in said if "redémarrage" in line]
    assert restarts == [
        "le worker s'est arrêté (code 3) ; redémarrage dans 0.01 s",
        "le worker s'est arrêté (code 3) ; redémarrage dans 0.02 s",
        "le worker s'est arrêté (code 3) ; redémarrage dans 0.02 s",
    ]
    assert sum("worker démarré (processus" in line for line in said) == 4


async def test_a_worker_that_ran_long_enough_starts_again_from_the_first_delay() -> None:
    said: list[str] = []
    # steady=0: every run counts as long enough, so the worker is never given up on.
    backoff = Backoff(first=0.01, longest=1, steady=0, attempts=2)
    supervisor = Supervisor("worker", ["sh", "-c", "exit 1"], said.append, backoff)
    supervisor.start()
    while sum("redémarrage" in line for line in said) < 5:  # polling for restarts
        await asyncio.sleep(0.01)
    await supervisor.stop(grace=1)
    assert {line for line in said if "redémarrage" in line} == {
        "le worker s'est arrêté (code 1) ; redémarrage dans 0.01 s"
    }


async def test_a_stopped_supervisor_stops_its_child_and_restarts_nothing() -> None:
    said: list[str] = []
    supervisor = Supervisor("worker", ["sleep", "300"], said.append)
    task = supervisor.start()
    while supervisor.process is None:  # polling for the start
        await asyncio.sleep(0.01)
    await supervisor.stop(signal.SIGTERM, grace=5)
    assert supervisor.process.returncode == -signal.SIGTERM
    assert task.cancelled()
    assert not any("redémarrage" in line for line in said)


@pytest.mark.parametrize(
    ("code", "shown"),
    [(0, "code 0"), (3, "code 3"), (-9, "code -9, signal SIGKILL"), (-200, "code -200")],
)
def test_exit_statuses_are_described(code: int, shown: str) -> None:
    assert describe_exit(code) == shown


def test_ports_that_cannot_be_ours() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert port_problem("127.0.0.1", port) == "est déjà pris par un autre programme"
        assert port_problem("localhost", port) == "est déjà pris par un autre programme"
    assert port_problem("127.0.0.1", port) is None
    assert port_problem("127.0.0.1", 0) == "n'est pas un numéro de port (1 à 65535)"
    assert port_problem("127.0.0.1", 70000) == "n'est pas un numéro de port (1 à 65535)"
    assert port_problem("nulle-part.invalid", 8000) == (
        "ne peut être ouvert : adresse « nulle-part.invalid » inconnue"
    )
    # 192.0.2.1 (TEST-NET-1) belongs to no machine.
    assert (
        port_problem("192.0.2.1", 8000)
        == "ne peut être ouvert sur « 192.0.2.1 » depuis cette machine"
    )
