"""Translating texts for an organization: glossary protection, the PostgreSQL cache, the monthly
budget, and falling back to the original with a notice whenever the provider fails (never raising:
a translation problem must not block reading or replying). Never commits."""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass

import httpx

from api import audit
from api.auth.principal import Principal
from api.automation.language import detect_language
from api.compliance import service as compliance
from api.compliance.rules import Violation
from api.db import Session
from api.kit.crypto import CredentialCipher
from api.kit.errors import Conflict, InvalidInput, field_error
from api.kit.time import utc_now
from api.knowledge import repository as knowledge_repository
from api.knowledge import schemas as knowledge_schemas
from api.knowledge import service as knowledge
from api.message import repository as message_repository
from api.models import (
    Conversation,
    GlossaryTerm,
    KnowledgeVariant,
    Message,
    Template,
    TranslationPreference,
    TranslationRetry,
    TranslationSettings,
)
from api.order import repository as order_repository
from api.template import service as templates
from api.translation import glossary, repository, rules
from api.translation.providers import (
    ProviderConfig,
    ProviderFailure,
    adapter,
    base_language,
    call,
    canonical_language,
)
from api.translation.schemas import GlossaryTermCreate, PreferenceUpdate, SettingsUpdate

DEFAULT_READING_LANGUAGE = "zh-CN"
# Jinja variables and tags of a template are code, not text: protected like glossary terms.
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


@dataclass(frozen=True)
class Outcome:
    status: str
    text: str
    original: str
    source_language: str
    target_language: str
    provider: str | None
    notice: str | None = None
    retry_after_seconds: float | None = None
    # The provider failure's kind when status is "failed" (what the retry loop decides on).
    failure: str | None = None
    # The provider's own Retry-After, if it sent one (the retry loop's back-off never goes below it).
    provider_retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status in ("translated", "cached", "same_language")


def _fallback(status: str, text: str, source: str, target: str, provider: str | None, **extra: object) -> Outcome:
    kind = str(extra.pop("kind", "unavailable")) if status == "failed" else None
    notice = rules.NOTICES.get(kind or status)
    return Outcome(status, text, text, source, target, provider, notice, failure=kind, **extra)  # type: ignore[arg-type]


def _config(settings: TranslationSettings, cipher: CredentialCipher) -> ProviderConfig:
    key = cipher.decrypt(settings.key_encrypted).get("key") if settings.key_encrypted else None
    return ProviderConfig(settings.provider, settings.base_url, key, settings.model)


async def translate(
    session: Session,
    org: uuid.UUID,
    text: str,
    target: str,
    *,
    client: httpx.AsyncClient,
    cipher: CredentialCipher,
    source: str | None = None,
    protect_jinja: bool = False,
    deferred: tuple[str, float] | None = None,
) -> Outcome:
    """`deferred` = (failure kind, seconds): a retry of this text is already scheduled, so a cache
    miss answers with that failure's notice instead of asking the provider again before its time."""
    target = canonical_language(target)
    source = canonical_language(source or detect_language(text))
    settings = await repository.get_settings(session, org)
    if rules.same_language(source, target):
        return Outcome("same_language", text, text, source, target, settings.provider if settings else None)
    if settings is None:
        return _fallback("not_configured", text, source, target, None)
    terms = [glossary.Term(t.term, t.translation) for t in await repository.glossary(session, org)]
    text_hash = glossary.text_hash(text, glossary.version(terms))
    month = rules.month_of(utc_now())
    hit = await repository.cached(session, org, settings.provider, source, target, text_hash)
    if hit is not None:
        await repository.count_hit(session, org, hit.id, month)
        return Outcome("cached", hit.translated, text, source, target, settings.provider)
    if deferred is not None:
        return _fallback(
            "failed", text, source, target, settings.provider, kind=deferred[0], retry_after_seconds=deferred[1]
        )
    usage = await repository.usage(session, org, month)
    if not rules.within_budget(usage.characters if usage else 0, settings.monthly_character_budget, len(text)):
        return _fallback("budget_exhausted", text, source, target, settings.provider)
    if protect_jinja:
        terms = terms + [glossary.Term(m) for m in dict.fromkeys(_JINJA.findall(text))]
    protected = glossary.protect(text, terms)
    try:
        result = await call(adapter(_config(settings, cipher)), client, protected.text, source, target)
        try:
            translated = glossary.restore(result.text, protected)
        except glossary.PlaceholderLost as exc:
            raise ProviderFailure("garbage", str(exc)) from exc
    except ProviderFailure as failure:
        return _fallback(
            "failed",
            text,
            source,
            target,
            settings.provider,
            kind=failure.kind,
            retry_after_seconds=rules.retry_seconds(failure.kind, failure.retry_after),
            provider_retry_after=failure.retry_after,
        )
    await repository.add_usage(session, org, month, len(protected.text))
    await repository.store(
        session, org, settings.provider, source, target, text_hash, translated, result.detected_language
    )
    return Outcome("translated", translated, text, source, target, settings.provider)


