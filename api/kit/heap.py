"""Keeping a long-lived process's start-up objects out of the garbage collector's way."""

from __future__ import annotations

import gc


def freeze_start_up_heap() -> None:
    """Everything built at start-up (routes, models, compiled schemas, the engine, the loops) lives as
    long as the process. Frozen out of the collector's reach, it is not walked again by each full
    collection: in the API those took ~0.2 s of a request's time every few hundred list requests (the
    inbox's p99), and in the worker a timer batch's thousands of objects trigger them.

    Once per process, after a collection, so that nothing already dead is frozen, and so that
    processes building many apps (the tests) do not pin each one's cycles for good."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
