"""`make bench`: run every benchmark program in turn (each prints and saves its figures)."""

from __future__ import annotations

import asyncio
import importlib
import sys

BENCHMARKS = [
    # First: no database, deterministic (accuracy of the classifier on the labelled corpus).
    "benchmarks.classification",
    "benchmarks.inbound_push",
    "benchmarks.sla_timers",
    "benchmarks.inbox_list",
    "benchmarks.automation",
    "benchmarks.sync",
    "benchmarks.bulk_customers",
    "benchmarks.exports",
    "benchmarks.knowledge",
    "benchmarks.translation",
    "benchmarks.reports",
    "benchmarks.shift_routing",
]

BENCHMARKS += ["benchmarks.ws_fanout", "benchmarks.webhooks", "benchmarks.idle_worker"]
# Last: 10 minutes of 2 API processes and 2 workers, one of each killed midway (BENCH_SOAK_SECONDS).
BENCHMARKS += ["benchmarks.soak"]


def main() -> None:
    selected = sys.argv[1:] or BENCHMARKS
    for name in selected:
        module = importlib.import_module(name if name.startswith("benchmarks.") else f"benchmarks.{name}")
        print(f"== {module.__name__}", flush=True)
        asyncio.run(module.main())


if __name__ == "__main__":
    main()
