"""create_app(): lifespan (engine, Redis), middleware, routers, problem+json errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from redis.asyncio import Redis
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.attachment import service as attachment_service
from api.attachment.endpoints import router as attachment_router
from api.auth import cache as auth_cache
from api.auth import usage as auth_usage
from api.auth.endpoints import router as auth_router
from api.automation.endpoints import router as automation_router
from api.bulk.endpoints import case_router as case_bulk_router
from api.bulk.endpoints import router as bulk_router
from api.case.endpoints import router as case_router
from api.channel.endpoints import router as channel_router
from api.compliance.endpoints import router as compliance_router
from api.config import Settings, get_settings, service_urls
from api.conversation.endpoints import router as conversation_router
from api.csat.endpoints import router as csat_router
from api.csat.public import router as csat_public_router
from api.customer.endpoints import router as customer_router
from api.db import DriverError, create_engine, create_sessionmaker
from api.draft_lock.endpoints import router as draft_lock_router
from api.export.endpoints import router as export_router
from api.kit.crypto import CredentialCipher
from api.kit.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE, HourglassError, database_refusal, document_problems
from api.kit.heap import freeze_start_up_heap
from api.kit.pagination import configure_cursor_key
from api.kit.params_guard import UnstorableParamsMiddleware
from api.knowledge.endpoints import router as knowledge_router
from api.knowledge.endpoints import suggestion_router
from api.knowledge.help_pages import router as help_pages_router
from api.macro.endpoints import conversation_router as macro_conversation_router
from api.macro.endpoints import router as macro_router
from api.marketplace_push.endpoints import router as marketplace_push_router
from api.message.endpoints import router as message_router
from api.message.push_batches import PushBatcher
from api.notification.endpoints import router as notification_router
from api.ops.audit_endpoints import activity_router
from api.ops.audit_endpoints import router as audit_router
from api.ops.health import router as health_router
from api.ops.idempotency import BodyLimitMiddleware, IdempotencyMiddleware, install_idempotency
from api.ops.metrics import MetricsMiddleware
from api.ops.static import install_frontend
from api.order.endpoints import router as order_router
from api.privacy.endpoints import router as privacy_router
from api.product_issue.endpoints import router as product_issue_router
from api.realtime.config import RealtimeConfig
from api.realtime.endpoints import router as realtime_router
from api.realtime.hub import RealtimeHub
from api.reports.endpoints import router as reports_router
from api.reports.schedule_endpoints import router as report_schedule_router
from api.saved_view.endpoints import router as saved_view_router
from api.shift.endpoints import router as shift_router
from api.sla.endpoints import router as sla_router
from api.template.endpoints import router as template_router
from api.translation.endpoints import router as translation_router
from api.webhook.docs import webhooks_router
from api.webhook.endpoints import router as webhook_router

log = logging.getLogger(__name__)

API_DESCRIPTION = """\
Hourglass: one inbox for buyer messages from Walmart, Amazon, eBay, Shopee and TikTok Shop, with a
live deadline on every conversation.

