from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Query, Request, Response, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.compliance.schemas import ViolationRead
from api.conversation import repository as conversation_repository
from api.db import SessionDep
from api.kit.crypto import CredentialCipher
from api.kit.errors import problem_responses
from api.kit.outbound import outbound_client, policy_for
from api.kit.time import utc_now
from api.knowledge import repository as knowledge_repository
from api.knowledge import service as knowledge
from api.knowledge.schemas import ArticleRead
from api.message import repository as message_repository
from api.models import TranslationSettings
from api.template.schemas import TemplateRead
from api.translation import repository, rules, service
from api.translation.schemas import (
    LANGUAGE_PATTERN,
    ArticleTranslationRequest,
    DraftTranslationRead,
    DraftTranslationRequest,
    GlossaryTermCreate,
    GlossaryTermRead,
    PreferenceRead,
    PreferenceUpdate,
    SettingsRead,
    SettingsUpdate,
    TemplateTranslationRequest,
    TranslationRead,
)

router = APIRouter(tags=["translation"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("conversations:read"))]
Writer = Annotated[Principal, Depends(require("conversations:write"))]
Admin = Annotated[Principal, Depends(require("settings:write"))]
# Provider calls are bounded: a slow provider means the original with a notice, not a stuck reply.
PROVIDER_TIMEOUT_SECONDS = 10.0


async def _client(request: Request) -> AsyncIterator[httpx.AsyncClient]:
    # Provider hosts are set by users: every request goes through the outbound policy.
    async with outbound_client(
        policy_for(request.app.state.settings.outbound_allowed), timeout=PROVIDER_TIMEOUT_SECONDS
    ) as client:
        yield client


ClientDep = Annotated[httpx.AsyncClient, Depends(_client)]


def _cipher(request: Request) -> CredentialCipher:
    cipher: CredentialCipher = request.app.state.cipher
    return cipher


CipherDep = Annotated[CredentialCipher, Depends(_cipher)]


async def _settings_read(session: SessionDep, org: uuid.UUID, settings: TranslationSettings | None) -> SettingsRead:
    month = rules.month_of(utc_now())
    usage = await repository.usage(session, org, month)
    used = usage.characters if usage else 0
    budget = settings.monthly_character_budget if settings else 0
    return SettingsRead(
        configured=settings is not None,
        provider=settings.provider if settings else None,  # type: ignore[arg-type]
        base_url=settings.base_url if settings else None,
        model=settings.model if settings else None,
        has_key=bool(settings and settings.key_encrypted),
        monthly_character_budget=budget,
        month=month,
        characters_used=used,
        requests=usage.requests if usage else 0,
        cache_hits=usage.cache_hits if usage else 0,
        budget_exhausted=settings is not None and used >= budget,
    )


@router.get("/v1/translation/settings", response_model=SettingsRead)
async def get_settings(session: SessionDep, principal: Reader) -> SettingsRead:
    """The organization's translation provider (never its key) and this month's usage against the
    budget. Every agent may read it: the composer says when the budget is used up."""
    org = principal.organization_id
    return await _settings_read(session, org, await repository.get_settings(session, org))


@router.put("/v1/translation/settings", response_model=SettingsRead)
async def put_settings(body: SettingsUpdate, session: SessionDep, principal: Admin, cipher: CipherDep) -> SettingsRead:
    """Choose the provider (DeepL, Google Cloud Translation v3, LibreTranslate or an OpenAI-compatible
    chat endpoint such as vLLM or Ollama), its base URL, key and monthly character budget. The key is
    stored encrypted and never returned; omit it to keep the stored one."""
    settings = await service.configure(session, principal, body, cipher)
    return await _settings_read(session, principal.organization_id, settings)


@router.get("/v1/translation/glossary", response_model=list[GlossaryTermRead])
async def list_glossary(session: SessionDep, principal: Reader) -> list[GlossaryTermRead]:
    """Terms no provider may translate (product and store names), or must render one fixed way."""
    return [GlossaryTermRead.model_validate(t) for t in await repository.glossary(session, principal.organization_id)]


