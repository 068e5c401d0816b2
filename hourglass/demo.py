"""The demo organization: an admin, two agents and a supervisor in two teams, office hours, automation
and routing rules (hourglass.demo_rules), an ERP channel, and one store per sandbox marketplace."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import repository as auth_repository
from api.auth import service as auth_service
from api.auth.principal import SCOPES
from api.config import get_settings
from api.db import create_engine, create_sessionmaker
from api.kit.time import utc_now
from api.knowledge.service import seed_demo_knowledge
from api.models import ApiKey, Channel, Team
from hourglass.demo_insight import seed_demo_insight
from hourglass.demo_rules import seed_working_setup
from hourglass.demo_shifts import seed_demo_rota

if TYPE_CHECKING:
    from api.kit.crypto import CredentialCipher

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@hourglass.local"
DEMO_PASSWORD = "hourglass-demo"  # noqa: S105 - a printed demo credential, local only
# Sandbox stores whose marketplace pushes to Hourglass (the mail relays are polled over IMAP).
PUSH_MARKETPLACES = ("ebay", "shopee", "tiktok")


@dataclass(frozen=True)
class DemoCredentials:
    email: str
    password: str
    api_key: str


async def seed_demo(database_url: str) -> DemoCredentials:
    """Idempotent: creates what is missing; issues a fresh demo API key each run (old ones revoked)."""
    settings = get_settings()
    engine = create_engine(database_url, settings, pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            org = await auth_repository.org_by_slug(session, DEMO_SLUG)
            if org is None:
                org = await auth_service.create_organization(session, "Demo Store Group", DEMO_SLUG)
            people = [
                (DEMO_EMAIL, "Demo Admin", "admin"),
                ("li.na@hourglass.local", "Li Na", "agent"),
                ("carlos@hourglass.local", "Carlos Ruiz", "agent"),
                ("supervisor@hourglass.local", "Wang Fang", "supervisor"),
            ]
            users = {}
            for email, name, role in people:
                user = await auth_repository.user_by_email(session, org.id, email)
                if user is None:
                    user = await auth_service.create_user(
                        session,
                        org.id,
                        email=email,
                        name=name,
                        password=DEMO_PASSWORD,
                        role=role,
                        # A fixed credential printed on the console of a local demo: zxcvbn rates it
                        # weak against the demo addresses it contains, and that is acceptable here.
                        check_strength=False,
                        locale="zh-CN" if name in ("Li Na", "Wang Fang") else "en",
                    )
                users[email] = user
            team = (await session.execute(select(Team).where(Team.organization_id == org.id))).scalars().first()
            if team is None:
                team = Team(organization_id=org.id, name="Frontline")
                session.add(team)
                await session.flush()
            await seed_working_setup(session, org.id, team, users)
            # A follow-the-sun rota (Shenzhen, Madrid, Los Angeles): someone is on shift at any hour.
            await seed_demo_rota(session, org.id, users)
            channel = (
                (
                    await session.execute(
                        select(Channel).where(Channel.organization_id == org.id, Channel.marketplace == "api")
                    )
                )
                .scalars()
                .first()
            )
            if channel is None:
                channel = Channel(organization_id=org.id, marketplace="api", name="ERP feed", default_team_id=team.id)
                session.add(channel)
                await session.flush()
            # Starter articles and the public help page /help/demo (questions arrive on the ERP feed).
            await seed_demo_knowledge(session, org.id, users[DEMO_EMAIL], channel, DEMO_SLUG)
            # CSAT on, and a product whose damage rate jumped (the Insight pages).
            await seed_demo_insight(session, org.id, channel)
            await session.execute(
                update(ApiKey)
                .where(ApiKey.organization_id == org.id, ApiKey.name == "demo", ApiKey.revoked_at.is_(None))
                .values(revoked_at=utc_now())
            )
            _, key = await auth_service.create_api_key(session, org.id, "demo", list(SCOPES))
        return DemoCredentials(email=DEMO_EMAIL, password=DEMO_PASSWORD, api_key=key)
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class ConnectedStore:
    store_id: str
    marketplace: str
    name: str
    channel_id: str
    warning: str | None


def sandbox_destinations(stores: list[dict[str, Any]]) -> list[str]:
    """The exact `host:port`s the demo's channels connect to (the sandbox's HTTP API and its mail
    ports): what the demo adds to HOURGLASS_OUTBOUND_ALLOWED, and nothing wider."""
    from urllib.parse import urlsplit

    found: set[str] = set()
    for store in stores:
        endpoints = store.get("endpoints") or {}
        if endpoints.get("http_base"):
            url = urlsplit(str(endpoints["http_base"]))
            found.add(f"{url.hostname}:{url.port or (443 if url.scheme == 'https' else 80)}")
        for kind in ("imap", "smtp"):
            mail = endpoints.get(kind) or {}
            if mail.get("host") and mail.get("port"):
                found.add(f"{mail['host']}:{mail['port']}")
    return sorted(found)


def demo_outbound_allowed(stores: list[dict[str, Any]]) -> list[str]:
    """The configured allow-list plus the sandbox's own destinations."""
    configured = get_settings().outbound_allowed
    return [*configured, *(d for d in sandbox_destinations(stores) if d not in configured)]


