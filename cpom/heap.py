"""The worker's garbage collector, set for a process that keeps thousands of contracts cached.

Python's collector walks every object that may hold a reference, and its full collection comes
again each time that population has grown by a quarter: while a worker fills its cache of
contracts, each full pass walks the hundred thousand and more objects its imports left
(Temporal, SQLAlchemy, pydantic, Jinja2), which never become garbage. Measured on the wave
benchmark of 200 contracts (issue 12), from the worker's start to the end of the wave (400
contracts started, 200 notices): 0.55 s of collection, three full passes of 75 to 165 ms; with
what the imports left frozen and ten times as many allocations between young collections,
0.10 to 0.20 s and no full pass. The bare workflow's worker collected for 0.04 s.

Frozen objects are never collected: only those alive once the worker is built are, and they
live as long as the process. Cycles among the contracts' own objects are still found, later.
`cpom simulate` settles its heap the same way once it has imported the simulation.
"""

import gc

# Allocations between two collections of the youngest objects: ten times Python's 700, and so
# one collection of the older generations in ten times fewer.
YOUNG_THRESHOLD = 7000


def settle(young_threshold: int = YOUNG_THRESHOLD, *, collect: bool = True) -> None:
    """Leave what exists now out of every later collection, and collect the young objects
    after `young_threshold` allocations (the older generations keep their ratios). With
    `collect`, the garbage is collected first: frozen, it would live as long as the process."""
    if collect:
        gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young_threshold, middle, old)
