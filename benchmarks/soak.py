"""Scale-out soak: 2 API processes and 2 workers on one PostgreSQL and one Redis for BENCH_SOAK_SECONDS
(default 600) under the sandbox's traffic plus push load; at half time one API process and one worker
are killed with SIGKILL (and restarted a little later). After the load stops and the system drains
(bounded), the run counts, from PostgreSQL, the sandbox's /_sandbox/truth and a webhook receiver's log:

- messages pushed (acknowledged) vs stored: lost, duplicated;
- sandbox buyer messages vs stored: lost, duplicated (two workers poll the same channels);
- SLA timers due vs fired: missed, and duplicated (a second `sla.overdue`/`sla.warning` for one timer);
- webhook events vs signed deliveries received: missing, duplicated (at least once allows duplicates;
  they are reported, not hidden);
- push latency p50/p99 before, during (kill until the restarted processes are ready) and after the kill,
  measured as an ERP sees it: from the first attempt to the acknowledgement, retries included.

Clients push with idempotent external ids and retry a connection error or a 5xx on the other API
process with the same id, which is what an ERP behind a load balancer does. Timers are inserted
directly (as benchmarks/sla_timers.py does), spread so that some fall due around the kill.

Everything binds loopback; every subprocess runs in its own process group and is killed on exit,
error or interrupt. Parameters: BENCH_SOAK_SECONDS, BENCH_SOAK_CLIENTS, BENCH_SOAK_PUSH_RATE
(messages/s over all clients), BENCH_SOAK_SANDBOX_RATE (sandbox messages/min), BENCH_SOAK_TIMERS
(clocks, each with a warning and a breach timer), BENCH_SOAK_POLL_S, BENCH_SOAK_DRAIN_SECONDS.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from benchmarks.common import ROOT, figure, free_port, fresh_database, percentile, redis_url, save

SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "600"))
CLIENTS = int(os.environ.get("BENCH_SOAK_CLIENTS", "8"))
PUSH_RATE = float(os.environ.get("BENCH_SOAK_PUSH_RATE", "20"))
SANDBOX_RATE = float(os.environ.get("BENCH_SOAK_SANDBOX_RATE", "120"))  # per minute
TIMERS = int(os.environ.get("BENCH_SOAK_TIMERS", "1000"))
POLL_S = float(os.environ.get("BENCH_SOAK_POLL_S", "2"))
DRAIN_S = float(os.environ.get("BENCH_SOAK_DRAIN_SECONDS", "180"))
RETRY_FOR_S = 90.0  # a client gives a message up after this long (reported as unacknowledged)
SLA_SECONDS = int(os.environ.get("BENCH_SOAK_SLA_SECONDS", "60"))  # the API's minimum target
SLA_POLICY = {
    "name": f"Soak ({SLA_SECONDS} s)",
    "position": 0,
    "first_response_seconds": SLA_SECONDS,
    "next_response_seconds": SLA_SECONDS,
    "tiers": [
        {"action": "notify_assignee_and_team", "at_fraction": 0.5},
        {"action": "escalate_supervisor", "at_fraction": 0.75},
    ],
}
WEBHOOK_TYPES = ["message.received", "sla.warning", "sla.overdue"]
KILL_WINDOW_S = 2.0  # a duplicate delivery first sent this close to the SIGKILL is the killed worker's
LOGS = Path(tempfile.mkdtemp(prefix="hourglass-soak-"))


def _die_with_parent() -> None:
    """In the child: set its own process group and take SIGKILL when the benchmark dies, even by SIGKILL."""
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Proc:
    """A subprocess in its own process group, so SIGKILL reaches uvicorn/arq and anything they spawn."""

    running: list[Proc] = []

    def __init__(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = LOGS / f"{name}.log"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env=env or dict(os.environ),
                stdout=out,
                stderr=out,
                preexec_fn=_die_with_parent,
            )
        Proc.running.append(self)

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        if self in Proc.running:
            Proc.running.remove(self)

    def stop(self) -> None:
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        if self in Proc.running:
            Proc.running.remove(self)

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _kill_all() -> None:
    for p in list(Proc.running):
        p.signal(signal.SIGKILL)
    Proc.running.clear()


atexit.register(_kill_all)


def _service_env(database_url: str, allowed: list[str]) -> dict[str, str]:
    return {
        **os.environ,
        "HOURGLASS_DATABASE_URL": database_url.replace("postgresql://", "postgresql+asyncpg://"),
        "HOURGLASS_REDIS_URL": redis_url(),
        "HOURGLASS_LOG_LEVEL": "WARNING",
        "HOURGLASS_ACCESS_LOG": "false",
        "HOURGLASS_API_RATE_LIMIT_PER_MINUTE": "100000000",
        # Exactly the sandbox's HTTP, IMAP and SMTP ports and the receiver's: nothing else is reachable.
        "HOURGLASS_OUTBOUND_ALLOWED": ",".join(allowed),
    }


async def _wait_http(url: str, proc: Proc, within: float = 90) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(trust_env=False) as c:
        while time.monotonic() < deadline:
            if proc.proc.poll() is not None:
                raise RuntimeError(f"{proc.name} exited with {proc.proc.returncode}:\n{proc.tail()}")
            try:
                if (await c.get(url, timeout=5)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{proc.name} did not answer {url} within {within:.0f} s:\n{proc.tail()}")


class Api:
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = Proc(name, ["-m", "hourglass", "serve", "--host", "127.0.0.1", "--port", str(self.port)], env)

    async def ready(self) -> None:
        await _wait_http(self.url + "/readyz", self.proc)


# --- the webhook receiver (its own process) -----------------------------------------------------


class Receiver:
    """Verifies every signature, records (webhook-id, event_id, type, arrival); answers 200 after 0-20 ms."""

    def __init__(self, secret: str) -> None:
        from standardwebhooks import Webhook

        self.verifier = Webhook(secret)
        self.arrivals: list[tuple[str, int, str, float]] = []
        self.bad_signatures = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] == "GET":
            out = json.dumps({"arrivals": self.arrivals, "bad_signatures": self.bad_signatures}).encode()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": out})
            return
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        try:
            payload = self.verifier.verify(body, headers)
            self.arrivals.append((headers["webhook-id"], int(payload["event_id"]), str(payload["type"]), time.time()))
        except Exception:
            self.bad_signatures += 1
        await asyncio.sleep(random.uniform(0, 0.02))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})


def receiver_main(port: int, secret: str) -> None:
    import uvicorn

    uvicorn.run(Receiver(secret), host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


async def receiver_stats(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(trust_env=False) as c:
        return dict((await c.get(url + "/stats", timeout=60)).json())


# --- seeding ------------------------------------------------------------------------------------


async def _seed(url: str, stores: list[dict[str, Any]], receiver_url: str) -> dict[str, Any]:
    """The sandbox channels (benchmarks/sync.py's helper, then made pollable), a push channel, an API
    key, and a webhook endpoint on the receiver, all in one organization."""
    from api.auth import service
    from api.auth.principal import SCOPES
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.kit.crypto import CredentialCipher
    from api.models import Channel, WebhookEndpoint
    from api.webhook.signing import new_secret
    from benchmarks.sync import _channels

    org_id, sandbox_channels, _ = await _channels(url, stores, poll_interval_seconds=POLL_S)
    config = Settings()
    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), config, pool_size=1)
    secret = new_secret()
    async with create_sessionmaker(engine).begin() as s:
        _, key = await service.create_api_key(s, org_id, "soak", list(SCOPES))
        channel = Channel(organization_id=org_id, marketplace="api", name="soak push")
        s.add(channel)
        s.add(
            WebhookEndpoint(
                organization_id=org_id,
                url=receiver_url,
                event_types=WEBHOOK_TYPES,
                secret_encrypted=CredentialCipher(config.secret_key.get_secret_value()).encrypt({"secret": secret}),
            )
        )
        await s.flush()
        push_channel = channel.id
    await engine.dispose()
    conn = await asyncpg.connect(url)
    await conn.execute(
        "UPDATE channels SET sync_cursor = '{}' WHERE id = ANY($1::uuid[])", list(sandbox_channels.values())
    )
    await conn.close()
    return {
        "org": org_id,
        "key": key,
        "push_channel": push_channel,
        "sandbox_channels": sandbox_channels,
        "secret": secret,
    }


async def _insert_timers(url: str, org: uuid.UUID, channel: uuid.UUID, first: datetime, last: datetime) -> None:
    """TIMERS conversations, each with an open clock, a warning timer (tier 0) and a breach timer due
    one second later, due times spread evenly over [first, last]."""
    conn = await asyncpg.connect(url)
    now = datetime.now(UTC)
    convs = [uuid.uuid4() for _ in range(TIMERS)]
    clocks = [uuid.uuid4() for _ in range(TIMERS)]
    span = (last - first).total_seconds()

    def due(i: int) -> datetime:
        return first + timedelta(seconds=span * i / max(1, TIMERS - 1) + 1)

    await conn.copy_records_to_table(
        "conversations",
        columns=[
            "id",
            "organization_id",
            "channel_id",
            "marketplace",
            "thread_key",
            "last_message_at",
            "waiting_since",
        ],
        records=[(c, org, channel, "api", f"soak-timer:{i}", now, now) for i, c in enumerate(convs)],
    )
    snapshot = json.dumps({"name": "Soak", "target_seconds": 60, "tiers": []})
    await conn.copy_records_to_table(
        "sla_clocks",
        columns=[
            "id",
            "organization_id",
            "conversation_id",
            "kind",
            "policy_snapshot",
            "reason",
            "marketplace",
            "channel_id",
            "started_at",
            "due_at",
            "due_soon_at",
        ],
        records=[
            (
                clocks[i],
                org,
                convs[i],
                "marketplace_first_response",
                snapshot,
                "soak",
                "api",
                channel,
                now,
                due(i),
                due(i),
            )
            for i in range(TIMERS)
        ],
    )
    await conn.copy_records_to_table(
        "sla_timers",
        columns=["organization_id", "clock_id", "tier", "action", "due_at"],
        records=[
            row
            for i in range(TIMERS)
            for row in (
                (org, clocks[i], 0, "notify_assignee_and_team", due(i) - timedelta(seconds=1)),
                (org, clocks[i], 1000, "breach", due(i)),
            )
        ],
    )
    await conn.close()


# --- load ---------------------------------------------------------------------------------------


class Load:
    """CLIENTS tasks pushing at PUSH_RATE in total through the API processes in turn."""

    def __init__(self, apis: list[Api], key: str, channel: uuid.UUID) -> None:
        self.apis = apis
        self.key = key
        self.channel = channel
        self.stop = asyncio.Event()
        self.attempted: set[str] = set()
        self.acked: dict[str, int] = {}  # external id -> final status
        self.latencies: list[tuple[float, float]] = []  # (wall time of the first attempt, ms)
        self.retries = 0
        self.given_up: list[str] = []
        self.conflicts = 0

    async def _push(self, c: httpx.AsyncClient, n: int, i: int) -> None:
        ext = f"soak-{n}-{i}"
        body = {
            "external_message_id": ext,
            "external_thread_id": f"soak-t{n}-{i % 40}",
            "buyer": {"external_id": f"soak-b{n}-{i % 40}", "name": "Soak Buyer"},
            "subject": "Where is my order?",
            "body": "Hello, when will my order ship? 请尽快发货，谢谢。",
            "sent_at": datetime.now(UTC).isoformat(),
        }
        self.attempted.add(ext)
        started, wall = time.monotonic(), time.time()
        turn = n + i
        while True:
            api = self.apis[turn % len(self.apis)]
            try:
                r = await c.post(f"{api.url}/v1/channels/{self.channel}/messages", json=body, timeout=30)
                if r.status_code in (200, 201):
                    self.acked[ext] = r.status_code
                    self.latencies.append((wall, (time.monotonic() - started) * 1000))
                    return
                if r.status_code == 409:
                    self.conflicts += 1
                    return
                if r.status_code < 500 and r.status_code != 429:
                    raise RuntimeError(f"push {ext}: {r.status_code} {r.text[:300]}")
            except httpx.TransportError:
                pass
            if time.monotonic() - started > RETRY_FOR_S:
                self.given_up.append(ext)
                return
            self.retries += 1
            turn += 1  # the same message, the same id, through the other process: at once the first
            if turn - n - i > 1:  # time, then with a pause (both processes failing is an outage)
                await asyncio.sleep(0.2)

    async def run(self) -> None:
        interval = CLIENTS / PUSH_RATE
        limits = httpx.Limits(max_connections=CLIENTS * 2, max_keepalive_connections=CLIENTS * 2)
        async with httpx.AsyncClient(
            headers={"Authorization": f"Bearer {self.key}"}, limits=limits, trust_env=False
        ) as c:

            async def client(n: int) -> None:
                await asyncio.sleep(interval * n / CLIENTS)
                start = time.monotonic()
                i = 0
                while not self.stop.is_set():
                    await self._push(c, n, i)
                    i += 1
                    await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))

            await asyncio.gather(*(client(n) for n in range(CLIENTS)))


# --- the run ------------------------------------------------------------------------------------


async def _webhook_events(conn: asyncpg.Connection, org: uuid.UUID) -> set[int]:
    rows = await conn.fetch(
        "SELECT id FROM outbox_events WHERE organization_id = $1 AND event_type = ANY($2::text[])", org, WEBHOOK_TYPES
    )
    return {r[0] for r in rows}


async def _drain(
    conn: asyncpg.Connection,
    org: uuid.UUID,
    until: datetime,
    receiver_url: str,
    truth_count: int,
    sandbox_channels: list[uuid.UUID],
) -> tuple[float, set[int], dict[str, Any]]:
    """Wait (at most DRAIN_S) until every timer due by `until` fired, every sandbox message is stored
    and every webhook event that exists reached the receiver. Clocks the pipeline started near the
    end keep firing after the load stops, so the events are read first and the receiver after: the
    pair returned is consistent (an event missing from the receiver's log is really missing)."""
    start = time.monotonic()
    while True:
        unfired = await conn.fetchval(
            "SELECT count(*) FROM sla_timers WHERE organization_id = $1 AND fired_at IS NULL "
            "AND cancelled_at IS NULL AND due_at <= $2",
            org,
            until,
        )
        stored = await conn.fetchval(
            "SELECT count(DISTINCT (channel_id, external_id)) FROM messages WHERE channel_id = ANY($1::uuid[]) "
            "AND direction = 'inbound'",
            sandbox_channels,
        )
        events = await _webhook_events(conn, org)
        stats = await receiver_stats(receiver_url)
        received = {a[1] for a in stats["arrivals"]}
        if (not unfired and stored >= truth_count and events <= received) or time.monotonic() - start > DRAIN_S:
            return time.monotonic() - start, events, stats
        await asyncio.sleep(1)


def _count_figure(name: str, value: int, unit: str, limit_name: str = "must be 0") -> dict[str, Any]:
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "limit": 0,
        "limit_name": limit_name,
        "ratio": 1.0 if value == 0 else 0.0,
    }


def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks and atexit: children are killed


async def main() -> None:
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        await _run()
    finally:
        signal.signal(signal.SIGTERM, previous)


async def _run() -> None:
    url = await fresh_database("hourglass_bench_soak")
    sandbox_port, imap_port, smtp_port, receiver_port = free_port(), free_port(), free_port(), free_port()
    allowed = [f"127.0.0.1:{p}" for p in (sandbox_port, imap_port, smtp_port, receiver_port)]
    env = _service_env(url, allowed)
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    receiver_url = f"http://127.0.0.1:{receiver_port}"
    print(f"soak: logs in {LOGS}", flush=True)
    conn: asyncpg.Connection | None = None
    try:
        sandbox = Proc(
            "sandbox",
            [
                "-m",
                "sandbox",
                "--http-port",
                str(sandbox_port),
                "--imap-port",
                str(imap_port),
                "--smtp-port",
                str(smtp_port),
                "--seed",
                "19",
            ],
        )
        await _wait_http(sandbox_url + "/_sandbox/health", sandbox)
        async with httpx.AsyncClient(base_url=sandbox_url, timeout=60, trust_env=False) as sb:
            stores = (await sb.get("/_sandbox/stores")).json()["stores"]
            seed = await _seed(url, stores, receiver_url + "/hook")
            receiver = Proc("receiver", ["-m", "benchmarks.soak", "receiver", str(receiver_port), seed["secret"]])
            apis = [Api("api-1", env), Api("api-2", env)]
            workers = [
                Proc("worker-1", ["-m", "hourglass", "worker"], env),
                Proc("worker-2", ["-m", "hourglass", "worker"], env),
            ]
            for api in apis:
                await api.ready()
            await _wait_http(receiver_url + "/stats", receiver)

            # A real policy short enough that the clocks the pipeline starts for pushed and synced
            # messages fall due (with their tiers) during the run, beside the timers inserted below.
            async with httpx.AsyncClient(headers={"Authorization": f"Bearer {seed['key']}"}, trust_env=False) as c:
                r = await c.post(f"{apis[1].url}/v1/sla/policies", json=SLA_POLICY, timeout=60)
                if r.status_code != 201:
                    raise RuntimeError(f"SLA policy: {r.status_code} {r.text[:300]}")

            t0 = datetime.now(UTC)
            load_end = t0 + timedelta(seconds=SECONDS)
            await _insert_timers(
                url,
                seed["org"],
                seed["push_channel"],
                t0 + timedelta(seconds=5),
                t0 + timedelta(seconds=SECONDS * 0.95),
            )
            await sb.post("/_sandbox/traffic/start", json={"rate_per_min": SANDBOX_RATE})
            load = Load(apis, seed["key"], seed["push_channel"])
            load_task = asyncio.create_task(load.run())

            started = time.time()
            await asyncio.sleep(SECONDS / 2)
            for w in workers:
                if w.proc.poll() is not None:
                    raise RuntimeError(f"{w.name} exited with {w.proc.returncode}:\n{w.tail()}")
            kill_at = time.time()
            apis[0].proc.kill()
            workers[0].kill()
            print(f"soak: SIGKILL api-1 and worker-1 at +{kill_at - started:.1f} s", flush=True)
            await asyncio.sleep(max(5.0, SECONDS * 0.05))
            replacement = Api("api-1b", env)
            workers[0] = Proc("worker-1b", ["-m", "hourglass", "worker"], env)
            await replacement.ready()
            apis[0] = replacement  # the clients' next attempts may use it
            recovered_at = time.time()
            print(f"soak: api-1b and worker-1b up at +{recovered_at - started:.1f} s", flush=True)

            await asyncio.sleep(max(0.0, started + SECONDS - time.time()))
            load.stop.set()
            await load_task
            await sb.post("/_sandbox/traffic/stop")
            load_done = time.time()

            conn = await asyncpg.connect(url)
            truth = (await sb.get("/_sandbox/truth")).json()["buyer_messages"]
            sandbox_channels = list(seed["sandbox_channels"].values())
            drained_s, events, stats = await _drain(
                conn, seed["org"], max(load_end, datetime.now(UTC)), receiver_url, len(truth), sandbox_channels
            )
            results = await _measure(conn, seed, load, truth, events, stats, load_end, kill_at)
    finally:
        if conn is not None:
            await conn.close()
        for p in reversed(list(Proc.running)):
            p.stop()

    phases: dict[str, list[float]] = {"before": [], "during": [], "after": []}
    for wall, ms in load.latencies:
        phases["before" if wall < kill_at else "during" if wall < recovered_at else "after"].append(ms)
    figures = list(results["figures"])
    base = percentile(phases["before"], 99) if phases["before"] else 0.0
    for phase, values in phases.items():
        if not values:
            continue
        for p in (50, 99):
            figures.append(
                figure(
                    f"push latency p{p} {phase} the kill"
                    if phase != "during"
                    else f"push latency p{p} during the kill (until restarted)",
                    percentile(values, p),
                    "ms",
                    base,
                    "p99 before the kill, same run",
                    higher_is_better=False,
                )
            )
    params = {
        "seconds": SECONDS,
        "api_processes": 2,
        "worker_processes": 2,
        "killed": ["api-1", "worker-1"],
        "kill_at_s": round(kill_at - started, 1),
        "restarted_at_s": round(recovered_at - started, 1),
        "drain_s": round(drained_s, 1),
        "load_s": round(load_done - started, 1),
        "clients": CLIENTS,
        "push_rate_per_s": PUSH_RATE,
        "sandbox_rate_per_min": SANDBOX_RATE,
        "timers_inserted": TIMERS * 2,
        "poll_interval_s": POLL_S,
        "push_retries": load.retries,
        "push_conflicts_409": load.conflicts,
        "push_given_up": len(load.given_up),
        "phase_requests": {k: len(v) for k, v in phases.items()},
        **results["params"],
    }
    save("soak", figures, params)
    print(json.dumps(params, indent=2))


async def _measure(
    conn: asyncpg.Connection,
    seed: dict[str, Any],
    load: Load,
    truth: list[dict[str, Any]],
    events: set[int],
    stats: dict[str, Any],
    load_end: datetime,
    kill_at: float,
) -> dict[str, Any]:
    org = seed["org"]
    # Pushed vs stored.
    rows = await conn.fetch(
        "SELECT external_id, count(*) AS n FROM messages WHERE channel_id = $1 GROUP BY external_id",
        seed["push_channel"],
    )
    stored = {r["external_id"]: r["n"] for r in rows}
    push_lost = sorted(set(load.acked) - set(stored))
    push_dup = sum(n - 1 for n in stored.values())
    stored_unacked = len(set(stored) - set(load.acked))  # a message stored whose acknowledgement was lost

    # Sandbox truth vs stored (the sync path of both workers).
    sandbox_channels = list(seed["sandbox_channels"].values())
    rows = await conn.fetch(
        "SELECT external_id, count(*) AS n FROM messages WHERE channel_id = ANY($1::uuid[]) "
        "AND direction = 'inbound' GROUP BY channel_id, external_id",
        sandbox_channels,
    )
    sb_stored = Counter()  # type: Counter[str]
    for r in rows:
        sb_stored[r["external_id"]] += r["n"]
    keys = [(m["message_id"], m.get("mail_message_id")) for m in truth]
    sb_lost = [m for m, mail in keys if m not in sb_stored and (mail is None or mail not in sb_stored)]
    sb_dup = sum(n - 1 for n in sb_stored.values())

    # Timers due vs fired; a duplicate is a second event for the same (clock, action).
    due = await conn.fetchval(
        "SELECT count(*) FROM sla_timers WHERE organization_id = $1 AND due_at <= $2 AND cancelled_at IS NULL",
        org,
        load_end,
    )
    fired = await conn.fetchval(
        "SELECT count(*) FROM sla_timers WHERE organization_id = $1 AND due_at <= $2 AND fired_at IS NOT NULL",
        org,
        load_end,
    )
    pipeline_due = await conn.fetchval(
        "SELECT count(*) FROM sla_timers t JOIN sla_clocks c ON c.id = t.clock_id WHERE t.organization_id = $1 "
        "AND t.due_at <= $2 AND t.cancelled_at IS NULL AND c.reason <> 'soak'",
        org,
        load_end,
    )
    missed = await conn.fetchval(
        "SELECT count(*) FROM sla_timers WHERE organization_id = $1 AND fired_at IS NULL AND cancelled_at IS NULL "
        "AND due_at <= $2",
        org,
        load_end,
    )
    timer_dup = await conn.fetchval(
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM outbox_events WHERE organization_id = $1 "
        "AND event_type IN ('sla.overdue', 'sla.warning') GROUP BY event_type, payload->'data'->>'clock_id', "
        "payload->'data'->>'tier', payload->'data'->>'action') x",
        org,
    )
    lateness = [
        float(r[0])
        for r in await conn.fetch(
            "SELECT extract(epoch FROM fired_at - due_at) FROM sla_timers WHERE organization_id = $1 "
            "AND fired_at IS NOT NULL",
            org,
        )
    ]

    # Webhook events (read before the receiver's log, see _drain) vs deliveries received.
    arrivals = stats["arrivals"]
    received_events = Counter(a[1] for a in arrivals)
    wh_missing = len(events - set(received_events))
    wh_dup = sum(n - 1 for n in received_events.values())
    same_id_again = len(arrivals) - len({a[0] for a in arrivals})
    # When each duplicate arrived, in seconds from the kill: a redelivery after a lease ran out on the
    # killed worker arrives once before the kill and once a lease later; one far from the kill is not.
    by_id: dict[str, list[float]] = {}
    for webhook_id, _, _, at in arrivals:
        by_id.setdefault(webhook_id, []).append(round(at - kill_at, 2))
    duplicate_times = sorted(sorted(times) for times in by_id.values() if len(times) > 1)
    not_near_kill = sum(len(t) - 1 for t in duplicate_times if not -KILL_WINDOW_S <= t[0] <= KILL_WINDOW_S)
    e2e: list[float] = []
    if arrivals:
        created = {
            r["id"]: r["created_at"].timestamp()
            for r in await conn.fetch(
                "SELECT id, created_at FROM outbox_events WHERE id = ANY($1::bigint[])", list(received_events)
            )
        }
        first: dict[int, float] = {}
        for _, event_id, _, at in arrivals:
            first[event_id] = min(first.get(event_id, at), at)
        e2e = [first[e] - created[e] for e in first if e in created]

    figures = [
        _count_figure("pushed messages lost (acknowledged, not stored)", len(push_lost), "messages"),
        _count_figure("pushed messages duplicated", push_dup, "messages"),
        _count_figure("sandbox messages lost (in truth, not stored)", len(sb_lost), "messages"),
        _count_figure("sandbox messages duplicated", sb_dup, "messages"),
        _count_figure("timers missed (due, unfired after drain)", int(missed), "timers"),
        _count_figure("timers duplicated (second event for one clock and action)", int(timer_dup), "timers"),
        _count_figure("webhook events without a delivery", wh_missing, "events"),
        _count_figure("webhook events delivered more than once", wh_dup, "deliveries", "at least once: reported"),
    ]
    if lateness:
        figures.append(
            figure(
                "timer lateness p99 (kill included)",
                percentile(lateness, 99) * 1000,
                "ms",
                1000,
                "required p99 bound (1 s)",
                higher_is_better=False,
            )
        )
    if e2e:
        figures.append(
            figure(
                "event to signed delivery p99 (kill included)",
                percentile(e2e, 99),
                "s",
                2.0,
                "target: under 2 s",
                higher_is_better=False,
            )
        )
    return {
        "figures": figures,
        "params": {
            "pushed": len(load.attempted),
            "push_acknowledged": len(load.acked),
            "push_stored": len(stored),
            "push_stored_unacknowledged": stored_unacked,
            "push_lost_sample": push_lost[:10],
            "sandbox_messages": len(truth),
            "sandbox_stored": len(sb_stored),
            "sandbox_lost_sample": sb_lost[:10],
            "timers_due": int(due),
            "timers_due_from_pipeline_clocks": int(pipeline_due),
            "timers_fired": int(fired),
            "webhook_events": len(events),
            "webhook_deliveries_received": len(arrivals),
            "webhook_same_delivery_id_again": same_id_again,
            "webhook_duplicate_arrivals_s_from_kill": duplicate_times[:20],
            "webhook_duplicates_first_sent_away_from_kill": not_near_kill,
            "webhook_bad_signatures": stats["bad_signatures"],
        },
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "receiver":
        receiver_main(int(sys.argv[2]), sys.argv[3])
    else:
        try:
            asyncio.run(main())
        finally:
            _kill_all()
