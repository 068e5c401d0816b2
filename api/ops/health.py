from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.db import ping
from api.kit.crypto import constant_time_equal
from api.kit.errors import NotFound, Unauthorized

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up (liveness)."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is unreachable"}})
async def readyz(request: Request) -> JSONResponse:
    """PostgreSQL and Redis both answer (readiness)."""
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(2):
            await ping(request.app.state.engine)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        async with asyncio.timeout(2):
            await request.app.state.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics, for a scraper holding `HOURGLASS_METRICS_TOKEN` only.

    Route templates, status counts and latencies describe the deployment's traffic: not for the public.
    With no token configured the endpoint does not exist (404), so a forgotten setting fails closed."""
    token = request.app.state.settings.metrics_token
    if token is None or not token.get_secret_value():
        raise NotFound("No route /metrics.")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not constant_time_equal(given.strip(), token.get_secret_value()):
        raise Unauthorized(
            "/metrics needs `Authorization: Bearer <HOURGLASS_METRICS_TOKEN>`.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