async def connect_sandbox(database_url: str, stores: list[dict[str, Any]]) -> list[ConnectedStore]:
    """One channel per sandbox store in the demo organization, checked with a real call to the
    sandbox (as onboarding does, through the outbound policy with the sandbox's `host:port`s
    allowed), updated in place on later runs (matched by the store id)."""
    from api.kit.crypto import CredentialCipher
    from api.kit.outbound import OutboundPolicy
    from api.sync import onboarding
    from hourglass.sandbox_profiles import sandbox_channel

    settings = get_settings()
    outbound = OutboundPolicy(demo_outbound_allowed(stores))
    cipher = CredentialCipher(settings.secret_key.get_secret_value())
    engine = create_engine(database_url, settings, pool_size=1)
    connected = []
    try:
        async with create_sessionmaker(engine).begin() as session:
            org = await auth_repository.org_by_slug(session, DEMO_SLUG)
            assert org is not None, "seed_demo first"
            team = (await session.execute(select(Team).where(Team.organization_id == org.id))).scalars().first()
            for store in stores:
                marketplace = str(store["marketplace"])
                body = sandbox_channel(store, push=marketplace in PUSH_MARKETPLACES)
                checked = await onboarding.check(
                    marketplace, body["settings"], body["credentials"], verify=True, outbound=outbound
                )
                assert checked is not None
                channel = (
                    (
                        await session.execute(
                            select(Channel).where(
                                Channel.organization_id == org.id,
                                Channel.marketplace == marketplace,
                                Channel.external_account_id == body["external_account_id"],
                            )
                        )
                    )
                    .scalars()
                    .first()
                )
                if channel is None:
                    channel = Channel(
                        organization_id=org.id,
                        marketplace=marketplace,
                        external_account_id=body["external_account_id"],
                        default_team_id=team.id if team else None,
                        sync_cursor={},
                    )
                    session.add(channel)
                channel.name = body["name"]
                channel.region = body["region"]
                channel.settings = body["settings"]
                channel.credentials_encrypted = cipher.encrypt(checked.credentials)
                channel.status, channel.disabled_at = "active", None
                channel.last_sync_error = checked.warning
                channel.last_sync_error_at = utc_now() if checked.warning else None
                # Poll at once (the sandbox's mail ports may have changed since the last run); fresh,
                # checked credentials end any wait for a reconnect.
                kept = {k: v for k, v in (channel.sync_cursor or {}).items() if k != "reconnect"}
                channel.sync_cursor = {**kept, "next_poll_at": utc_now().isoformat()}
                await session.flush()
                connected.append(
                    ConnectedStore(str(store["id"]), marketplace, channel.name, str(channel.id), checked.warning)
                )
            await _use_sandbox_translator(session, org.id, stores, cipher)
        return connected
    finally:
        await engine.dispose()


async def _use_sandbox_translator(
    session: AsyncSession, org_id: uuid.UUID, stores: list[dict[str, Any]], cipher: CredentialCipher
) -> None:
    """The demo translates through the sandbox's DeepL stand-in (its HTTP API, already allowed);
    marketplace names stay as written; Li Na reads buyer messages in Chinese automatically."""
    from api.models import GlossaryTerm, TranslationPreference, TranslationSettings

    http = next((str(s["endpoints"]["http_base"]) for s in stores if (s.get("endpoints") or {}).get("http_base")), None)
    if http is None:
        return
    row = await session.get(TranslationSettings, org_id)
    if row is None:
        row = TranslationSettings(organization_id=org_id, monthly_character_budget=2_000_000)
        session.add(row)
    row.provider, row.base_url, row.model = "deepl", http.rstrip("/"), None
    row.key_encrypted = cipher.encrypt({"key": "sbx-demo"})
    existing = set(
        (await session.execute(select(GlossaryTerm.term).where(GlossaryTerm.organization_id == org_id))).scalars()
    )
    for term in ("Walmart", "Amazon", "eBay", "Shopee", "TikTok Shop"):
        if term not in existing:
            session.add(GlossaryTerm(organization_id=org_id, term=term))
    li_na = await auth_repository.user_by_email(session, org_id, "li.na@hourglass.local")
    if li_na is not None and await session.get(TranslationPreference, li_na.id) is None:
        session.add(
            TranslationPreference(organization_id=org_id, user_id=li_na.id, language="zh-CN", auto_translate=True)
        )
    await session.flush()


