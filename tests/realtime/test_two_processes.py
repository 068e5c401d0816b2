"""Fan-out across API processes: one socket on each of two `hourglass serve` processes receives the
same events, in the same order, whichever process the change was made through."""

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.realtime.processes import ApiProcess, environment

pytestmark = pytest.mark.slow


async def _next(conn, kind, within=10):
    async with asyncio.timeout(within):
        while True:
            frame = json.loads(await conn.recv())
            if frame["type"] == kind:
                return frame


async def test_a_socket_on_each_process_gets_the_same_events(tenant, settings, tmp_path, relay):
    env = environment(settings, tmp_path)
    apis = [ApiProcess(env, tmp_path / f"api{i}.log") for i in (1, 2)]
    try:
        await asyncio.gather(*(a.ready() for a in apis))
        sockets = [await connect(f"{a.ws}?token={tenant.agent_token}", compression=None) for a in apis]
        for conn in sockets:
            assert json.loads(await conn.recv())["type"] == "hello"
        headers = {"Authorization": f"Bearer {tenant.api_key}"}
        async with httpx.AsyncClient(base_url=apis[0].url, headers=headers) as first:
            channel = (await first.post("/v1/channels", json={"marketplace": "api", "name": "ERP"})).json()
            body = {
                "external_message_id": "m-1",
                "buyer": {"external_id": "b-1"},
                "body": "Where is my parcel?",
                "sent_at": "2026-11-23T10:00:00Z",
            }
            r = await first.post(f"/v1/channels/{channel['id']}/messages", json=body)
            assert r.status_code == 201, r.text
        async with httpx.AsyncClient(base_url=apis[1].url, headers=headers) as second:
            conv = r.json()["conversation_id"]
            assert (await second.patch(f"/v1/conversations/{conv}", json={"priority": "urgent"})).status_code == 200
        await relay()
        received = []
        for conn in sockets:
            created = await _next(conn, "message.created")
            updated = await _next(conn, "conversation.updated")
            received.append((created["seq"], created["data"]["id"], updated["seq"], updated["data"]["priority"]))
            await conn.close()
        assert received[0] == received[1] == (received[0][0], r.json()["id"], received[0][2], "urgent")
    finally:
        for a in apis:
            a.stop()
