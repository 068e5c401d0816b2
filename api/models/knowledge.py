"""The knowledge base: articles, their language variants and versions, the public help sites, and
what buyers and agents did with the articles (views, deflections, insertions)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

ARTICLE_STATUSES = ("draft", "published", "archived")
# views / answered / question_sent come from the public help page; inserted / sent from the composer.
KNOWLEDGE_EVENT_KINDS = ("view", "answered", "question_sent", "inserted", "sent")


class KnowledgeArticle(IdMixin, TenantMixin, TimestampMixin, Base):
    """One answer, in one or more languages. Empty scope arrays mean "everywhere"."""

    __tablename__ = "knowledge_articles"
    __table_args__ = (
        CheckConstraint(enum_check("status", ARTICLE_STATUSES), name="status"),
        UniqueConstraint("organization_id", "key"),
        Index("ix_knowledge_articles_org_status", "organization_id", "status"),
    )

    # A stable name (e.g. "where-is-my-order"): what Markdown import matches on.
    key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), server_default="draft")
    default_language: Mapped[str] = mapped_column(String(10), server_default="en")
    marketplaces: Mapped[list[str]] = mapped_column(ARRAY(String(20)), server_default="{}")
    channel_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(PG_UUID(as_uuid=True)), server_default="{}")
    skus: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")
    categories: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default="{}")
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    published_at: Mapped[datetime | None] = mapped_column()
    # Running totals (the per-day history is in knowledge_events); ranking reads these.
    view_count: Mapped[int] = mapped_column(Integer, server_default="0")
    answered_count: Mapped[int] = mapped_column(Integer, server_default="0")
    question_count: Mapped[int] = mapped_column(Integer, server_default="0")
    inserted_count: Mapped[int] = mapped_column(Integer, server_default="0")
    sent_count: Mapped[int] = mapped_column(Integer, server_default="0")


class KnowledgeVariant(IdMixin, TenantMixin, Base):
    """An article in one language: title and Markdown body (which may use template variables)."""

    __tablename__ = "knowledge_variants"
    __table_args__ = (
        UniqueConstraint("article_id", "language"),
        Index("ix_knowledge_variants_search", "search_vector", postgresql_using="gin"),
        Index("ix_knowledge_variants_organization_id", "organization_id"),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    # A machine translation waiting for a person's review: never shown to buyers, suggested to agents
    # or found by search until someone publishes it (api/translation/service.py translate_article).
    draft: Mapped[bool] = mapped_column(Boolean, server_default="false")
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    # api.kit.search tokens of title, tags and body (CJK bigrams), as conversation search.
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR, deferred=True)


class KnowledgeVersion(IdMixin, TenantMixin, TimestampMixin, Base):
    """Every saved text of a variant, with who saved it."""

    __tablename__ = "knowledge_versions"
    __table_args__ = (UniqueConstraint("article_id", "language", "version"),)

    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), server_default="")


class HelpSite(IdMixin, TenantMixin, TimestampMixin, Base):
    """The public help page of one store: /help/{slug}. Questions sent through it arrive on
    `intake_channel_id`, an `api` channel."""

    __tablename__ = "help_sites"
    __table_args__ = (UniqueConstraint("slug"), Index("ix_help_sites_organization_id", "organization_id"))

    slug: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    intake_channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    default_language: Mapped[str] = mapped_column(String(10), server_default="en")
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")


class KnowledgeEvent(IdMixin, TenantMixin, TimestampMixin, Base):
    """One view, deflection, question, insertion or sent reply, for the dashboard's periods."""

    __tablename__ = "knowledge_events"
    __table_args__ = (
        CheckConstraint(enum_check("kind", KNOWLEDGE_EVENT_KINDS), name="kind"),
        Index("ix_knowledge_events_org_created", "organization_id", "created_at"),
    )

    kind: Mapped[str] = mapped_column(String(20))
    article_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("knowledge_articles.id", ondelete="SET NULL"), index=True
    )
    help_site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("help_sites.id", ondelete="SET NULL"))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