@router.post(
    "/v1/translation/glossary",
    response_model=GlossaryTermRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def add_glossary_term(body: GlossaryTermCreate, session: SessionDep, principal: Admin) -> GlossaryTermRead:
    """Add a term (case-insensitive, unique). It applies to every provider from the next translation on."""
    return GlossaryTermRead.model_validate(await service.add_term(session, principal, body))


@router.delete(
    "/v1/translation/glossary/{term_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
async def delete_glossary_term(term_id: uuid.UUID, session: SessionDep, principal: Admin) -> Response:
    """Remove a term."""
    await service.remove_term(session, principal, term_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/v1/translation/preference", response_model=PreferenceRead)
async def get_preference(session: SessionDep, principal: Reader) -> PreferenceRead:
    """The signed-in agent's reading language and whether buyer messages are translated automatically."""
    language, auto = await service.preference(session, principal)
    return PreferenceRead(language=language, auto_translate=auto)


@router.put("/v1/translation/preference", response_model=PreferenceRead)
async def put_preference(body: PreferenceUpdate, session: SessionDep, principal: Reader) -> PreferenceRead:
    """Set the signed-in agent's reading language and automatic translation on or off."""
    row = await service.set_preference(session, principal, body)
    return PreferenceRead(language=row.language, auto_translate=row.auto_translate)


def _read(outcome: service.Outcome) -> TranslationRead:
    return TranslationRead.model_validate(outcome, from_attributes=True)


async def _target(session: SessionDep, principal: Principal, target: str | None) -> str:
    return target or (await service.preference(session, principal))[0]


TargetQuery = Annotated[
    str | None,
    Query(pattern=LANGUAGE_PATTERN, max_length=10, description="Default: the agent's reading language"),
]


@router.get("/v1/messages/{message_id}/translation", response_model=TranslationRead, responses=problem_responses(404))
async def get_message_translation(
    message_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    client: ClientDep,
    cipher: CipherDep,
    target: TargetQuery = None,
) -> TranslationRead:
    """A message in the target language. Cached per (provider, languages, text and glossary): asking
    again costs nothing. When there is no translation (`status` other than `translated`, `cached`
    or `same_language`) `text` is the original and `notice` says why. A failure that time can fix
    (timeout, rate limit, garbage, provider down) is retried in the background with back-off;
    `retry_after_seconds` says when asking again may find the translation. Never an error for a
    provider's failure."""
    message = await message_repository.get(session, principal.organization_id, message_id)
    outcome = await service.translate_message(
        session, message, await _target(session, principal, target), client=client, cipher=cipher
    )
    return _read(outcome)


@router.post("/v1/messages/{message_id}/translation", response_model=TranslationRead, responses=problem_responses(404))
async def translate_message(
    message_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    client: ClientDep,
    cipher: CipherDep,
    target: TargetQuery = None,
) -> TranslationRead:
    """The same as GET, for clients that prefer POST for a call that may reach a paid provider."""
    return await get_message_translation(message_id, session, principal, client, cipher, target)


@router.post(
    "/v1/conversations/{conversation_id}/translate-draft",
    response_model=DraftTranslationRead,
    responses=problem_responses(404),
)
async def translate_draft(
    conversation_id: uuid.UUID,
    body: DraftTranslationRequest,
    session: SessionDep,
    principal: Writer,
    client: ClientDep,
    cipher: CipherDep,
) -> DraftTranslationRead:
    """Translate what the agent wrote into the buyer's language (English on Walmart, whose rules
    require it; else the order's locale or the language the buyer wrote in) and lint the
    translation, which is the text that will be sent. Nothing is stored: send the (possibly edited)
    translation as the reply's `body` and what the agent wrote as its `original_text`."""
    conversation = await conversation_repository.get(session, principal.organization_id, conversation_id)
    outcome, violations = await service.translate_draft(
        session, conversation, body.text, body.target, client=client, cipher=cipher
    )
    return DraftTranslationRead(
        **_read(outcome).model_dump(),
        violations=[ViolationRead.model_validate(v, from_attributes=True) for v in violations],
    )


@router.post(
    "/v1/templates/{template_id}/translate",
    response_model=TemplateRead,
    status_code=status.HTTP_201_CREATED,
    tags=["templates"],
    responses=problem_responses(404, 409),
)
async def translate_template(
    template_id: uuid.UUID,
    body: TemplateTranslationRequest,
    session: SessionDep,
    principal: Admin,
    client: ClientDep,
    cipher: CipherDep,
) -> TemplateRead:
    """Machine-translate a template into a new, inactive template in the target language, for review
    before it is enabled. Jinja variables and glossary terms are kept as written. 409 when the
    translation service cannot translate it now (the notice says why)."""
    draft = await service.translate_template(session, principal, template_id, body.target, client=client, cipher=cipher)
    return TemplateRead.model_validate(draft)


@router.post(
    "/v1/knowledge/articles/{article_id}/translate",
    response_model=ArticleRead,
    status_code=status.HTTP_201_CREATED,
    tags=["knowledge"],
    responses=problem_responses(404, 409),
)
async def translate_article(
    article_id: uuid.UUID,
    body: ArticleTranslationRequest,
    session: SessionDep,
    principal: Admin,
    client: ClientDep,
    cipher: CipherDep,
) -> ArticleRead:
    """Machine-translate a knowledge article (its default language's title and body) into a draft
    variant in the target language, for review: buyers, suggestions and search do not see it until
    it is published (`POST .../variants/{language}/publish`). Glossary terms and template variables
    are kept as written. 409 when the article has that language already, or when the translation
    service cannot translate it now (the notice says why)."""
    await service.translate_article(session, principal, article_id, body.target, client=client, cipher=cipher)
    article = await knowledge_repository.get_article(session, principal.organization_id, article_id)
    return await knowledge.read(session, principal.organization_id, article)