async def translate_message(
    session: Session,
    message: Message,
    target: str,
    *,
    client: httpx.AsyncClient,
    cipher: CredentialCipher,
) -> Outcome:
    """A message for an agent to read. A failure that time can fix schedules a retry by the retry
    loop (with back-off); until it is due, reading again answers from the cache or with the same
    notice, so agents opening the thread do not hammer a provider that is rate-limiting us."""
    org = message.organization_id
    target = canonical_language(target)
    now = utc_now()
    pending = await repository.pending_retry(session, org, message.id, target)
    deferred = None
    if pending is not None and pending.next_attempt_at > now:
        deferred = (pending.last_failure, max(1.0, (pending.next_attempt_at - now).total_seconds()))
    outcome = await translate(session, org, message.body, target, client=client, cipher=cipher, deferred=deferred)
    if deferred is not None:
        return outcome
    if pending is not None:
        # Due now: this read was the attempt; the loop finds the row rescheduled or gone.
        delay = await _after_attempt(session, pending, outcome)
        return dataclasses.replace(outcome, retry_after_seconds=delay) if outcome.status == "failed" else outcome
    if outcome.status == "failed" and rules.should_retry(outcome.failure, 1):
        delay = rules.retry_delay(1, outcome.provider_retry_after)
        kind = outcome.failure or "unavailable"
        await repository.schedule_retry(session, org, message.id, target, kind, repository.at_after(now, delay))
        return dataclasses.replace(outcome, retry_after_seconds=delay)
    return outcome


async def _after_attempt(session: Session, retry: TranslationRetry, outcome: Outcome) -> float | None:
    """Book one more attempt of a scheduled retry: dropped once it succeeded or waiting cannot help
    (quota, key, budget) or it was tried often enough; else rescheduled with back-off. Returns the
    seconds until the next attempt, None when there is none."""
    if outcome.status != "failed" or not rules.should_retry(outcome.failure, retry.attempts + 1):
        await repository.drop_retry(session, retry.organization_id, retry.id)
        return None
    retry.attempts += 1
    retry.last_failure = outcome.failure or "unavailable"
    delay = rules.retry_delay(retry.attempts, outcome.provider_retry_after)
    retry.next_attempt_at = repository.at_after(utc_now(), delay)
    await session.flush()
    return delay


async def retry_due(session: Session, limit: int, *, client: httpx.AsyncClient, cipher: CredentialCipher) -> int:
    """The retry loop's step: try the due retries again. A success fills the cache (the agent's next
    read, which the SPA makes at `retry_after_seconds`, is a hit and the notice goes); a failure that
    time can still fix is rescheduled with back-off; anything else (quota, key, budget) is dropped,
    since waiting cannot help. Returns how many were tried."""
    retries = await repository.due_retries(session, utc_now(), limit)
    for retry in retries:
        # The row goes with its message (ON DELETE CASCADE), so the message is there.
        message = await message_repository.get(session, retry.organization_id, retry.message_id)
        outcome = await translate(
            session, retry.organization_id, message.body, retry.target_language, client=client, cipher=cipher
        )
        await _after_attempt(session, retry, outcome)
    return len(retries)


