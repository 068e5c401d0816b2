"""The one HTTP app: every marketplace under its real path layout, plus /_sandbox.

A connector only changes its base URL: eBay `/commerce/message/v1/...`, `/identity/v1/oauth2/token`,
`/commerce/notification/v1/public_key/{kid}`; Shopee `/api/v2/sellerchat/...`, `/api/v2/auth/...`;
TikTok `/customer_service/202309/...`, `/authorization/202309/shops`, `/api/v2/token/...`; Walmart
`/v3/token`, `/v3/orders`, `/v3/insights/performance/srr/summary`; Amazon
`/messaging/v1/orders/...`, `/auth/o2/token`.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sandbox import admin, aftersales, media
from sandbox.marketplaces import amazon, consent, ebay, shopee, tiktok, walmart
from sandbox.marketplaces.common import MarketError
from sandbox.state import SandboxState
from sandbox.translate import app as translate


def create_app(state: SandboxState) -> FastAPI:
    app = FastAPI(
        title="Hourglass marketplace sandbox",
        docs_url="/_sandbox/docs",
        openapi_url="/_sandbox/openapi.json",
        redoc_url=None,
    )

    @app.exception_handler(MarketError)
    async def market_error(request: Request, exc: MarketError) -> JSONResponse:
        # Every refused call is part of the ground truth: tests count them.
        context = getattr(request.state, "market", {}) or {}
        state.reject(
            exc.marketplace,
            context.get("store_id"),
            "http",
            context.get("operation") or f"{request.method} {request.url.path}",
            exc.status,
            exc.code,
            exc.message,
            injected=exc.injected,
        )
        headers = dict(exc.headers)
        if exc.request_id_header:
            headers[exc.request_id_header] = state.ids.uuid()
        return JSONResponse(exc.body, status_code=exc.status, headers=headers, media_type=exc.media_type)

    for module in (ebay, shopee, tiktok, walmart, amazon, consent):
        app.include_router(module.router(state))
    # eBay Post-Order returns and inquiries, Walmart returns (sandbox/aftersales.py).
    app.include_router(aftersales.ebay_router(state))
    app.include_router(aftersales.walmart_router(state))
    app.include_router(admin.router(state))
    app.include_router(media.router(state.media))
    # Translation providers' stand-ins (DeepL, Google v3, LibreTranslate, OpenAI-compatible chat).
    app.include_router(translate.router())
    return app
