from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import HTTPAuthorizationCredentials

from api import audit
from api.auth import repository as auth_repository
from api.auth import service
from api.auth.dependencies import CurrentPrincipal, bearer, require, require_role
from api.auth.principal import SCOPES, Principal
from api.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    LoginRequest,
    LoginResponse,
    Me,
    PasswordChange,
    PreferencesUpdate,
    PresenceUpdate,
    TeamCreate,
    TeamRead,
    TeamUpdate,
    UserCreate,
    UserRead,
    UserUpdate,
)
from api.auth.throttle import LoginThrottle
from api.db import SessionDep
from api.kit.crypto import verify_password
from api.kit.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    TooManyRequests,
    field_error,
    problem_responses,
)
from api.kit.time import utc_now
from api.models import Team, TeamMember
from api.sla import cache as sla_cache
from api.team import repository as team_repository
from api.user import repository as user_repository

router = APIRouter(tags=["auth"], responses=problem_responses(401, 403, 422, 429))
Admin = Annotated[Principal, Depends(require_role("admin"))]
SettingsReader = Annotated[Principal, Depends(require("settings:read"))]
SettingsWriter = Annotated[Principal, Depends(require("settings:write"))]


def _login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle | None = getattr(request.app.state, "login_throttle", None)
    if throttle is None:
        throttle = request.app.state.login_throttle = LoginThrottle(request.app.state.redis)
    return throttle


def _client_address(request: Request) -> str:
    # Behind a reverse proxy, run uvicorn with --proxy-headers (and --forwarded-allow-ips) so this is
    # the client's address, not the proxy's.
    return request.client.host if request.client else "unknown"


async def _throttled(request: Request, email: str) -> None:
    """Count a password attempt, or refuse it (429) while the account or address is blocked."""
    verdict = await _login_throttle(request).attempt(email, _client_address(request))
    if not verdict.allowed:
        raise TooManyRequests(
            f"Login refused: {verdict.reason}. Retry in {verdict.retry_after} s.",
            headers={"Retry-After": str(verdict.retry_after)},
        )


@router.post("/v1/auth/login", response_model=LoginResponse)
async def login(body: LoginRequest, request: Request, session: SessionDep) -> LoginResponse:
    """Exchange an agent's email and password for a session token (the SPA's credential).

    Failed logins are throttled per account, per client address and per both, with growing delays:
    429 with `Retry-After` while blocked. If the address belongs to accounts in several organizations
    and the password opens more than one, name the organization's slug in `organization`."""
    await _throttled(request, body.email)
    ttl = timedelta(hours=request.app.state.settings.session_ttl_hours)
    try:
        token, expires_at, user = await service.login(session, body.email, body.password, ttl, body.organization)
    except InvalidInput:  # the password was right, for several organizations: not a failure
        await _login_throttle(request).succeeded(body.email, _client_address(request))
        raise
    await _login_throttle(request).succeeded(body.email, _client_address(request))
    return LoginResponse(token=token, expires_at=expires_at, user=UserRead.model_validate(user))


@router.post("/v1/auth/password", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(403))
async def change_my_password(
    body: PasswordChange, request: Request, session: SessionDep, principal: CurrentPrincipal
) -> None:
    """Change your own password. Every other session of yours ends; this one stays signed in.

    Wrong current passwords count as failed logins (a stolen session cannot guess it freely)."""
    if principal.user_id is None:
        raise InvalidInput("Only a user session has a password.", errors=field_error("authorization", "API key"))
    user = await user_repository.get(session, principal.organization_id, principal.user_id)
    await _throttled(request, user.email)
    if not await asyncio.to_thread(verify_password, user.password_hash, body.current_password):
        raise InvalidInput(
            "The current password is wrong.", errors=field_error("body.current_password", "wrong password")
        )
    await _login_throttle(request).succeeded(user.email, _client_address(request))
    await service.set_password(
        session, user, body.new_password, keep_session_id=principal.session_id, field="body.new_password"
    )
    audit.record(session, principal, principal.organization_id, "user.password_changed", "user", user.id)


