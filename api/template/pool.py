"""Templates are checked and rendered in a small pool of separate processes, never in the caller.

The sandbox bounds what it can see (api/template/limits.py), but a template is still code chosen by a
user: a loop the deadline cannot interrupt, or an allocation nobody foresaw, must not stall the API's
event loop (a render in the loop held /healthz for its whole duration) nor take the machine's memory.
So each render runs in a worker process with an address-space limit (RLIMIT_AS) and a hard timeout;
a process that overruns is killed and replaced, and its caller gets a `TemplateError` saying why.
The API (preview, template checks on save) and the workers (auto-replies) use the same pool.

Processes are reused across renders (starting one costs far more than a render), started lazily as
`python -m api.template.pool` (a clean interpreter: not a fork of a process with threads and open
sockets, and unlike multiprocessing's spawn it never re-runs the parent's main script), talk over a
socket pair, and are waited on from a dedicated thread pool so the event loop only awaits.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib
import logging
import os
import queue
import resource
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from api.template.render import Rendered, TemplateError

log = logging.getLogger(__name__)

POOL_SIZE = 2
# Three clocks, from gentle to final: the sandbox's deadline (render.MAX_SECONDS) is checked at every
# call and operator; a timer signal in the renderer interrupts pure-Python loops that make no call
# (a template looping over a string); the hard timeout kills a renderer stuck where neither reaches.
ALARM_SECONDS = 1.0
HARD_TIMEOUT_SECONDS = 5.0
MEMORY_LIMIT_BYTES = 256 * 1024 * 1024  # address space, so it includes the interpreter (~30 MB)
START_TIMEOUT_SECONDS = 60.0

# What a worker process can be asked to do: operation name -> "module:function".
DEFAULT_OPERATIONS: dict[str, str] = {
    "render": "api.template.render:render",
    "check": "api.template.render:check",
}


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


class _Overrun(BaseException):
    """Raised by the timer signal; a BaseException so no `except Exception` in Jinja swallows it."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Overrun


def _serve(conn: Connection, memory_limit: int, alarm: float, operations: dict[str, Callable[..., Any]]) -> None:
    """The worker process: set the memory limit, then answer requests until the pipe closes."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    signal.signal(signal.SIGALRM, _on_alarm)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            operation, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            try:
                signal.setitimer(signal.ITIMER_REAL, alarm)
                result = operations[operation](*args)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            conn.send(("ok", result))
        except _Overrun:
            conn.send(("error", _overrun_message(alarm)))
        except TemplateError as exc:
            conn.send(("error", str(exc)))
        except MemoryError:
            # Leave rather than carry on with a heap that failed mid-allocation; the pool replaces us.
            with contextlib.suppress(Exception):
                conn.send(("memory", None))
            os._exit(3)
        except Exception as exc:  # any failure of user code is the template's failure
            conn.send(("error", f"Rendering failed: {type(exc).__name__}: {exc}"))


def _overrun_message(seconds: float) -> str:
    return f"Rendering took longer than {seconds:g} s and was stopped; simplify the template."


class _Worker:
    def __init__(self, pool: RenderPool) -> None:
        self.pool = pool
        self.process: subprocess.Popen[bytes] | None = None
        self.conn: Connection | None = None

    def start(self) -> None:
        ours, theirs = socket.socketpair()
        command = [sys.executable, "-m", "api.template.pool", str(theirs.fileno()), str(self.pool.memory_limit)]
        command.append(str(self.pool.alarm))
        command += [f"{name}={target}" for name, target in self.pool.operations.items()]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        try:
            # Our own interpreter and module; the only arguments are numbers and our operation names.
            process = subprocess.Popen(  # noqa: S603
                command, pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL
            )
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        try:
            if not conn.poll(START_TIMEOUT_SECONDS):
                raise EOFError
            conn.recv()
        except (EOFError, OSError) as exc:
            conn.close()
            process.kill()
            process.wait()
            raise TemplateError("The template renderer could not be started.") from exc
        self.process, self.conn = process, conn

    def stop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
        self.process = self.conn = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def run(self, operation: str, args: tuple[Any, ...]) -> Any:
        if not self.alive():
            self.stop()
            self.start()
        assert self.conn is not None
        try:
            self.conn.send((operation, args))
            if not self.conn.poll(self.pool.timeout):
                self.stop()
                raise TemplateError(_overrun_message(self.pool.timeout))
            status, payload = self.conn.recv()
        except (EOFError, OSError) as exc:
            self.stop()
            raise TemplateError(
                "The template renderer stopped while rendering (the template used too much memory, "
                "or the process was killed)."
            ) from exc
        if status == "memory":
            self.stop()
            raise TemplateError(
                f"Rendering needed more than {self.pool.memory_limit // 2**20} MB and was stopped; "
                "simplify the template."
            )
        if status == "error":
            raise TemplateError(payload)
        return payload


class RenderPool:
    """A fixed number of renderer processes shared by every render of this process."""

    def __init__(
        self,
        size: int = POOL_SIZE,
        timeout: float = HARD_TIMEOUT_SECONDS,
        memory_limit: int = MEMORY_LIMIT_BYTES,
        operations: dict[str, str] | None = None,
        alarm: float = ALARM_SECONDS,
    ) -> None:
        self.timeout = timeout
        self.alarm = min(alarm, timeout)
        self.memory_limit = memory_limit
        self.operations = operations or DEFAULT_OPERATIONS
        self.workers = [_Worker(self) for _ in range(size)]
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        for worker in self.workers:
            self._idle.put(worker)
        # One waiting thread per process: a caller never queues behind an unrelated thread-pool job.
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="template-render")

    def _run(self, operation: str, args: tuple[Any, ...]) -> Any:
        worker = self._idle.get()
        try:
            return worker.run(operation, args)
        finally:
            self._idle.put(worker)

    async def run(self, operation: str, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._run, operation, args)

    async def render(self, source: str, values: dict[str, str | None]) -> Rendered:
        result: Rendered = await self.run("render", source, values)
        return result

    async def check(self, source: str) -> list[str]:
        result: list[str] = await self.run("check", source)
        return result

    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers if w.process is not None]

    def close(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)
        for worker in self.workers:
            worker.stop()


_lock = threading.Lock()
_pool: RenderPool | None = None
_pool_pid = 0


def get_pool() -> RenderPool:
    """This process's pool, created on first use (a forked child gets its own)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool, _pool_pid = RenderPool(), os.getpid()
        return _pool


def set_pool(pool: RenderPool | None) -> RenderPool | None:
    """Replace this process's pool (tests use a pool with instrumented operations); returns the old one."""
    global _pool, _pool_pid
    with _lock:
        old, _pool, _pool_pid = _pool, pool, os.getpid()
        return old


@atexit.register
def _close_at_exit() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.close()


async def render(source: str, values: dict[str, str | None]) -> Rendered:
    """Render a template in the pool; a TemplateError says why it could not be."""
    return await get_pool().render(source, values)


async def check(source: str) -> list[str]:
    """`render.check` in the pool: even parsing a hostile template runs outside the caller."""
    return await get_pool().check(source)


if __name__ == "__main__":
    # python -m api.template.pool FD MEMORY_LIMIT ALARM_SECONDS name=module:function ...
    fd, limit, alarm_seconds, *targets = sys.argv[1:]
    ops = {name: _resolve(target) for name, target in (t.split("=", 1) for t in targets)}
    _serve(Connection(int(fd)), int(limit), float(alarm_seconds), ops)
