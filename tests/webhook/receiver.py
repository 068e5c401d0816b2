"""Real HTTP servers on loopback for the webhook and WebSocket tests: uvicorn in the test's own loop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn


def bound_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@asynccontextmanager
async def serve(app: Any, sock: socket.socket | None = None, **config: Any) -> AsyncIterator[int]:
    """Serve an ASGI app on 127.0.0.1 (lifespan off: the app fixture already runs it); yields the port."""
    sock = sock or bound_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", **config))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver whose answer the test sets: status, headers, body, delay."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    answered: int = 0  # responses fully sent, so a test can tell "gave up waiting" from "got an answer"
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append(Received(scope["path"], headers, b"".join(chunks)))
        if self.delay:
            await asyncio.sleep(self.delay)
        out = [(k.encode(), v.encode()) for k, v in self.headers.items()]
        await send({"type": "http.response.start", "status": self.status, "headers": out})
        await send({"type": "http.response.body", "body": self.body})
        self.answered += 1


@asynccontextmanager
async def receiver(**behaviour: Any) -> AsyncIterator[Receiver]:
    r = Receiver(**behaviour)
    async with serve(r) as port:
        r.port = port
        yield r
