"""Machine translation: an organization's provider settings, glossary, cache and monthly usage, and
each agent's language preference."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

PROVIDERS = ("deepl", "google", "libretranslate", "openai")


class TranslationSettings(Base):
    """One row per organization; no row means translation is not configured."""

    __tablename__ = "translation_settings"
    __table_args__ = (CheckConstraint(enum_check("provider", PROVIDERS), name="provider"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    base_url: Mapped[str] = mapped_column(String(500))
    # The model for OpenAI-compatible endpoints; the Google Cloud project id for Google.
    model: Mapped[str | None] = mapped_column(String(200))
    # Encrypted like channel credentials (api/kit/crypto.py): {"key": "..."}.
    key_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    monthly_character_budget: Mapped[int] = mapped_column(BigInteger, server_default="500000")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class GlossaryTerm(IdMixin, TenantMixin, TimestampMixin, Base):
    """A term the provider must not translate; `translation` set = always rendered that way."""

    __tablename__ = "translation_glossary"
    __table_args__ = (
        Index("uq_translation_glossary_org_term", "organization_id", func.lower(text("term")), unique=True),
    )

    term: Mapped[str] = mapped_column(String(200))
    translation: Mapped[str | None] = mapped_column(String(200))


class TranslationCacheEntry(IdMixin, TenantMixin, TimestampMixin, Base):
    """Per organization: the glossary shapes the result, and one tenant's texts never answer another's."""

    __tablename__ = "translation_cache"
    __table_args__ = (
        UniqueConstraint(
            "organization_id",
            "provider",
            "source_language",
            "target_language",
            "text_hash",
            name="uq_translation_cache_key",
        ),
    )

    provider: Mapped[str] = mapped_column(String(20))
    source_language: Mapped[str] = mapped_column(String(10))
    target_language: Mapped[str] = mapped_column(String(10))
    # SHA-256 of the text and the glossary version it was translated under.
    text_hash: Mapped[str] = mapped_column(String(64))
    translated: Mapped[str] = mapped_column(Text)
    detected_language: Mapped[str | None] = mapped_column(String(10))
    hits: Mapped[int] = mapped_column(Integer, server_default="0")


class TranslationUsage(Base):
    """Characters sent to the provider per organization and calendar month (UTC)."""

    __tablename__ = "translation_usage"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    characters: Mapped[int] = mapped_column(BigInteger, server_default="0")
    requests: Mapped[int] = mapped_column(Integer, server_default="0")
    cache_hits: Mapped[int] = mapped_column(Integer, server_default="0")


class TranslationPreference(TenantMixin, Base):
    """An agent's reading language and whether buyer messages are translated into it automatically."""

    __tablename__ = "translation_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(10), server_default="zh-CN")
    auto_translate: Mapped[bool] = mapped_column(Boolean, server_default="false")


class TranslationRetry(IdMixin, TenantMixin, TimestampMixin, Base):
    """A message translation that failed for a reason time can fix (timeout, rate limit, garbage,
    provider down): the retry loop (workers/tasks/translation.py) asks again at `next_attempt_at`
    with back-off, and deletes the row once the translation is in the cache or it gives up."""

    __tablename__ = "translation_retries"
    __table_args__ = (
        UniqueConstraint("message_id", "target_language", name="uq_translation_retries_message_target"),
        Index("ix_translation_retries_due", "next_attempt_at"),
        Index("ix_translation_retries_organization_id", "organization_id"),
    )

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    target_language: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, server_default="1")
    next_attempt_at: Mapped[datetime] = mapped_column()
    last_failure: Mapped[str] = mapped_column(String(20))
