"""The whole agenda a workflow has just read off its state, handed to the local activity that
projects it, in the same process.

A run's first projection goes to a local activity as the state it is read from (4 KB, where the
items would be 50: see `ProjectionUpdate.state`), and the activity read the agenda off that
state again: 0.7 ms of a new contract's 12 in `bench wave` (issue 12). A local activity runs in
the worker that runs its workflow, so the workflow leaves the items it read here, under a key
the update carries, and the activity takes them. Nothing depends on finding them: an activity
that does not (a retry after the first attempt took them, more contracts starting at once than
are kept, a local activity run again by a worker that took over the run and replayed it) reads
the agenda off the state, the same one by construction, since the workflow read it off that
very state.

The workflow only writes here, and not while it replays (no activity runs then): what it
decides never depends on what is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from cpom.domain.live_agenda import AgendaItem

# Handed over while an activity waits for its turn; the oldest beyond this are dropped (their
# activities read the agenda again). A wave of starts keeps a few dozen waiting, each 30 KB.
KEPT = 256

_kept: OrderedDict[str, list[AgendaItem]] = OrderedDict()
# The workflows' thread leaves, the activities' threads take.
_lock = threading.Lock()


def hand_over(key: str, agenda: list[AgendaItem]) -> None:
    """Keep `agenda` for the activity whose update carries `key`."""
    with _lock:
        _kept[key] = agenda
        while len(_kept) > KEPT:
            _kept.popitem(last=False)


def take(key: str) -> list[AgendaItem] | None:
    """The agenda handed over under `key`, once; None when there is none (any more)."""
    if not key:
        return None
    with _lock:
        return _kept.pop(key, None)


def kept() -> int:
    """How many agendas wait for their activity."""
    return len(_kept)
