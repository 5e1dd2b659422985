"""The worker leaves what its imports built out of the garbage collector's passes, and collects
its young objects less often (`cpom.heap`, issue 12). In a process of its own: the test run's
collector is left as it is."""

import subprocess
import sys

SETTLE_AND_REPORT = """
import gc, weakref
from cpom import heap

class Cycle:
    def __init__(self):
        self.me = self

gc.disable()  # nothing collects the cycle but `settle`
garbage = weakref.ref(Cycle())
heap.settle(9000)
print(gc.get_threshold()[0], gc.get_freeze_count() > 0, garbage() is None)
"""


def test_settle_freezes_what_exists_and_raises_the_young_threshold() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SETTLE_AND_REPORT], capture_output=True, text=True, check=True
    )
    threshold, frozen, garbage_freed = run.stdout.split()
    assert threshold == "9000"
    assert frozen == "True"
    # Garbage is collected before the freeze: frozen, it would live as long as the process.
    assert garbage_freed == "True"
