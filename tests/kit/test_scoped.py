"""The organization-scoped statement builders, pure: every statement they build carries the tenant's
condition (whatever is added to it afterwards), a model without `organization_id` is refused when the
statement is built, and nothing can be built without a principal or an organization id."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError

from api.auth.principal import Principal
from api.kit.scoped import (
    TENANT_PARAMETER,
    UnscopedModel,
    get_scoped,
    organization_of,
    readable,
    readable_columns,
    scoped_delete,
    scoped_update,
    tenant_parameter,
)
from api.models import ApiKey, IdempotencyRecord, Notification, Organization, TeamMember

ORG = uuid.UUID("11111111-1111-4111-8111-111111111111")
OTHER = uuid.UUID("22222222-2222-4222-8222-222222222222")
PRINCIPAL = Principal(organization_id=ORG, scopes=frozenset({"settings:read"}))


def _sql(stmt: Any) -> tuple[str, dict[str, Any]]:
    compiled = stmt.compile()
    return str(compiled), dict(compiled.params)


def _tenant_params(params: dict[str, Any]) -> list[Any]:
    return [v for k, v in params.items() if k.startswith("organization_id")]


@pytest.mark.parametrize("who", [PRINCIPAL, ORG], ids=["principal", "organization id"])
def test_readable_selects_only_the_tenants_rows(who: Any) -> None:
    sql, params = _sql(readable(Notification, who))
    assert "WHERE notifications.organization_id = :organization_id_1" in sql
    assert _tenant_params(params) == [ORG]


def test_conditions_added_later_keep_the_tenant_condition() -> None:
    stmt = readable(ApiKey, PRINCIPAL).where(ApiKey.name == "erp").order_by(ApiKey.created_at).limit(5)
    sql, params = _sql(stmt)
    assert "api_keys.organization_id = :organization_id_1 AND api_keys.name = :name_1" in sql
    assert _tenant_params(params) == [ORG]


def test_readable_columns_scopes_by_the_models_tenant_column() -> None:
    sql, params = _sql(readable_columns(TeamMember, OTHER, TeamMember.user_id))
    assert sql.startswith("SELECT team_members.user_id \nFROM team_members")
    assert "WHERE team_members.organization_id = :organization_id_1" in sql
    assert _tenant_params(params) == [OTHER]


def test_readable_columns_needs_a_column() -> None:
    with pytest.raises(TypeError):
        readable_columns(TeamMember, ORG)


def test_scoped_update_and_delete_touch_only_the_tenants_rows() -> None:
    update_sql, update_params = _sql(scoped_update(Notification, PRINCIPAL).values(title="x"))
    assert update_sql.startswith("UPDATE notifications SET")
    assert "WHERE notifications.organization_id = :organization_id_1" in update_sql
    assert _tenant_params(update_params) == [ORG]
    delete_sql, delete_params = _sql(scoped_delete(TeamMember, ORG).where(TeamMember.team_id == OTHER))
    assert delete_sql.startswith("DELETE FROM team_members WHERE team_members.organization_id = :organization_id_1")
    assert _tenant_params(delete_params) == [ORG]


@pytest.mark.parametrize("model", [Organization, IdempotencyRecord, object], ids=lambda m: m.__name__)
@pytest.mark.parametrize("build", [readable, scoped_update, scoped_delete], ids=lambda b: b.__name__)
def test_a_model_without_organization_id_is_refused(model: Any, build: Any) -> None:
    with pytest.raises(UnscopedModel, match="no organization_id"):
        build(model, PRINCIPAL)


@pytest.mark.parametrize("who", [None, "11111111-1111-4111-8111-111111111111", 0])
def test_no_statement_without_a_principal_or_an_organization_id(who: Any) -> None:
    with pytest.raises(TypeError):
        readable(Notification, who)
    with pytest.raises(TypeError):
        organization_of(who)


class _IdentityMap:
    """Stands in for `AsyncSession.get`: answers from a dict, as the identity map or the database would."""

    def __init__(self, *rows: Any) -> None:
        self.rows = {row.id: row for row in rows}
        self.asked: list[Any] = []

    async def get(self, model: Any, row_id: Any) -> Any:
        self.asked.append((model, row_id))
        return self.rows.get(row_id)

    async def execute(self, stmt: Any) -> Any:
        self.asked.append(stmt)
        raise AssertionError("a statement reached the database")


async def test_get_scoped_answers_none_for_another_organizations_row() -> None:
    own = Notification(id=uuid.uuid4(), organization_id=ORG)
    theirs = Notification(id=uuid.uuid4(), organization_id=OTHER)
    session: Any = _IdentityMap(own, theirs)
    assert await get_scoped(session, Notification, own.id, PRINCIPAL) is own
    assert await get_scoped(session, Notification, theirs.id, PRINCIPAL) is None
    assert await get_scoped(session, Notification, uuid.uuid4(), ORG) is None


async def test_get_scoped_refuses_before_asking_the_session() -> None:
    session: Any = _IdentityMap()
    with pytest.raises(UnscopedModel):
        await get_scoped(session, Organization, ORG, PRINCIPAL)
    with pytest.raises(TypeError):
        await get_scoped(session, Notification, ORG, None)  # type: ignore[arg-type]
    assert session.asked == []


async def test_a_repository_built_on_the_base_refuses_a_call_without_an_organization() -> None:
    from api.auth import repository as auth_repository
    from api.notification import repository as notification_repository

    session: Any = _IdentityMap()  # never reached: the statement is refused while it is built
    with pytest.raises(TypeError):
        await auth_repository.api_keys(session, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await notification_repository.list_for(session, None, uuid.uuid4(), unread=False, limit=5)  # type: ignore[arg-type]
    assert session.asked == []


def test_a_parameter_scoped_statement_cannot_run_without_the_organization() -> None:
    """`tenant_parameter`: statements built once (the inbox list) name the organization as a required
    bound parameter; compiling them for execution without it fails instead of reading every tenant."""
    stmt = select(Notification.id).where(tenant_parameter(Notification))
    sql = str(stmt.compile())
    assert f"notifications.organization_id = :{TENANT_PARAMETER}" in sql
    assert stmt.compile(column_keys=[]).construct_params({TENANT_PARAMETER: ORG})[TENANT_PARAMETER] == ORG
    with pytest.raises(InvalidRequestError, match=TENANT_PARAMETER):
        stmt.compile().construct_params({})
    with pytest.raises(UnscopedModel):
        tenant_parameter(Organization)
