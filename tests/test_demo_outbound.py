"""The demo allow-lists exactly its sandbox's `host:port`s (HTTP, IMAP, SMTP), nothing wider, and
its channels still connect through the outbound policy."""

from __future__ import annotations

from urllib.parse import urlsplit

from api.kit.outbound import parse_allow_entry
from hourglass.demo import connect_sandbox, demo_outbound_allowed, sandbox_destinations, seed_demo
from sandbox import Sandbox
from sandbox.admin import store_json
from tests.connectors.helpers import sandbox_config


async def test_the_demo_allows_exactly_its_sandbox_and_its_channels_connect(database_url):
    async with Sandbox(sandbox_config()) as sb:
        stores = [store_json(sb.state, store) for store in sb.state.stores.values()]
        http = urlsplit(sb.http_url)
        expected = sorted({f"{http.hostname}:{http.port}", f"127.0.0.1:{sb.imap_port}", f"127.0.0.1:{sb.smtp_port}"})
        assert sandbox_destinations(stores) == expected
        # Exact pairs only: no network, so no other port of the machine is reachable.
        assert all(isinstance(parse_allow_entry(e), tuple) for e in demo_outbound_allowed(stores))
        await seed_demo(database_url)
        connected = await connect_sandbox(database_url, stores)
    assert {c.marketplace for c in connected} == {"ebay", "shopee", "tiktok", "amazon", "walmart"}
    assert [c.warning for c in connected] == [None] * len(connected)


async def test_the_demo_translates_through_the_sandbox_stand_in(database_url):
    """Li Na reads a Spanish buyer in Chinese through the real DeepL adapter and the sandbox."""
    from api.config import get_settings
    from api.db import create_engine, create_sessionmaker
    from api.kit.crypto import CredentialCipher
    from api.kit.outbound import OutboundPolicy, outbound_client
    from api.models import Organization
    from api.translation import service as translation

    settings = get_settings()
    async with Sandbox(sandbox_config()) as sb:
        stores = [store_json(sb.state, store) for store in sb.state.stores.values()]
        await seed_demo(database_url)
        await connect_sandbox(database_url, stores)
        await connect_sandbox(database_url, stores)  # idempotent
        engine = create_engine(database_url, settings, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                from sqlalchemy import select

                org = (await session.execute(select(Organization).where(Organization.slug == "demo"))).scalar_one()
                async with outbound_client(OutboundPolicy(demo_outbound_allowed(stores))) as client:
                    out = await translation.translate(
                        session,
                        org.id,
                        "Hola, buen día. ¿Dónde está?",
                        "zh-CN",
                        client=client,
                        cipher=CredentialCipher(settings.secret_key.get_secret_value()),
                    )
        finally:
            await engine.dispose()
    assert out.status in ("translated", "cached") and out.text == "你好，日安。包裹在哪里？"