# -- the sandbox side of the demo (over its admin API: the product never imports the sandbox) --------

WELCOME = {
    "amazon": ("Hi, my order hasn't arrived yet and the tracking hasn't moved for 3 days. Can you check?", True),
    "walmart": ("Hello, I ordered last week. When will it ship? I need it before the weekend.", True),
    "ebay": ("Hi! Is this still available, and do you ship to Canada?", False),
    "shopee": ("您好，请问这个有其他颜色吗？什么时候发货？", False),
    "tiktok": ("Does this come with a charger in the box?", False),
}


async def wait_for(url: str, seconds: float = 30.0) -> None:
    import asyncio

    import httpx

    async with httpx.AsyncClient(timeout=2, trust_env=False) as client:
        for _ in range(int(seconds / 0.2)):
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def demo_connect_apps(stores: list[dict[str, Any]], sandbox_url: str) -> dict[str, dict[str, str]]:
    """HOURGLASS_CONNECT_APPS for the demo: the sandbox's first eBay, Shopee, TikTok and Amazon stores stand
    in for this deployment's apps at those marketplaces (in the sandbox each store is also its app),
    with every URL pointing at the sandbox, so "Connect store" goes through their consent pages."""
    apps: dict[str, dict[str, str]] = {}
    for store in stores:
        marketplace, creds = str(store["marketplace"]), store.get("credentials") or {}
        if marketplace in apps:
            continue
        base = str((store.get("endpoints") or {}).get("http_base") or sandbox_url).rstrip("/")
        if marketplace == "ebay":
            apps["ebay"] = {
                "client_id": str(creds["client_id"]),
                "client_secret": str(creds["client_secret"]),
                "ru_name": str(creds["ru_name"]),
                "authorize_url": f"{base}/oauth2/authorize",
                "base_url": base,
            }
        elif marketplace == "shopee":
            apps["shopee"] = {
                "partner_id": str(creds["partner_id"]),
                "partner_key": str(creds["partner_key"]),
                "base_url": base,
            }
        elif marketplace == "amazon":
            apps["amazon"] = {
                "application_id": str(creds["application_id"]),
                "lwa_client_id": str(creds["lwa_client_id"]),
                "lwa_client_secret": str(creds["lwa_client_secret"]),
                "authorize_url": f"{base}/apps/authorize/consent",
                "auth_base_url": base,
                "base_url": base,
            }
        elif marketplace == "tiktok":
            apps["tiktok"] = {
                "app_key": str(creds["app_key"]),
                "app_secret": str(creds["app_secret"]),
                "service_id": str(creds["service_id"]),
                "authorize_url": f"{base}/open/authorize",
                "auth_base_url": base,
                "base_url": base,
            }
    return apps


async def register_sandbox_redirects(sandbox_url: str, stores: list[dict[str, Any]], public_url: str) -> None:
    """Register the demo API's consent callbacks with the sandbox apps, as a developer registers the
    RuName's accept URL at eBay and the redirect URL in TikTok's Partner Center (Shopee takes the
    redirect in the authorization link itself)."""
    import httpx

    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10, trust_env=False) as client:
        for store in stores:
            if store["marketplace"] in ("ebay", "tiktok", "amazon"):
                target = f"{public_url.rstrip('/')}/v1/channels/connect/{store['marketplace']}/callback"
                response = await client.patch(f"/_sandbox/stores/{store['id']}", json={"redirect_uri": target})
                response.raise_for_status()


async def sandbox_stores(sandbox_url: str) -> list[dict[str, Any]]:
    import httpx

    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10, trust_env=False) as client:
        return list((await client.get("/_sandbox/stores")).json()["stores"])


