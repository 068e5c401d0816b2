"""All SQL of the translation domain; every statement is scoped by organization."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import tenant_condition
from api.models import (
    GlossaryTerm,
    Template,
    TranslationCacheEntry,
    TranslationPreference,
    TranslationRetry,
    TranslationSettings,
    TranslationUsage,
)


async def get_settings(session: AsyncSession, org: uuid.UUID) -> TranslationSettings | None:
    return await session.get(TranslationSettings, org)


async def glossary(session: AsyncSession, org: uuid.UUID) -> list[GlossaryTerm]:
    rows = await session.execute(
        select(GlossaryTerm).where(tenant_condition(GlossaryTerm, org)).order_by(func.lower(GlossaryTerm.term))
    )
    return list(rows.scalars())


async def term_exists(session: AsyncSession, org: uuid.UUID, term: str) -> bool:
    query = select(GlossaryTerm.id).where(
        tenant_condition(GlossaryTerm, org), func.lower(GlossaryTerm.term) == term.lower()
    )
    return (await session.execute(query)).first() is not None


async def delete_term(session: AsyncSession, org: uuid.UUID, term_id: uuid.UUID) -> None:
    result = await session.execute(
        delete(GlossaryTerm).where(tenant_condition(GlossaryTerm, org), GlossaryTerm.id == term_id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("No such glossary term.")


async def cached(
    session: AsyncSession, org: uuid.UUID, provider: str, source: str, target: str, text_hash: str
) -> TranslationCacheEntry | None:
    query = select(TranslationCacheEntry).where(
        tenant_condition(TranslationCacheEntry, org),
        TranslationCacheEntry.provider == provider,
        TranslationCacheEntry.source_language == source,
        TranslationCacheEntry.target_language == target,
        TranslationCacheEntry.text_hash == text_hash,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def count_hit(session: AsyncSession, org: uuid.UUID, entry_id: uuid.UUID, month: date) -> None:
    await session.execute(
        update(TranslationCacheEntry)
        .where(tenant_condition(TranslationCacheEntry, org), TranslationCacheEntry.id == entry_id)
        .values(hits=TranslationCacheEntry.hits + 1)
    )
    await _add_usage(session, org, month, characters=0, requests=0, hits=1)


async def store(
    session: AsyncSession,
    org: uuid.UUID,
    provider: str,
    source: str,
    target: str,
    text_hash: str,
    translated: str,
    detected: str | None,
) -> None:
    # Two agents opening the same message at once both translate it; the second write is a no-op.
    await session.execute(
        insert(TranslationCacheEntry)
        .values(
            id=uuid.uuid4(),
            organization_id=org,
            provider=provider,
            source_language=source,
            target_language=target,
            text_hash=text_hash,
            translated=translated,
            detected_language=detected,
        )
        .on_conflict_do_nothing(constraint="uq_translation_cache_key")
    )


async def usage(session: AsyncSession, org: uuid.UUID, month: date) -> TranslationUsage | None:
    query = select(TranslationUsage).where(tenant_condition(TranslationUsage, org), TranslationUsage.month == month)
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()


async def add_usage(session: AsyncSession, org: uuid.UUID, month: date, characters: int) -> None:
    await _add_usage(session, org, month, characters=characters, requests=1, hits=0)


async def _add_usage(
    session: AsyncSession, org: uuid.UUID, month: date, *, characters: int, requests: int, hits: int
) -> None:
    statement = insert(TranslationUsage).values(
        organization_id=org, month=month, characters=characters, requests=requests, cache_hits=hits
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["organization_id", "month"],
            set_={
                "characters": TranslationUsage.characters + statement.excluded.characters,
                "requests": TranslationUsage.requests + statement.excluded.requests,
                "cache_hits": TranslationUsage.cache_hits + statement.excluded.cache_hits,
            },
        )
    )


async def preference(session: AsyncSession, org: uuid.UUID, user_id: uuid.UUID) -> TranslationPreference | None:
    query = select(TranslationPreference).where(
        tenant_condition(TranslationPreference, org), TranslationPreference.user_id == user_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def template_named(session: AsyncSession, org: uuid.UUID, name: str, language: str) -> bool:
    query = select(Template.id).where(
        tenant_condition(Template, org), Template.name == name, Template.language == language
    )
    return (await session.execute(query)).first() is not None


# -- retries (the retry loop's work, workers/tasks/translation.py) ----------------------------------

RETRY_CHANNEL = "hourglass_translation_retries"


async def pending_retry(
    session: AsyncSession, org: uuid.UUID, message_id: uuid.UUID, target: str
) -> TranslationRetry | None:
    query = select(TranslationRetry).where(
        tenant_condition(TranslationRetry, org),
        TranslationRetry.message_id == message_id,
        TranslationRetry.target_language == target,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def schedule_retry(
    session: AsyncSession, org: uuid.UUID, message_id: uuid.UUID, target: str, kind: str, at: datetime
) -> None:
    """First failure of this message's translation: the loop takes it from here. Two agents failing
    at once schedule it once; the loop's own bookkeeping is `reschedule`."""
    await session.execute(
        insert(TranslationRetry)
        .values(
            id=uuid.uuid4(),
            organization_id=org,
            message_id=message_id,
            target_language=target,
            attempts=1,
            next_attempt_at=at,
            last_failure=kind,
        )
        .on_conflict_do_nothing(constraint="uq_translation_retries_message_target")
    )
    # Wakes the loop at commit (it sleeps until the next due retry otherwise).
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": RETRY_CHANNEL})


async def due_retries(session: AsyncSession, now: datetime, limit: int) -> list[TranslationRetry]:
    """Due retries of every organization (the loop's view), locked: a second worker skips them."""
    query = (
        select(TranslationRetry)
        .where(TranslationRetry.next_attempt_at <= now)
        .order_by(TranslationRetry.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars())


async def next_retry(session: AsyncSession) -> datetime | None:
    return (await session.execute(select(func.min(TranslationRetry.next_attempt_at)))).scalar_one_or_none()


async def drop_retry(session: AsyncSession, org: uuid.UUID, retry_id: uuid.UUID) -> None:
    await session.execute(
        delete(TranslationRetry).where(tenant_condition(TranslationRetry, org), TranslationRetry.id == retry_id)
    )


async def retry_now(session: AsyncSession, org: uuid.UUID, now: datetime) -> None:
    """The settings changed (a new key, another provider): what waits is worth trying at once."""
    await session.execute(
        update(TranslationRetry)
        .where(tenant_condition(TranslationRetry, org), TranslationRetry.next_attempt_at > now)
        .values(next_attempt_at=now)
    )
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": RETRY_CHANNEL})


def at_after(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)
