"""What users read cites no document outside the product: no requirement numbers (R7), no internal
files (marketplaces.md, PRODUCT.md, seeds/). The marketplaces' own policies may be named."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from api.compliance.rules import MARKETPLACES, rules_for
from api.models import SlaPolicy
from api.sla.catalog import BUILTINS, RESPONSE_RATE_THRESHOLDS

MIGRATION = next((Path(__file__).parents[2] / "migrations" / "versions").glob("*_0010_h16triage.py"))
INTERNAL = re.compile(r"\bR\d{1,2}\b|\.md\b|PRODUCT|seeds?/|shared/|reference/|\[(?:doc|spec|3p)\]")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_policies_rules_and_thresholds_cite_only_marketplaces():
    texts = [b.source for b in BUILTINS] + [b.name for b in BUILTINS]
    texts += [why for _, why in RESPONSE_RATE_THRESHOLDS.values()]
    texts += [t for m in MARKETPLACES for r in rules_for(m) for t in (r.source, r.description)]
    assert [t for t in texts if INTERNAL.search(t)] == []


async def test_the_api_documentation_cites_no_internal_document(app):
    assert [s[:80] for s in _strings(app.openapi()) if INTERNAL.search(s)] == []


async def test_the_migration_rewrites_existing_policy_sources(tenant, sessionmaker):
    await tenant.admin.get("/v1/sla/policies")  # materialises the built-ins
    old = {
        "walmart": "Walmart Customer Care Policy: '...'; auto-replies do not qualify (marketplaces.md §2, §6).",
        "shopee": "Shopee Chat Response Rate ... are excluded (marketplaces.md §4, third-party sources).",
        "amazon": "Seller Central 202152030/200549770: 'Respond ...' (marketplaces.md §1).",
    }
    async with sessionmaker.begin() as s:
        for key, source in old.items():
            await s.execute(text("UPDATE sla_policies SET source = :s WHERE builtin_key = :k"), {"s": source, "k": key})
    path = MIGRATION
    spec = importlib.util.spec_from_file_location("m0010", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    async with sessionmaker.begin() as s:
        for statement in module.SOURCES:
            await s.execute(text(statement))
    async with sessionmaker() as s:
        rows = dict((await s.execute(select(SlaPolicy.builtin_key, SlaPolicy.source))).all())
    assert rows["walmart"] == "Walmart Customer Care Policy: '...'; auto-replies do not qualify."
    assert rows["shopee"] == "Shopee Chat Response Rate ... are excluded (third-party sources)."
    assert rows["amazon"] == "Amazon Seller Central: 'Respond ...'."
    assert [k for k, v in rows.items() if INTERNAL.search(v)] == []