async def start_sandbox_traffic(
    sandbox_url: str, api_url: str, api_key: str, connected: list[ConnectedStore], rate_per_min: float
) -> int:
    """Point the pushing stores at Hourglass, push the order catalogue as the ERP would (PUT
    /v1/orders), send one buyer message per store so every marketplace shows up at once, then start
    the traffic. Returns the number of orders pushed."""
    import asyncio

    import httpx

    from hourglass.sandbox_profiles import sandbox_order

    by_store = {c.store_id: c for c in connected}
    async with (
        httpx.AsyncClient(base_url=sandbox_url, timeout=10, trust_env=False) as sandbox,
        httpx.AsyncClient(
            base_url=api_url, timeout=30, trust_env=False, headers={"Authorization": f"Bearer {api_key}"}
        ) as api,
    ):
        for store in connected:
            if store.marketplace in PUSH_MARKETPLACES:
                target = f"{api_url}/v1/hooks/{store.marketplace}/{store.channel_id}"
                (
                    await sandbox.patch(f"/_sandbox/stores/{store.store_id}", json={"push_target": target})
                ).raise_for_status()
        orders = (await sandbox.get("/_sandbox/orders")).json()["orders"]
        gate = asyncio.Semaphore(8)

        async def put(order: dict[str, Any]) -> None:
            store = by_store.get(str(order.get("store_id")))
            order_id, body = sandbox_order(order, store.channel_id if store else None)
            async with gate:
                (await api.put(f"/v1/orders/{order_id}", json=body)).raise_for_status()

        await asyncio.gather(*(put(o) for o in orders))
        await _returning_buyer(sandbox, api, connected, orders)
        for store in connected:
            text, with_order = WELCOME.get(store.marketplace, ("Hello!", False))
            request: dict[str, Any] = {"body": text, "category": "where_is_my_order" if with_order else "pre_sale"}
            if with_order:
                mine = [o for o in orders if o.get("store_id") == store.store_id and o.get("status") == "Shipped"]
                if mine:
                    request["order_id"] = mine[0]["order_id"]
            await sandbox.post(f"/_sandbox/stores/{store.store_id}/messages", json=request)
        if rate_per_min > 0:
            await sandbox.post("/_sandbox/traffic/start", json={"rate_per_min": rate_per_min})
        return len(orders)


# One buyer who bought on eBay and on Shopee; the ERP knows her by one email, so her two marketplace
# identities become one customer profile with both conversations and orders (api/customer/service.py).
RETURNING_BUYER = {"name": "Emily", "full_name": "Emily Chen", "handle": "emily.chen88"}
RETURNING_BUYER_EMAIL = "emily.chen88@example.com"
RETURNING_BUYER_MESSAGES = {
    "ebay": "Hi, I ordered again from your Shopee shop too. Has this eBay order shipped yet?",
    "shopee": "你好，我在eBay上也买过你们的东西。这个订单什么时候发货？",
}


async def _returning_buyer(
    sandbox: Any, api: Any, connected: list[ConnectedStore], orders: list[dict[str, Any]]
) -> None:
    from hourglass.sandbox_profiles import sandbox_order

    picked = []
    for marketplace in ("ebay", "shopee"):
        store = next((c for c in connected if c.marketplace == marketplace), None)
        order = next(
            (o for o in orders if store and o.get("store_id") == store.store_id and o.get("status") == "Shipped"),
            None,
        )
        if store is None or order is None:
            return
        picked.append((store, order))
    for store, order in picked:
        injected = await sandbox.post(
            f"/_sandbox/stores/{store.store_id}/messages",
            json={
                "body": RETURNING_BUYER_MESSAGES[store.marketplace],
                "category": "where_is_my_order",
                "order_id": order["order_id"],
                "buyer": RETURNING_BUYER,
                "language": "zh" if store.marketplace == "shopee" else "en",
            },
        )
        injected.raise_for_status()
        buyer = injected.json()["buyer"]
        # The identity each marketplace's messages carry: eBay user names, Shopee numeric user ids.
        external_id = buyer["handle"] if store.marketplace == "ebay" else str(buyer["user_id"])
        order_id, body = sandbox_order(order, store.channel_id)
        body["buyer"] = {
            "external_id": external_id,
            "name": RETURNING_BUYER["full_name"],
            "email": RETURNING_BUYER_EMAIL,
        }
        (await api.put(f"/v1/orders/{order_id}", json=body)).raise_for_status()


async def pause_sandbox_channels(database_url: str) -> int:
    """`hourglass demo --no-sandbox`: the demo's sandbox channels would only fail to connect, so they
    are disabled (the next run with the sandbox enables them again)."""
    engine = create_engine(database_url, get_settings(), pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            org = await auth_repository.org_by_slug(session, DEMO_SLUG)
            if org is None:
                return 0
            result = await session.execute(
                update(Channel)
                .where(
                    Channel.organization_id == org.id,
                    Channel.marketplace != "api",
                    Channel.status == "active",
                    Channel.settings["base_url"].astext.like("http://127.0.0.1:%"),
                )
                .values(status="disabled", disabled_at=utc_now())
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def seed_history(database_url: str) -> int:
    """A week of backfilled history on every demo store (hourglass/demo_history.py), folded into the
    rollups at once so the dashboard shows the week on first load."""
    from api.reports import rollup
    from hourglass.demo_history import backfill

    settings = get_settings()
    engine = create_engine(database_url, settings, pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            org = await auth_repository.org_by_slug(session, DEMO_SLUG)
            assert org is not None, "seed_demo first"
            added = await backfill(session, org.id, ["li.na@hourglass.local", "carlos@hourglass.local"])
        while True:
            async with create_sessionmaker(engine).begin() as session:
                if await rollup.fold(session) < rollup.FOLD_BATCH:
                    break
        return added
    finally:
        await engine.dispose()
