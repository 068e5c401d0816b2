"""The organization-scoped repository: no organization, no repository; every statement it builds
carries the organization (checked on the compiled SQL, no database needed)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql

from api.models import AutoReplyRule, SlaPolicy
from api.rules.repository import Scoped


def _sql(stmt: Any) -> str:
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize(
    "missing", [None, "", "6f1c2a44-3b9e-4d2a-9a51-0c7d3e8f1b20"], ids=["none", "empty", "uuid-as-text"]
)
def test_a_repository_cannot_be_made_without_an_organization_id(missing: Any) -> None:
    with pytest.raises(TypeError):
        Scoped(object(), SlaPolicy, missing)  # type: ignore[arg-type]


def test_every_statement_is_limited_to_the_organization() -> None:
    org = uuid.uuid4()
    rules = Scoped(object(), AutoReplyRule, org)  # type: ignore[arg-type]
    tenant = f"auto_reply_rules.organization_id = '{org}'"
    for stmt in (
        rules.select(),
        rules.select(AutoReplyRule.id),
        rules.update().values(is_active=False),
        rules.delete_where(),
    ):
        assert tenant in _sql(stmt)


def test_new_rows_belong_to_the_organization() -> None:
    added: list[Any] = []

    class Session:
        def add(self, row: Any) -> None:
            added.append(row)

    org = uuid.uuid4()
    row = Scoped(Session(), AutoReplyRule, org).add(name="x", position=1, actions=[])  # type: ignore[arg-type]
    assert row.organization_id == org and added == [row]