# -- settings, glossary, preference -----------------------------------------------------------------


async def configure(
    session: Session, principal: Principal, body: SettingsUpdate, cipher: CredentialCipher
) -> TranslationSettings:
    org = principal.organization_id
    settings = await repository.get_settings(session, org)
    if body.provider == "openai" and not body.model:
        raise InvalidInput("An OpenAI-compatible endpoint needs a model.", errors=field_error("body.model", "required"))
    if body.provider == "google" and not body.model:
        raise InvalidInput(
            "Google Cloud Translation needs the project id (in `model`).", errors=field_error("body.model", "required")
        )
    if settings is None:
        if body.key is None and body.provider != "libretranslate":
            raise InvalidInput("This provider needs a key.", errors=field_error("body.key", "required"))
        settings = TranslationSettings(organization_id=org)
        session.add(settings)
    elif body.key is None and settings.provider != body.provider and body.provider != "libretranslate":
        # Another provider's key is never sent to this one.
        raise InvalidInput("Changing provider needs that provider's key.", errors=field_error("body.key", "required"))
    if body.key is not None:
        settings.key_encrypted = cipher.encrypt({"key": body.key})
    elif settings.provider is not None and settings.provider != body.provider:
        settings.key_encrypted = None
    settings.provider = body.provider
    settings.base_url = body.base_url
    settings.model = body.model
    settings.monthly_character_budget = body.monthly_character_budget
    await session.flush()
    await session.refresh(settings)
    # A new key or provider may be what the waiting retries needed.
    await repository.retry_now(session, org, utc_now())
    audit.record(
        session,
        principal,
        org,
        "translation.configured",
        "organization",
        org,
        {"provider": body.provider, "key_changed": body.key is not None},
    )
    return settings


async def add_term(session: Session, principal: Principal, body: GlossaryTermCreate) -> GlossaryTerm:
    org = principal.organization_id
    if await repository.term_exists(session, org, body.term):
        raise Conflict("That term is already in the glossary.", errors=field_error("body.term", "already exists"))
    term = GlossaryTerm(organization_id=org, term=body.term, translation=body.translation)
    session.add(term)
    await session.flush()
    await session.refresh(term)
    audit.record(session, principal, org, "translation.glossary_added", "glossary_term", term.id, {"term": body.term})
    return term


async def remove_term(session: Session, principal: Principal, term_id: uuid.UUID) -> None:
    await repository.delete_term(session, principal.organization_id, term_id)
    audit.record(
        session, principal, principal.organization_id, "translation.glossary_removed", "glossary_term", term_id, {}
    )


