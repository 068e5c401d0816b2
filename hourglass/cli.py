"""The `hourglass` command: serve, worker, migrate, demo, sandbox, admin.

This package is the composition root: the one place that imports the product (`api`), its background
processes (`workers`) and the marketplace stand-in (`sandbox`) together, and starts them."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from api.config import get_settings, secret_key_problem
from hourglass.embedded import export_urls, resolve_service_urls, stop_owned_servers

app = typer.Typer(help="Hourglass: the multi-marketplace customer-service hub.", no_args_is_help=True)
admin = typer.Typer(help="Administration: organizations, users, API keys.", no_args_is_help=True)
app.add_typer(admin, name="admin")

ROOT = Path(__file__).resolve().parent.parent


def _setup_logging() -> None:
    logging.basicConfig(level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request's full URL at INFO, and some marketplaces put tokens in the query
    # string (Shopee's access_token, TikTok's app_secret on refresh): never below WARNING.
    # pgserver prints initdb's whole output at INFO when it creates the embedded database.
    for noisy in ("httpx", "httpcore", "pgserver"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def _require_secret_key() -> None:
    """Refuse to run on a secret anyone can read: it is the root of the credential-encryption keys.
    Every command but `demo` (which makes its own, see `_demo_secret_key`) calls this first."""
    problem = secret_key_problem(get_settings())
    if problem:
        typer.echo(
            f"error: {problem}.\nSet HOURGLASS_SECRET_KEY to a long random value, e.g. "
            '`export HOURGLASS_SECRET_KEY="$(python3 -c "import secrets; print(secrets.token_urlsafe(48))")"`, '
            "and keep it: credentials stored under one secret cannot be read under another.",
            err=True,
        )
        raise typer.Exit(2)


def _demo_secret_key() -> None:
    """The demo's secret: HOURGLASS_SECRET_KEY when it is a real one, else a random one kept in the data
    directory (created on the first run, owner-only), exported to this process and its children."""
    settings = get_settings()
    problem = secret_key_problem(settings)
    if problem is None:
        return
    if os.environ.get("HOURGLASS_SECRET_KEY"):
        typer.echo(f"warning: {problem}; the demo uses its own secret from the data directory instead.", err=True)
    path = settings.data_dir / "secret_key"
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    os.environ["HOURGLASS_SECRET_KEY"] = path.read_text().strip()
    get_settings.cache_clear()


def _exit_on_sigterm() -> None:
    """SIGTERM's default action ends the process without exit hooks, and those stop the embedded
    servers this process started. (uvicorn, arq and the demo install their own handlers later.)"""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


def _ensure_services() -> dict[str, str]:
    """Resolve (or start) PostgreSQL and Redis and export their URLs for this process and its children.
    Embedded servers started here are stopped when this process exits (hourglass/embedded.py)."""
    _exit_on_sigterm()
    env = export_urls(resolve_service_urls(get_settings()))
    os.environ.update(env)
    get_settings.cache_clear()
    return env


def run_migrations(database_url: str) -> None:
    from api.ops.migrations import upgrade

    upgrade(database_url)


@app.command()
def migrate() -> None:
    """Apply database migrations (alembic upgrade head)."""
    _setup_logging()
    _require_secret_key()
    env = _ensure_services()
    run_migrations(env["HOURGLASS_DATABASE_URL"])
    typer.echo("database is at the latest revision")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Run the HTTP API (and the SPA when built)."""
    import uvicorn

    from api.ops.server import uvicorn_limits

    _setup_logging()
    _require_secret_key()
    _ensure_services()
    settings = get_settings()
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=settings.access_log,
        proxy_headers=True,
        # Browsers ask for per-message deflate; it costs ~64 KiB per socket for small JSON frames.
        ws_per_message_deflate=False,
        # Header size and time limits, keep-alive timeout (api/ops/server.py).
        **uvicorn_limits(settings),
    )


