"""A bounded schemathesis run over the committed OpenAPI document: every operation, valid and invalid
inputs, against the real app and database with an all-scopes API key (and the admin's session for the
admin-only operations). Fails on any 5xx, on a status code the spec does not document, and on a
content type it does not declare.

Bounded and repeatable: a fixed number of derandomized examples per operation and mode, no example
database, so a run takes the same cases every time (well under a minute of requests).

Schemathesis only generates the cases and checks the responses. The requests go through
`httpx.ASGITransport` on the test's own event loop, where the app's database pool lives; Hypothesis
runs in a worker thread and hands each request to that loop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from api.ops.openapi import SPEC_PATH
from tests.helpers import make_channel, push

EXAMPLES_PER_MODE = 10
ADMIN_ONLY = ("/v1/users", "/v1/api-keys")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outer boundary: generated channel settings name hosts, and creating a channel verifies them.
    Tests connect to loopback only, so any other destination is refused before a packet is sent."""
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            if not ipaddress.ip_address(address[0]).is_loopback:
                raise ConnectionRefusedError(f"test: no connection to {address[0]}")
        return original(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in (None, "localhost") and not _is_loopback_literal(name):
            raise socket.gaierror(socket.EAI_NONAME, "test: only loopback names resolve")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _is_loopback_literal(name: str) -> bool:
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


async def _seed(tenant: Any) -> dict[str, str]:
    """Real objects, so path ids reach the code behind the 404 as well."""
    channel = await make_channel(tenant.api, name="fuzz store")
    pushed = await push(tenant.api, channel["id"])
    conversation_id = pushed["conversation_id"]
    messages = (await tenant.api.get(f"/v1/conversations/{conversation_id}/messages")).json()
    team = (await tenant.api.post("/v1/teams", json={"name": "fuzz team"})).json()
    template = (
        await tenant.api.post(
            "/v1/templates", json={"name": "fuzz", "category": "general", "body": "Hi {{ customer_name }}"}
        )
    ).json()
    customers = (await tenant.api.get("/v1/customers")).json()
    # Loopback only (the suite allow-lists 127.0.0.0/8 for webhooks); port 9 (discard) refuses.
    webhook = (
        await tenant.api.post(
            "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": ["message.received"]}
        )
    ).json()
    policies = (await tenant.api.get("/v1/sla/policies")).json()
    ids = {
        "channel_id": channel["id"],
        "conversation_id": conversation_id,
        "team_id": team.get("id", ""),
        "template_id": template.get("id", ""),
        "user_id": str(tenant.agent_id),
    }
    policy_items = policies.get("items", policies) if isinstance(policies, dict) else policies
    if policy_items:
        ids["policy_id"] = policy_items[0]["id"]
    if isinstance(webhook, dict) and "id" in webhook:
        ids["endpoint_id"] = webhook["id"]
    items = messages.get("items", messages) if isinstance(messages, dict) else messages
    if items:
        ids["message_id"] = items[0]["id"]
    customer_items = customers.get("items", []) if isinstance(customers, dict) else customers
    if customer_items:
        ids["customer_id"] = customer_items[0]["id"]
    return {k: v for k, v in ids.items() if v}


def _httpx_kwargs(case: Any, token: str) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url="http://test", headers={"Authorization": f"Bearer {token}"})
    request: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": kwargs.get("headers") or {},
        "params": kwargs.get("params") or None,
        "cookies": kwargs.get("cookies") or None,
    }
    if "json" in kwargs:
        request["json"] = kwargs["json"]
    elif "data" in kwargs:
        data = kwargs["data"]
        request["content" if isinstance(data, bytes | str) else "data"] = data
    return request


@pytest.mark.timeout(600)
async def test_every_operation_survives_generated_input(app, tenant, monkeypatch):
    _loopback_only(monkeypatch)
    ids = await _seed(tenant)
    schema = schemathesis.openapi.from_path(SPEC_PATH)
    loop = asyncio.get_running_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    statuses: Counter[int] = Counter()
    per_operation: dict[str, Counter[int]] = {}

    def send(case: Any) -> httpx.Response:
        # People and keys are managed by admins, never by an API key: those operations run with the
        # admin's session so their bodies reach the code (an API key only ever sees the 403).
        admin_only = case.operation.path.startswith(ADMIN_ONLY)
        kwargs = _httpx_kwargs(case, tenant.admin_token if admin_only else tenant.api_key)
        response = asyncio.run_coroutine_threadsafe(client.request(**kwargs), loop).result(timeout=60)
        statuses[response.status_code] += 1
        per_operation.setdefault(case.operation.label, Counter())[response.status_code] += 1
        return response

    def fuzz() -> list[str]:
        failures: list[str] = []
        operations = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            known = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                # Valid cases address the seeded objects; invalid ones keep whatever was generated.
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters=known if mode is GenerationMode.POSITIVE else None
                )

                @settings(
                    max_examples=EXAMPLES_PER_MODE,
                    derandomize=True,
                    database=None,
                    deadline=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=strategy)
                def run(case: Any) -> None:
                    case.validate_response(send(case), checks=CHECKS)

                try:
                    run()
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to get wrong: no input
                except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports a FailureGroup
                    failures.append(f"{operation.label} [{mode.value}]: {exc!r}"[:3000])
        assert operations >= 80, operations
        return failures

    try:
        failures = await asyncio.to_thread(fuzz)
    finally:
        await client.aclose()
    assert not failures, "\n\n".join(failures)
    # The run reached past authentication and validation, not only into 401s and 422s.
    print("fuzz statuses:", dict(sorted(statuses.items())))
    for label, counts in per_operation.items():
        print(label, dict(counts))
    assert sum(n for status, n in statuses.items() if status < 300) > 100, statuses