def _user(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise InvalidInput("Only a user has a language preference.", errors=field_error("authorization", "API key"))
    return principal.user_id


async def preference(session: Session, principal: Principal) -> tuple[str, bool]:
    if principal.user_id is None:
        return DEFAULT_READING_LANGUAGE, False
    row = await repository.preference(session, principal.organization_id, principal.user_id)
    return (row.language, row.auto_translate) if row else (DEFAULT_READING_LANGUAGE, False)


async def set_preference(session: Session, principal: Principal, body: PreferenceUpdate) -> TranslationPreference:
    user_id = _user(principal)
    row = await repository.preference(session, principal.organization_id, user_id)
    if row is None:
        row = TranslationPreference(organization_id=principal.organization_id, user_id=user_id)
        session.add(row)
    row.language = canonical_language(body.language)
    row.auto_translate = body.auto_translate
    await session.flush()
    return row


# -- what gets translated ---------------------------------------------------------------------------


async def buyer_language(session: Session, conversation: Conversation) -> str:
    locale = None
    if conversation.order_id:
        order = await order_repository.get(session, conversation.organization_id, conversation.order_id)
        locale = order.buyer_locale if order is not None else None
    last = await message_repository.latest_buyer_body(session, conversation.organization_id, conversation.id)
    return rules.buyer_language(conversation.marketplace, locale, detect_language(last) if last else None)


async def translate_draft(
    session: Session,
    conversation: Conversation,
    text: str,
    target: str | None,
    *,
    client: httpx.AsyncClient,
    cipher: CredentialCipher,
) -> tuple[Outcome, list[Violation]]:
    """The draft in the buyer's language, and the linter's verdict on that text (the one sent)."""
    language = target or await buyer_language(session, conversation)
    outcome = await translate(session, conversation.organization_id, text, language, client=client, cipher=cipher)
    violations = await compliance.lint_for_conversation(session, conversation, outcome.text)
    return outcome, violations


async def translate_template(
    session: Session,
    principal: Principal,
    template_id: uuid.UUID,
    target: str,
    *,
    client: httpx.AsyncClient,
    cipher: CredentialCipher,
) -> Template:
    """A machine-translated copy of a template, inactive until someone reviews and enables it."""
    org = principal.organization_id
    source = await templates.get(session, org, template_id)
    target = canonical_language(target)
    outcome = await translate(
        session, org, source.body, target, client=client, cipher=cipher, source=source.language, protect_jinja=True
    )
    # Templates name their language by its base code (`zh`, as the library filters them).
    target = base_language(target)
    if outcome.status not in ("translated", "cached"):
        raise Conflict(
            outcome.notice or "The template could not be translated.", errors=field_error("body.target", outcome.status)
        )
    name = f"{source.name} [{target}]"[:200]
    if await repository.template_named(session, org, name, target):
        raise Conflict(
            f"A template named {name!r} in {target} exists already; review or rename it first.",
            errors=field_error("body.target", "draft exists"),
        )
    draft = Template(
        organization_id=org,
        name=name,
        category=source.category,
        language=target,
        body=outcome.text,
        is_active=False,
    )
    session.add(draft)
    await session.flush()
    await session.refresh(draft)
    audit.record(
        session,
        principal,
        org,
        "template.translated",
        "template",
        draft.id,
        {"from_template_id": str(source.id), "target": target},
    )
    return draft


async def translate_article(
    session: Session,
    principal: Principal,
    article_id: uuid.UUID,
    target: str,
    *,
    client: httpx.AsyncClient,
    cipher: CredentialCipher,
) -> KnowledgeVariant:
    """A machine-translated variant of a knowledge article (from its default language), saved as a
    draft: buyers, suggestions and search see it only once a person has reviewed and published it.
    Glossary terms and template variables are kept as written."""
    org = principal.organization_id
    article = await knowledge_repository.get_article(session, org, article_id)
    source = await knowledge_repository.variant(session, org, article.id, article.default_language)
    if source is None:  # the default language always has a variant (api/knowledge/service.py)
        raise Conflict(
            "The article has no text in its default language.", errors=field_error("body.target", "no source")
        )
    if await knowledge_repository.variant(session, org, article.id, target) is not None:
        raise Conflict(
            f"The article has a {target} variant already; edit it instead.",
            errors=field_error("body.target", "variant exists"),
        )
    texts = []
    for text in (source.title, source.body):
        outcome = await translate(
            session, org, text, target, client=client, cipher=cipher, source=source.language, protect_jinja=True
        )
        if outcome.status not in ("translated", "cached"):
            raise Conflict(
                outcome.notice or "The article could not be translated.",
                errors=field_error("body.target", outcome.status),
            )
        texts.append(outcome.text)
    # Bounded as a person's variant is (a translation can be longer than its original).
    title, body = texts[0][:300], texts[1][: knowledge_schemas.MAX_BODY]
    variant = await knowledge.add_draft_variant(session, principal, article, target, title, body)
    audit.record(
        session,
        principal,
        org,
        "knowledge.translated",
        "knowledge_article",
        article.id,
        {"from": source.language, "target": target},
    )
    return variant