* Authenticate with `Authorization: Bearer <API key>` (ERPs) or a session token from `/v1/auth/login`.
* Every POST accepts an `Idempotency-Key` header (replayed for 24 h).
* Errors are RFC 9457 `application/problem+json` documents; input errors list each field and reason.
* Lists use opaque cursors: pass `next_cursor` back as `cursor`.
"""


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _problem_response(status: int, problem: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HourglassError)
    async def _hourglass(request: Request, exc: HourglassError) -> JSONResponse:
        headers = dict(exc.headers)
        headers.update(getattr(request.state, "rate_limit_headers", {}) or {})
        return _problem_response(exc.status_code, exc.to_problem(request.url.path), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            reason = str(err.get("msg", "invalid"))
            if err.get("type") == "extra_forbidden":
                reason = "unknown field"
            # The shared request-model rules (api/kit/schema.py) say where inside a field they looked.
            subpath = tuple((err.get("ctx") or {}).get("subpath", ()))
            errors.append({"field": _field_path(tuple(err.get("loc", ())) + subpath), "reason": reason})
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return _problem_response(
            422,
            {
                "type": PROBLEM_BASE + "invalid-input",
                "title": "Invalid input",
                "status": 422,
                "detail": detail,
                "instance": request.url.path,
                "errors": errors,
            },
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Authentication required"}
        return _problem_response(
            exc.status_code,
            {
                "type": PROBLEM_BASE + str(exc.status_code),
                "title": titles.get(exc.status_code, "Error"),
                "status": exc.status_code,
                "detail": str(exc.detail),
                "instance": request.url.path,
            },
            getattr(exc, "headers", None),
        )

    @app.exception_handler(DriverError)
    async def _database(request: Request, exc: DriverError) -> JSONResponse:
        refusal = database_refusal(exc)
        if refusal is None:
            return await _unexpected(request, exc)
        # Warning, not info: a refusal here means a check is missing in front of the database.
        log.warning("database refused %s %s: %s", request.method, request.url.path, exc.orig)
        return _problem_response(refusal.status_code, refusal.to_problem(request.url.path))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _problem_response(
            500,
            {
                "type": PROBLEM_BASE + "internal",
                "title": "Internal error",
                "status": 500,
                "detail": "Something went wrong on our side; the request was not applied.",
                "instance": request.url.path,
            },
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        urls = service_urls(settings)
        app.state.engine = create_engine(urls.database_url, settings)
        app.state.sessionmaker = create_sessionmaker(app.state.engine)
        app.state.push_batcher = PushBatcher(app.state.sessionmaker)
        app.state.redis = Redis.from_url(urls.redis_url, decode_responses=False)
        # Fan-out of live events to this process's WebSockets (connects in the background).
        app.state.realtime = RealtimeHub(
            app.state.redis,
            RealtimeConfig(
                max_sockets_per_credential=settings.realtime_max_sockets_per_credential,
                catch_ups_per_minute=settings.realtime_catch_ups_per_minute,
            ),
        )
        await app.state.realtime.start()
        auth_cache.principals.ttl_seconds = settings.auth_cache_ttl_seconds
        usage_stop = asyncio.Event()
        usage_flusher = asyncio.create_task(
            auth_usage.flush_periodically(app.state.sessionmaker, settings.auth_usage_flush_seconds, usage_stop)
        )
        freeze_start_up_heap()
        try:
            yield
        finally:
            usage_stop.set()
            await usage_flusher  # writes the last stamps before the engine goes
            await app.state.push_batcher.close()
            await app.state.realtime.stop()
            await app.state.redis.aclose()
            await app.state.engine.dispose()

    app = FastAPI(
        title="Hourglass API",
        version="1.0.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    attachment_service.configure(settings)
    app.state.cipher = CredentialCipher(settings.secret_key.get_secret_value())
    configure_cursor_key(settings.secret_key.get_secret_value())
    install_error_handlers(app)
    for router in (
        health_router,
        auth_router,
        channel_router,
        # Before the conversation routes: /bulk/{id} must not be read as a conversation's path.
        bulk_router,
        case_bulk_router,
        conversation_router,
        message_router,
        attachment_router,
        order_router,
        customer_router,
        audit_router,
        activity_router,
        export_router,
        compliance_router,
        sla_router,
        notification_router,
        webhook_router,
        realtime_router,
        marketplace_push_router,
        template_router,
        automation_router,
        saved_view_router,
        macro_router,
        macro_conversation_router,
        case_router,
        knowledge_router,
        suggestion_router,
        help_pages_router,
        translation_router,
        csat_router,
        csat_public_router,
        product_issue_router,
        reports_router,
        report_schedule_router,
        shift_router,
        privacy_router,
        draft_lock_router,
    ):
        app.include_router(router)

    # The OpenAPI `webhooks` section: the payload of each event type subscribers receive.
    app.webhooks.include_router(webhooks_router())

    install_frontend(app, settings.frontend_dist)
    install_idempotency(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    # Outermost first: metrics see everything; the body limit runs before any body is read.
    app.add_middleware(IdempotencyMiddleware, cipher=app.state.cipher)
    # Before idempotency, which stores the path: NUL in a path or query is a 422 before anything uses it.
    app.add_middleware(UnstorableParamsMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_request_bytes,
        # Uploads stream to the file store, which enforces the attachment cap as the bytes arrive.
        larger={("POST", "/v1/attachments"): settings.attachment_max_bytes},
    )
    app.add_middleware(MetricsMiddleware)
    return app
