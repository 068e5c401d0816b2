"""Keeping a long-lived process's objects out of the garbage collector's way."""

from __future__ import annotations

import gc

# Net allocations of tracked containers (lists, dicts, objects) between two young collections; the
# interpreter's default is 700. A timer batch of 4,000 firings holds ~60,000 such objects until it
# commits, and an API process a few thousand per request in flight. At 700 each batch was walked by
# dozens of young collections, and everything it held was promoted to the oldest generation within
# one batch; the start-up heap being frozen (below), that generation is small, so a quarter of it in
# new arrivals started a full collection: every half second during a burst, 45-113 ms each (measured
# with gc.callbacks in the worker of benchmarks/sla_timers.py, 100k timers due at once: 1.7 s of full
# collections in a 12 s drain; with 50,000 here, one full collection and 28 young ones in the whole
# run, and the drain took 8.9-10.0 s instead of 11.0-13.9). The cost: garbage that only the collector
# can free (reference cycles) waits for up to this many more allocations of containers; what it holds
# meanwhile is whatever those cycles reference (an exception's traceback keeps its frames' locals).
YOUNG_GENERATION_THRESHOLD = 50_000


def freeze_start_up_heap() -> None:
    """Everything built at start-up (routes, models, compiled schemas, the engine, the loops) lives as
    long as the process. Frozen out of the collector's reach, it is not walked again by each full
    collection: in the API those took ~0.2 s of a request's time every few hundred list requests (the
    inbox's p99), and in the worker a timer batch's thousands of objects trigger them. Young
    collections are made rarer too (YOUNG_GENERATION_THRESHOLD), so a batch or a request in flight is
    not walked and promoted over and over.

    Once per process, after a collection, so that nothing already dead is frozen, and so that
    processes building many apps (the tests) do not pin each one's cycles for good."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)
