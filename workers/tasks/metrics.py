"""The metric rollups' fold (api/reports/rollup.py), in a process of its own.

A fold recomputes whole hours from raw rows: a busy hour (a burst of 100,000 breaches) costs seconds of
pure-Python work on every tick. In the worker's process that work shared one interpreter with the
SLA timer loops, and timers fired that much late (p99 225 ms at 100,000 open deadlines, 62 ms
without the fold; a thread did not help, the GIL is shared). So the cron job only checks whether any
hour is marked and hands the fold to one long-lived child process: spawned (a clean interpreter, not a
fork of a process with an event loop, threads and open sockets), started on the first fold that has
work, reused after, restarted if it dies, and niced so that on a busy machine the timers' process is
scheduled first. The child's fold holds the same advisory lock as before, so folds of several workers
still take turns, and a child killed mid-fold only rolls its transaction back (the marks stay). A child
whose worker died (even of SIGKILL) sees its pipe close and exits.

Spawning re-imports the parent's main module in the child (as `__mp_main__`): every way of starting a
worker guards its `main()` (`hourglass worker`'s console script, `python -m hourglass`).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Any

from api.config import get_settings
from api.db import Engine, create_engine, create_sessionmaker
from api.reports import rollup, rollup_repository

log = logging.getLogger(__name__)

MAX_BATCHES = 10
# Background work: lower priority than the worker's loops (timers, deliveries) and the API.
CHILD_NICENESS = 10


async def fold_batches(engine: Engine) -> int:
    """Each batch in its own transaction, so a large backfill is folded in steps that each commit."""
    sessionmaker = create_sessionmaker(engine)
    folded = 0
    for _ in range(MAX_BATCHES):
        async with sessionmaker.begin() as session:
            n = await rollup.fold(session)
        folded += n
        if n < rollup.FOLD_BATCH:
            break
    return folded


def _serve(conn: Connection, database_url: str) -> None:
    """The child: fold on each request until the pipe closes, with one event loop and one connection
    pool for its whole life. Replies ("ok", hours folded, pid) or ("error", description, pid)."""
    os.nice(CHILD_NICENESS)
    loop = asyncio.new_event_loop()
    engine = create_engine(database_url, get_settings(), pool_size=1)
    try:
        while True:
            try:
                conn.recv()
            except (EOFError, OSError):
                return
            try:
                conn.send(("ok", loop.run_until_complete(fold_batches(engine)), os.getpid()))
            except Exception as exc:  # reported to the parent, which logs it as the job's failure
                conn.send(("error", f"{type(exc).__name__}: {exc}", os.getpid()))
    finally:
        loop.run_until_complete(engine.dispose())
        loop.close()


class FoldProcess:
    """The one child process that folds for this worker."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._process: Any = None
        self._conn: Connection | None = None
        self._lock = asyncio.Lock()

    def _start(self) -> Connection:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        # daemon: terminated if the worker exits without closing it.
        self._process = context.Process(
            target=_serve, args=(child, self.database_url), name="hourglass-fold", daemon=True
        )
        self._process.start()
        child.close()
        self._conn = parent
        return parent

    async def fold(self) -> tuple[int, int]:
        """Fold in the child, starting it if it is not running: (hours folded, the child's pid). A fold
        that is cancelled (the job's timeout, shutdown) or whose child died ends the child; its
        transaction rolls back, the marks stay, and the next fold starts a new one."""
        async with self._lock:
            conn = self._conn if self._process is not None and self._process.is_alive() else None
            if conn is None:
                self.close()
                conn = self._start()
            try:
                conn.send("fold")
                status, value, pid = await asyncio.to_thread(conn.recv)
            except BaseException:
                self.close()
                raise
            if status != "ok":
                raise RuntimeError(f"metric fold failed in process {pid}: {value}")
            return int(value), int(pid)

    def close(self) -> None:
        process, conn, self._process, self._conn = self._process, self._conn, None, None
        if process is not None:
            process.terminate()
            process.join(timeout=5)
        if conn is not None:  # after the child ended, so a thread still reading it sees the end
            conn.close()


async def fold_metrics_job(ctx: dict[str, Any]) -> int:
    """Fold the marked hours in the fold process; nothing to start when no hour is marked."""
    async with ctx["sessionmaker"]() as session:
        if not await rollup_repository.any_dirty_hours(session):
            return 0
    folded, pid = await ctx["fold"].fold()
    log.debug("folded %d metric hours in process %d", folded, pid)
    return folded
