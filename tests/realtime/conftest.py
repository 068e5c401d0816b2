import asyncio
import json
from dataclasses import fields

import pytest
from websockets.asyncio.client import connect

from api.outbox.relay import relay_once
from api.realtime.config import RealtimeConfig
from tests.webhook.receiver import serve


@pytest.fixture
async def ws_url(app):
    """The test app behind a real uvicorn server on loopback (WebSockets need one)."""
    config = app.state.realtime.config
    defaults = RealtimeConfig()
    async with serve(app) as port:
        yield f"ws://127.0.0.1:{port}/v1/ws"
    for f in fields(RealtimeConfig):  # tests shorten timings; put them back
        setattr(config, f.name, getattr(defaults, f.name))


@pytest.fixture
def relay(sessionmaker, redis):
    async def run(**kwargs):
        async with sessionmaker.begin() as session:
            return await relay_once(session, redis, **kwargs)

    return run


class Socket:
    """A `websockets` client that reads frames as dicts."""

    def __init__(self, conn):
        self.conn = conn
        self.frames = []

    async def next(self, *types, within=5.0, skip=("heartbeat", "presence")):
        async with asyncio.timeout(within):
            while True:
                frame = json.loads(await self.conn.recv())
                self.frames.append(frame)
                if types and frame["type"] in types:
                    return frame
                if not types and frame["type"] not in skip:
                    return frame

    async def send(self, frame):
        await self.conn.send(json.dumps(frame))

    async def close(self):
        await self.conn.close()


@pytest.fixture
async def open_socket(ws_url):
    opened = []

    async def open_(token=None, since=None, subprotocols=None, hello=True):
        url = ws_url + (f"?token={token}" if token else "?")
        if since is not None:
            url += f"&since={since}"
        conn = await connect(url, subprotocols=subprotocols, compression=None, open_timeout=5)
        sock = Socket(conn)
        opened.append(sock)
        if hello:
            sock.hello = await sock.next("hello")
        return sock

    yield open_
    for sock in opened:
        await sock.close()
