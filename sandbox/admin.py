"""The sandbox's own control API under /_sandbox: stores, injection, truth, faults, traffic, orders, clock.

Deliberately apart from the marketplace paths (nothing a real marketplace serves starts with
`/_sandbox`). No authentication: the sandbox binds loopback only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from sandbox import aftersales
from sandbox.config import MAIL_MARKETPLACES, MARKETPLACES
from sandbox.inject import InjectError, InjectRequest, inject_message
from sandbox.marketplaces.consent import tiktok_service_id
from sandbox.models import Store
from sandbox.state import SandboxState
from sandbox.stores import create_store, mint_token


class StoreCreate(BaseModel):
    marketplace: str
    name: str | None = None
    store_id: str | None = None
    region: str | None = None
    push_target: str | None = None
    credentials: dict[str, Any] = Field(default_factory=dict)


class StorePatch(BaseModel):
    name: str | None = None
    push_target: str | None = None
    approved_senders: list[str] | None = None
    redirect_uri: str | None = Field(
        None, description="Where the store's app is sent back after consent (eBay RuName accept URL, TikTok redirect)"
    )


class TokenMint(BaseModel):
    kind: str = Field(description="eBay: user | refresh | app; Shopee, TikTok, Amazon: access | refresh")
    scopes: list[str] | None = Field(
        None, description="eBay OAuth scopes granted (default: the store's consented ones); others have none"
    )
    ttl_seconds: float | None = Field(None, gt=0, description="Default: the marketplace's lifetime for the kind")


class TrafficStart(BaseModel):
    rate_per_min: float = Field(gt=0)


class Burst(BaseModel):
    count: int = Field(1, ge=1, le=10_000)


class AfterSaleCreate(BaseModel):
    kind: str = Field("return", pattern="^(return|inquiry)$", description="eBay: return | inquiry; Walmart: return")
    order_id: str | None = Field(None, description="Default: the store's first shipped or delivered order")
    status: str | None = None
    respond_within_hours: float | None = Field(None, gt=0, description="The seller's deadline (default 72 h)")
    reason: str | None = None


class AfterSalePatch(BaseModel):
    status: str | None = None
    respond_by: datetime | None = None


class ClockAdvance(BaseModel):
    advance_seconds: float = Field(ge=0)


def store_json(state: SandboxState, store: Store) -> dict[str, Any]:
    data = store.model_dump(mode="json")
    endpoints: dict[str, Any] = {"http_base": state.http_url}
    if store.marketplace in MAIL_MARKETPLACES:
        creds = store.credentials
        endpoints["imap"] = {
            "host": state.config.host,
            "port": state.imap_port,
            "username": creds["imap_username"],
            "password": creds["imap_password"],
            # In TLS mode: STARTTLS here (LOGIN only after it), implicit TLS on `imaps_port`.
            "tls": state.config.mail_tls,
            "security": "starttls" if state.config.mail_tls else "none",
            "imaps_port": state.imaps_port or None,
        }
        endpoints["smtp"] = {
            "host": state.config.host,
            "port": state.smtp_port,
            "username": creds["smtp_username"],
            "password": creds["smtp_password"],
            "tls": state.config.mail_tls,
            "security": "starttls" if state.config.mail_tls else "none",
            "auth": ["PLAIN", "LOGIN"],
        }
    data["endpoints"] = endpoints
    if store.marketplace == "tiktok":
        data["credentials"]["service_id"] = tiktok_service_id(store)
    return data


def router(state: SandboxState) -> APIRouter:
    api = APIRouter(prefix="/_sandbox", tags=["sandbox admin"])

    def get_store(store_id: str) -> Store:
        store = state.store(store_id)
        if store is None:
            raise HTTPException(404, f"no store {store_id}")
        return store

    @api.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness and where everything listens."""
        return {
            "ok": True,
            "http_url": state.http_url,
            "imap_port": state.imap_port,
            "smtp_port": state.smtp_port,
            "seed": state.config.seed,
            "stores": len(state.stores),
        }

    @api.get("/stores")
    async def list_stores(marketplace: str | None = None) -> dict[str, Any]:
        """Every store with its credentials and the endpoints a connector must be pointed at."""
        return {
            "stores": [
                store_json(state, s)
                for s in state.stores.values()
                if marketplace is None or s.marketplace == marketplace
            ]
        }

    @api.post("/stores", status_code=201)
    async def add_store(body: StoreCreate) -> dict[str, Any]:
        """Create a store (credentials generated unless given)."""
        if body.marketplace not in MARKETPLACES:
            raise HTTPException(422, f"marketplace must be one of {', '.join(MARKETPLACES)}")
        try:
            store = create_store(
                state,
                body.marketplace,
                name=body.name,
                store_id=body.store_id,
                region=body.region,
                push_target=body.push_target,
                credentials=body.credentials,
            )
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from exc
        return store_json(state, store)

    @api.get("/stores/{store_id}")
    async def read_store(store_id: str) -> dict[str, Any]:
        return store_json(state, get_store(store_id))

    @api.patch("/stores/{store_id}")
    async def patch_store(store_id: str, body: StorePatch) -> dict[str, Any]:
        """Change the push target (Hourglass's POST /v1/hooks/{marketplace}/{channel_id}), name or
        Amazon's approved senders."""
        store = get_store(store_id)
        fields = body.model_fields_set
        if "push_target" in fields:
            store.push_target = body.push_target
        if "name" in fields and body.name:
            store.name = body.name
        if "approved_senders" in fields:
            store.credentials["approved_senders"] = list(body.approved_senders or [])
        if "redirect_uri" in fields:
            store.credentials["redirect_uri"] = body.redirect_uri or ""
        return store_json(state, store)

    @api.post("/stores/{store_id}/tokens", status_code=201)
    async def add_token(store_id: str, body: TokenMint) -> dict[str, Any]:
        """Mint a token for a store, e.g. an eBay user token without the commerce.message scope (the
        Message API answers it 403, errorId 1100, as eBay does)."""
        store = get_store(store_id)
        try:
            record = mint_token(state, store, body.kind, scopes=body.scopes, ttl_seconds=body.ttl_seconds)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        return record.model_dump(mode="json")

    @api.post("/stores/{store_id}/messages", status_code=201)
    async def inject(store_id: str, body: InjectRequest) -> dict[str, Any]:
        """Inject one buyer message now (or backdated by age_seconds); pushed or mailed as traffic is."""
        store = get_store(store_id)
        try:
            thread, message = inject_message(state, store, body)
        except InjectError as exc:
            raise HTTPException(404, str(exc)) from exc
        buyer = state.buyer(thread.buyer_id)
        return {
            "thread_id": thread.id,
            "message_id": message.id,
            "mail_message_id": message.mail_message_id,
            "created_at": message.created_at.isoformat(),
            "buyer": buyer.model_dump(mode="json"),
        }

    @api.get("/threads")
    async def threads(store_id: str | None = None) -> dict[str, Any]:
        """The sandbox's own view of conversations (all marketplaces, one shape)."""
        found = [t for t in state.threads.values() if store_id is None or t.store_id == store_id]
        return {"threads": [t.model_dump(mode="json") for t in found]}

    @api.get("/threads/{thread_id}")
    async def thread(thread_id: str) -> dict[str, Any]:
        found = state.thread(thread_id)
        if found is None:
            raise HTTPException(404, f"no thread {thread_id}")
        return found.model_dump(mode="json")

    @api.get("/truth")
    async def truth(marketplace: str | None = None, store_id: str | None = None) -> dict[str, Any]:
        """Ground truth: buyer messages, push attempts, seller replies, rejections, reads."""
        return state.truth.filtered(marketplace, store_id).model_dump(mode="json")

    @api.get("/truth/summary")
    async def truth_summary() -> dict[str, Any]:
        return state.truth.summary()

    @api.get("/faults")
    async def faults() -> dict[str, Any]:
        return {"faults": [f.model_dump() for f in state.faults.specs()]}

    @api.post("/faults")
    async def set_fault(body: dict[str, Any]) -> dict[str, Any]:
        """Set (merge) a fault: {"marketplace", "store_id"?, ...FaultSpec fields}."""
        marketplace = body.pop("marketplace", None)
        if marketplace not in MARKETPLACES:
            raise HTTPException(422, f"marketplace must be one of {', '.join(MARKETPLACES)}")
        store_id = body.pop("store_id", None)
        try:
            spec = state.faults.set(marketplace, store_id, **body)
        except ValidationError as exc:
            raise HTTPException(422, exc.errors(include_url=False, include_context=False)) from exc
        return spec.model_dump()

    @api.delete("/faults", status_code=204)
    async def clear_faults(marketplace: str | None = None, store_id: str | None = None) -> Response:
        state.faults.clear(marketplace, store_id)
        return Response(status_code=204)

    @api.get("/traffic")
    async def traffic() -> dict[str, Any]:
        assert state.traffic is not None
        return state.traffic.status()

    @api.post("/traffic/start")
    async def traffic_start(body: TrafficStart) -> dict[str, Any]:
        assert state.traffic is not None
        state.traffic.start(body.rate_per_min)
        return state.traffic.status()

    @api.post("/traffic/stop")
    async def traffic_stop() -> dict[str, Any]:
        assert state.traffic is not None
        await state.traffic.stop()
        return state.traffic.status()

    @api.post("/traffic/burst")
    async def traffic_burst(body: Burst) -> dict[str, Any]:
        """Send `count` generated messages now."""
        assert state.traffic is not None
        if not state.stores:
            raise HTTPException(409, "no stores")
        messages = state.traffic.burst(body.count)
        return {"message_ids": [m.id for m in messages], **state.traffic.status()}

    @api.post("/stores/{store_id}/after-sales", status_code=201)
    async def add_after_sale(store_id: str, body: AfterSaleCreate) -> dict[str, Any]:
        """An eBay return or INR inquiry, or a Walmart return order, on one of the store's orders."""
        store = get_store(store_id)
        if store.marketplace not in ("ebay", "walmart") or (store.marketplace == "walmart" and body.kind != "return"):
            raise HTTPException(422, f"{store.marketplace} has no after-sales API for {body.kind}")
        try:
            record = aftersales.create(
                state,
                store,
                body.kind,
                order_id=body.order_id,
                status=body.status,
                respond_within_hours=body.respond_within_hours,
                reason=body.reason,
            )
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        return record.model_dump(mode="json")

    @api.get("/after-sales")
    async def list_after_sales(store_id: str | None = None) -> dict[str, Any]:
        found = [a for a in state.after_sales.values() if store_id is None or a.store_id == store_id]
        return {"after_sales": [a.model_dump(mode="json") for a in found]}

    @api.patch("/after-sales/{record_id}")
    async def patch_after_sale(record_id: str, body: AfterSalePatch) -> dict[str, Any]:
        record = state.after_sales.get(record_id)
        if record is None:
            raise HTTPException(404, f"no after-sales record {record_id}")
        aftersales.update(state, record, status=body.status, respond_by=body.respond_by)
        return record.model_dump(mode="json")

    @api.get("/orders")
    async def orders(store_id: str | None = None, marketplace: str | None = None) -> dict[str, Any]:
        """The shared order catalogue, for the ERP side to push into Hourglass."""
        stores = [
            s
            for s in state.stores.values()
            if (store_id is None or s.id == store_id) and (marketplace is None or s.marketplace == marketplace)
        ]
        return {"orders": [o.public() for s in stores for o in state.catalog.orders_for_store(s)]}

    @api.get("/clock")
    async def clock() -> dict[str, Any]:
        return {"world_time": state.clock.now().isoformat(), "offset_seconds": state.clock.offset_seconds}

    @api.post("/clock")
    async def advance_clock(body: ClockAdvance) -> dict[str, Any]:
        """Move the world clock forward (SLA windows, TikTok rules, token expiry)."""
        state.clock.advance(body.advance_seconds)
        return {"world_time": state.clock.now().isoformat(), "offset_seconds": state.clock.offset_seconds}

    @api.post("/pushes/drain")
    async def drain(wait_seconds: float = Query(10.0, ge=0, le=60)) -> dict[str, Any]:
        """Wait for pushes in flight to be delivered or given up."""
        if state.pushes is not None:
            await state.pushes.drain(wait_seconds)
        return {"pushes": len(state.truth.pushes)}

    return api
