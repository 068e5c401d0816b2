"""Prometheus request metrics (labelled by route template, not raw path, to bound cardinality), and the
server clock on every response (`X-Server-Time`, epoch milliseconds)."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("hourglass_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "hourglass_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
# The worker's loops (workers/loops.py): an idle worker shows iterations growing at its safety-poll rate.
LOOP_ITERATIONS = Counter("hourglass_worker_loop_iterations_total", "Steps run by a worker loop", ["loop"])
LOOP_ERRORS = Counter("hourglass_worker_loop_errors_total", "Steps of a worker loop that raised", ["loop"])
LOOP_BUSY = Counter("hourglass_worker_loop_busy_seconds_total", "Seconds spent in a worker loop's steps", ["loop"])
# ERP pushes stored per transaction (api/message/push_batches.py): 1 when pushes come one at a time.
PUSH_BATCH_SIZE = Histogram(
    "hourglass_push_batch_size",
    "Pushed messages stored in one transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 100),
)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Clients run SLA countdowns locally; this lets them correct for their clock's offset.
                headers = list(message.get("headers", []))
                headers.append((b"x-server-time", str(int(time.time() * 1000)).encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            REQUESTS.labels(scope["method"], template, str(status)).inc()
            LATENCY.labels(scope["method"], template).observe(time.perf_counter() - start)