@app.command()
def worker() -> None:
    """Run an arq worker (sync, delivery, SLA timers, webhooks, housekeeping)."""
    _setup_logging()
    _require_secret_key()
    _ensure_services()
    from arq.worker import run_worker

    from workers.settings import WorkerSettings, redis_settings

    # arq types its settings as a Protocol class that WorkerSettings matches by shape, not by base class.
    run_worker(WorkerSettings, redis_settings=redis_settings())  # type: ignore[arg-type]


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []})
def sandbox(ctx: typer.Context) -> None:
    """Run the local marketplace sandbox (eBay, Shopee, TikTok APIs, Amazon/Walmart mail relays).

    Options are the sandbox's own: `hourglass sandbox --help` lists them."""
    from sandbox.cli import main as sandbox_main

    raise typer.Exit(sandbox_main(list(ctx.args)) or 0)


async def _create_org(name: str, slug: str | None) -> str:
    from api.auth import service
    from api.db import create_engine, create_sessionmaker

    settings = get_settings()
    engine = create_engine(settings.database_url or "", settings, pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            org = await service.create_organization(session, name, slug)
            return f"{org.id} {org.slug}"
    finally:
        await engine.dispose()


async def _org_id(session: object, slug: str) -> object:
    from api.auth import repository

    org = await repository.org_by_slug(session, slug)  # type: ignore[arg-type]
    if org is None:
        raise typer.BadParameter(f"no organization with slug {slug!r}")
    return org.id


@admin.command("create-org")
def create_org(name: str, slug: Annotated[str | None, typer.Option()] = None) -> None:
    """Create an organization (a tenant)."""
    _require_secret_key()
    _ensure_services()
    typer.echo(asyncio.run(_create_org(name, slug)))


@admin.command("create-user")
def create_user(
    org: Annotated[str, typer.Option(help="Organization slug")],
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="agent | supervisor | admin")] = "agent",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create a user who can log in to the SPA."""
    if role not in ("agent", "supervisor", "admin"):
        raise typer.BadParameter("role must be agent, supervisor or admin")
    if len(password) < 10:
        raise typer.BadParameter("password must be at least 10 characters")
    # Bad input is reported before the environment is judged: the operator fixes one thing at a time.
    from api.auth.passwords import password_weakness, user_inputs

    weakness = password_weakness(password, user_inputs(email, name))
    if weakness is not None:
        raise typer.BadParameter(f"password is {weakness}", param_hint="--password")
    _require_secret_key()
    _ensure_services()

    async def run() -> str:
        from api.auth import service
        from api.db import create_engine, create_sessionmaker

        settings = get_settings()
        engine = create_engine(settings.database_url or "", settings, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                org_id = await _org_id(session, org)
                user = await service.create_user(session, org_id, email=email, name=name, password=password, role=role)  # type: ignore[arg-type]
                return str(user.id)
        finally:
            await engine.dispose()

    typer.echo(asyncio.run(run()))


@admin.command("rebuild-product-issues")
def rebuild_product_issues(
    org: Annotated[str, typer.Option(help="Organization slug")],
    days: Annotated[int, typer.Option(min=1, max=3660, help="Buyer messages sent in the last N days")] = 366,
) -> None:
    """Classify past buyer messages into the product-issue table (after an upgrade; idempotent)."""
    _require_secret_key()
    _ensure_services()

    async def run() -> int:
        from datetime import timedelta

        from api.db import create_engine, create_sessionmaker
        from api.kit.time import utc_now
        from api.product_issue.service import rebuild

        settings = get_settings()
        engine = create_engine(settings.database_url or "", settings, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                org_id = await _org_id(session, org)
                return await rebuild(session, org_id, utc_now() - timedelta(days=days))  # type: ignore[arg-type]
        finally:
            await engine.dispose()

    typer.echo(f"{asyncio.run(run())} buyer messages classified")


@app.command("rebuild-metrics")
def rebuild_metrics(
    start: Annotated[str, typer.Option("--from", help="Start (ISO date or time, UTC unless an offset is given)")],
    end: Annotated[str, typer.Option("--to", help="End, exclusive")],
    org: Annotated[str | None, typer.Option(help="Organization slug; default: every organization")] = None,
) -> None:
    """Recompute the metric rollups of a range from the raw messages, clocks and resolutions (after a
    restore, a bulk import or a change of the rollup rules). Safe to run beside the workers."""
    from datetime import UTC, datetime

    def parse(value: str, name: str) -> datetime:
        try:
            at = datetime.fromisoformat(value)
        except ValueError as exc:
            raise typer.BadParameter(f"{name}: not an ISO date or time") from exc
        return at if at.tzinfo else at.replace(tzinfo=UTC)

    lo, hi = parse(start, "--from"), parse(end, "--to")
    if hi <= lo:
        raise typer.BadParameter("--to must be after --from")
    _require_secret_key()
    _ensure_services()

    async def run() -> int:
        from api.db import create_engine, create_sessionmaker
        from api.reports import rollup

        settings = get_settings()
        engine = create_engine(settings.database_url or "", settings, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                org_id = await _org_id(session, org) if org else None
                return await rollup.rebuild(session, lo, hi, org_id)  # type: ignore[arg-type]
        finally:
            await engine.dispose()

    typer.echo(f"{asyncio.run(run())} rollup rows written")


@admin.command("create-api-key")
def create_api_key(
    org: Annotated[str, typer.Option(help="Organization slug")],
    name: Annotated[str, typer.Option()],
    scope: Annotated[list[str] | None, typer.Option(help="Repeat for each scope; default: all")] = None,
) -> None:
    """Create an API key; the key is printed once."""
    from api.auth.principal import SCOPES

    scopes = scope or list(SCOPES)
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise typer.BadParameter(f"unknown scopes {unknown}; known: {list(SCOPES)}")
    _require_secret_key()
    _ensure_services()

    async def run() -> str:
        from api.auth import service
        from api.db import create_engine, create_sessionmaker

        settings = get_settings()
        engine = create_engine(settings.database_url or "", settings, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                org_id = await _org_id(session, org)
                _, key = await service.create_api_key(session, org_id, name, scopes)  # type: ignore[arg-type]
                return key
        finally:
            await engine.dispose()

    typer.echo(asyncio.run(run()))


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="API port")] = 8000,
    with_worker: Annotated[bool, typer.Option("--worker/--no-worker")] = True,
    with_sandbox: Annotated[
        bool, typer.Option("--sandbox/--no-sandbox", help="Run the marketplace sandbox with traffic")
    ] = True,
    sandbox_port: Annotated[int, typer.Option(help="Sandbox HTTP port (marketplace APIs, /_sandbox)")] = 8100,
    traffic: Annotated[float, typer.Option(help="Sandbox buyer messages per minute, all stores")] = 12.0,
    history: Annotated[
        bool, typer.Option("--history/--no-history", help="Backfill a week of answered messages per store")
    ] = True,
) -> None:
    """Everything for a first look: embedded servers if needed, migrations, a demo organization,
    the marketplace sandbox (one store per marketplace, connected as channels, with traffic), the
    API on http://127.0.0.1:PORT and a worker. Stops with Ctrl+C."""
    from hourglass.demo import seed_demo

    _setup_logging()
    _demo_secret_key()
    env = _ensure_services()
    run_migrations(env["HOURGLASS_DATABASE_URL"])
    creds = asyncio.run(seed_demo(env["HOURGLASS_DATABASE_URL"]))
    child_env = {**os.environ, **env}
    # The banner below is what a new user needs; per-request and per-job lines would scroll it away.
    # (Set HOURGLASS_LOG_LEVEL / HOURGLASS_ACCESS_LOG to see them.)
    child_env.setdefault("HOURGLASS_ACCESS_LOG", "false")
    child_env.setdefault("HOURGLASS_LOG_LEVEL", "WARNING")
    procs: list[subprocess.Popen[bytes]] = []
    exe = [sys.executable, "-m", "hourglass"]
    url = f"http://127.0.0.1:{port}"
    sandbox_lines: list[str] = []
    connected: list[Any] = []
    if with_sandbox:
        # Where the marketplaces' consent pages send the seller back: this API.
        child_env.setdefault("HOURGLASS_PUBLIC_URL", url)
        sandbox_proc, sandbox_url, connected = _start_sandbox(env, child_env, sandbox_port)
        procs.append(sandbox_proc)
    else:
        from hourglass.demo import pause_sandbox_channels

        asyncio.run(pause_sandbox_channels(env["HOURGLASS_DATABASE_URL"]))
    if history:
        from hourglass.demo import seed_history

        asyncio.run(seed_history(env["HOURGLASS_DATABASE_URL"]))
    procs.append(subprocess.Popen([*exe, "serve", "--port", str(port)], env=child_env))  # noqa: S603
    if with_worker:
        procs.append(subprocess.Popen([*exe, "worker"], env=child_env))  # noqa: S603
    if with_sandbox:
        sandbox_lines = _feed_sandbox(sandbox_url, url, creds.api_key, connected, traffic)
    typer.echo(
        "\n".join(
            [
                "",
                "Hourglass demo is starting.",
                f"  Open:      {url}",
                f"  Log in:    {creds.email} / {creds.password}",
                f"  API key:   {creds.api_key}   (all scopes; shown once)",
                f"  API docs:  {url}/v1/docs",
                f"  Data dir:  {get_settings().data_dir.resolve()}",
                *sandbox_lines,
                "Press Ctrl+C to stop.",
                "",
            ]
        )
    )
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        # The children have let go of PostgreSQL and Redis: stop the servers the demo started.
        stop_owned_servers()
    failed = [p for p in procs if p.returncode not in (0, -signal.SIGTERM, None)]
    if failed and not stop:
        raise typer.Exit(1)