@router.post("/v1/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    session: SessionDep,
    principal: CurrentPrincipal,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """End this session (its token stops working at once)."""
    if credentials and principal.user_id:
        await service.logout(session, credentials.credentials)


@router.get("/v1/auth/me", response_model=Me)
async def me(session: SessionDep, principal: CurrentPrincipal) -> Me:
    """Who this credential is, and its scopes."""
    user = (
        await user_repository.get(session, principal.organization_id, principal.user_id) if principal.user_id else None
    )
    return Me(
        organization_id=principal.organization_id,
        user=UserRead.model_validate(user) if user else None,
        api_key_id=principal.api_key_id,
        scopes=sorted(principal.scopes),
    )


@router.get("/v1/auth/scopes", response_model=dict[str, str])
async def list_scopes(principal: CurrentPrincipal) -> dict[str, str]:
    """The scopes an API key can carry, with what each allows."""
    return SCOPES


@router.get("/v1/api-keys", response_model=list[ApiKeyRead])
async def list_api_keys(session: SessionDep, principal: Admin) -> list[ApiKeyRead]:
    """The organization's API keys (prefixes only; secrets are never shown again)."""
    return [ApiKeyRead.model_validate(k) for k in await auth_repository.api_keys(session, principal)]


@router.post("/v1/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
async def create_api_key(body: ApiKeyCreate, session: SessionDep, principal: Admin) -> ApiKeyCreated:
    """Create an API key with the given scopes. The secret is in this response only."""
    api_key, secret = await service.create_api_key(
        session,
        principal.organization_id,
        body.name,
        body.scopes,
        created_by=principal,
        rate_limit_per_minute=body.rate_limit_per_minute,
    )
    return ApiKeyCreated.model_validate({**ApiKeyRead.model_validate(api_key).model_dump(), "key": secret})


@router.post("/v1/api-keys/{api_key_id}/revoke", response_model=ApiKeyRead, responses=problem_responses(404))
async def revoke_api_key(api_key_id: uuid.UUID, session: SessionDep, principal: Admin) -> ApiKeyRead:
    """Revoke a key; requests with it fail with 401 from now on."""
    key = await auth_repository.api_key(session, principal, api_key_id)
    if key is None:
        raise NotFound(f"No API key {api_key_id}.")
    await service.revoke_api_key(session, key, principal)
    return ApiKeyRead.model_validate(key)


@router.get("/v1/users", response_model=list[UserRead], tags=["users"])
async def list_users(session: SessionDep, principal: SettingsReader) -> list[UserRead]:
    """Everyone in the organization, with role, presence and capacity."""
    return [UserRead.model_validate(u) for u in await user_repository.list_all(session, principal.organization_id)]


@router.post(
    "/v1/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    tags=["users"],
    responses=problem_responses(409),
)
async def create_user(body: UserCreate, session: SessionDep, principal: Admin) -> UserRead:
    """Add an agent, supervisor or admin."""
    user = await service.create_user(
        session,
        principal.organization_id,
        email=body.email,
        name=body.name,
        password=body.password,
        role=body.role,
        capacity=body.capacity,
        locale=body.locale,
    )
    audit.record(session, principal, principal.organization_id, "user.created", "user", user.id, {"role": user.role})
    return UserRead.model_validate(user)


@router.patch("/v1/users/{user_id}", response_model=UserRead, tags=["users"], responses=problem_responses(404, 409))
async def update_user(user_id: uuid.UUID, body: UserUpdate, session: SessionDep, principal: Admin) -> UserRead:
    """Change a user's name, role, capacity, locale, password, or deactivate them.

    A new password ends every session of that user (but the caller's own, if they change their own)."""
    user = await user_repository.get(session, principal.organization_id, user_id)
    changes = body.model_dump(exclude_unset=True, exclude={"password"})
    if user.id == principal.user_id and (changes.get("is_active") is False or changes.get("role", "admin") != "admin"):
        raise Conflict("Admins cannot demote or deactivate themselves.")
    for field, value in changes.items():
        if value is not None:
            setattr(user, field, value)
    service.user_changed(session, user.id)  # a new role or deactivation counts from the next request
    if body.password:
        await service.set_password(
            session, user, body.password, keep_session_id=principal.session_id, field="body.password"
        )
    await session.flush()
    await session.refresh(user)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "user.updated",
        "user",
        user.id,
        {"fields": sorted(body.model_dump(exclude_unset=True))},
    )
    return UserRead.model_validate(user)


@router.put("/v1/users/me/status", response_model=UserRead, tags=["users"])
async def set_my_status(body: PresenceUpdate, session: SessionDep, principal: CurrentPrincipal) -> UserRead:
    """An agent sets their own presence: online, away or offline (assignment uses it)."""
    if principal.user_id is None:
        raise InvalidInput("Only a user session has a presence.", errors=field_error("authorization", "API key"))
    user = await user_repository.get(session, principal.organization_id, principal.user_id)
    user.status = body.status
    user.auto_status = False  # the agent's own choice: the shift/idle rule leaves it alone
    user.last_seen_at = utc_now()
    await session.flush()
    await session.refresh(user)
    audit.record(session, principal, principal.organization_id, "user.status", "user", user.id, {"status": body.status})
    return UserRead.model_validate(user)


@router.patch("/v1/users/me/preferences", response_model=UserRead, tags=["users"])
async def set_my_preferences(body: PreferencesUpdate, session: SessionDep, principal: CurrentPrincipal) -> UserRead:
    """A person's own working preferences (today: assign to me on reply)."""
    if principal.user_id is None:
        raise InvalidInput("Only a user session has preferences.", errors=field_error("authorization", "API key"))
    user = await user_repository.get(session, principal.organization_id, principal.user_id)
    changes = body.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(user, field, value)
    await session.flush()
    await session.refresh(user)
    audit.record(session, principal, principal.organization_id, "user.preferences", "user", user.id, changes)
    return UserRead.model_validate(user)


async def _team_read(session: SessionDep, principal: Principal, team: Team) -> TeamRead:
    members = await team_repository.members(session, principal.organization_id, [team.id])
    return TeamRead(
        id=team.id,
        name=team.name,
        member_ids=members[team.id],
        created_at=team.created_at,
        assignment_strategy=team.assignment_strategy,
        calendar_id=team.calendar_id,
    )


async def _set_members(session: SessionDep, principal: Principal, team: Team, member_ids: list[uuid.UUID]) -> None:
    for i, uid in enumerate(dict.fromkeys(member_ids)):
        await user_repository.get(session, principal.organization_id, uid, field=f"body.member_ids.{i}")
    await team_repository.clear_members(session, principal, team.id)
    session.add_all(
        TeamMember(organization_id=principal.organization_id, team_id=team.id, user_id=uid)
        for uid in dict.fromkeys(member_ids)
    )
    await session.flush()


@router.get("/v1/teams", response_model=list[TeamRead], tags=["teams"])
async def list_teams(session: SessionDep, principal: SettingsReader) -> list[TeamRead]:
    """Teams with their members."""
    teams = await team_repository.list_all(session, principal.organization_id)
    members = await team_repository.members(session, principal.organization_id, [t.id for t in teams])
    return [
        TeamRead(
            id=t.id,
            name=t.name,
            member_ids=members[t.id],
            created_at=t.created_at,
            assignment_strategy=t.assignment_strategy,
            calendar_id=t.calendar_id,
        )
        for t in teams
    ]


@router.post(
    "/v1/teams",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamRead,
    tags=["teams"],
    responses=problem_responses(409),
)
async def create_team(body: TeamCreate, session: SessionDep, principal: SettingsWriter) -> TeamRead:
    """Create a team (e.g. pre-sale specialists, supervisors)."""
    existing = [t for t in await team_repository.list_all(session, principal.organization_id) if t.name == body.name]
    if existing:
        raise Conflict(f"A team named {body.name!r} exists.", errors=field_error("body.name", "already used"))
    team = Team(id=uuid.uuid4(), organization_id=principal.organization_id, name=body.name)
    session.add(team)
    await session.flush()
    await session.refresh(team)
    await _set_members(session, principal, team, body.member_ids)
    audit.record(session, principal, principal.organization_id, "team.created", "team", team.id, {"name": team.name})
    return await _team_read(session, principal, team)


@router.patch("/v1/teams/{team_id}", response_model=TeamRead, tags=["teams"], responses=problem_responses(404, 409))
async def update_team(team_id: uuid.UUID, body: TeamUpdate, session: SessionDep, principal: SettingsWriter) -> TeamRead:
    """Rename a team or replace its members."""
    team = await team_repository.get(session, principal.organization_id, team_id)
    if body.name is not None and body.name != team.name:
        if any(t.name == body.name for t in await team_repository.list_all(session, principal.organization_id)):
            raise Conflict(f"A team named {body.name!r} exists.", errors=field_error("body.name", "already used"))
        team.name = body.name
    if body.assignment_strategy is not None:
        team.assignment_strategy = body.assignment_strategy
    if "calendar_id" in body.model_fields_set:
        if (
            body.calendar_id is not None
            and await team_repository.calendar(session, principal, body.calendar_id) is None
        ):
            raise InvalidInput("No such calendar.", errors=field_error("body.calendar_id", "not found"))
        team.calendar_id = body.calendar_id
        sla_cache.forget(principal.organization_id)
    if body.member_ids is not None:
        await _set_members(session, principal, team, body.member_ids)
    await session.flush()
    audit.record(session, principal, principal.organization_id, "team.updated", "team", team.id)
    return await _team_read(session, principal, team)