def _start_sandbox(
    env: dict[str, str], child_env: dict[str, str], http_port: int
) -> tuple[subprocess.Popen[bytes], str, list[Any]]:
    """The sandbox as its own process (it stands in for the outside world), then one channel per
    store in the demo organization, its credentials checked by a call to the sandbox."""
    import socket

    from hourglass.demo import (
        connect_sandbox,
        demo_connect_apps,
        demo_outbound_allowed,
        register_sandbox_redirects,
        sandbox_stores,
        wait_for,
    )

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    data_dir = (get_settings().data_dir / "sandbox").resolve()
    command = [
        sys.executable, "-m", "sandbox", "--http-port", str(http_port), "--imap-port", str(free_port()),
        "--smtp-port", str(free_port()), "--seed", "1", "--data-dir", str(data_dir),
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=child_env, stdout=subprocess.DEVNULL)  # noqa: S603
    sandbox_url = f"http://127.0.0.1:{http_port}"
    try:
        asyncio.run(wait_for(f"{sandbox_url}/_sandbox/health"))
        stores = asyncio.run(sandbox_stores(sandbox_url))
        # The API and the worker may reach exactly the sandbox's host:ports (they are on loopback).
        child_env["HOURGLASS_OUTBOUND_ALLOWED"] = json.dumps(demo_outbound_allowed(stores))
        connected = asyncio.run(connect_sandbox(env["HOURGLASS_DATABASE_URL"], stores))
        # "Connect store" goes through the sandbox's consent pages with the sandbox's apps.
        child_env.setdefault("HOURGLASS_CONNECT_APPS", json.dumps(demo_connect_apps(stores, sandbox_url)))
        asyncio.run(register_sandbox_redirects(sandbox_url, stores, child_env["HOURGLASS_PUBLIC_URL"]))
    except Exception:
        proc.terminate()
        raise
    return proc, sandbox_url, connected


def _feed_sandbox(sandbox_url: str, api_url: str, api_key: str, connected: list[Any], rate: float) -> list[str]:
    from hourglass.demo import start_sandbox_traffic, wait_for

    asyncio.run(wait_for(f"{api_url}/readyz", 60))
    orders = asyncio.run(start_sandbox_traffic(sandbox_url, api_url, api_key, connected, rate))
    lines = [
        f"  Sandbox:   {sandbox_url}/_sandbox/truth   (stores: {sandbox_url}/_sandbox/stores)",
        f"             {orders} orders pushed as the ERP would; {rate:g} buyer messages a minute",
    ]
    for store in connected:
        note = f"  ! {store.warning}" if store.warning else ""
        lines.append(f"    {store.marketplace:<8} {store.name:<26} channel {store.channel_id}{note}")
    return lines


def main() -> None:
    app()


if __name__ == "__main__":
    main()
