"""All SQL of the knowledge base; every statement is scoped to the caller's organization."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import readable, tenant_condition
from api.kit.search import index_document, to_tsquery_text
from api.knowledge.markdown import searchable_text
from api.models import (
    Channel,
    Conversation,
    HelpSite,
    KnowledgeArticle,
    KnowledgeEvent,
    KnowledgeVariant,
    KnowledgeVersion,
    Message,
    OrderItem,
    Template,
)

COUNTERS = {
    "view": KnowledgeArticle.view_count,
    "answered": KnowledgeArticle.answered_count,
    "question_sent": KnowledgeArticle.question_count,
    "inserted": KnowledgeArticle.inserted_count,
    "sent": KnowledgeArticle.sent_count,
}


def search_document(title: str, tags: list[str], body: str) -> str:
    return index_document(title, " ".join(tags), searchable_text(body))


async def get_article(session: AsyncSession, organization_id: uuid.UUID, article_id: uuid.UUID) -> KnowledgeArticle:
    row = (
        await session.execute(readable(KnowledgeArticle, organization_id).where(KnowledgeArticle.id == article_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No article {article_id}.")
    return row


async def article_by_key(session: AsyncSession, organization_id: uuid.UUID, key: str) -> KnowledgeArticle | None:
    return (
        await session.execute(readable(KnowledgeArticle, organization_id).where(KnowledgeArticle.key == key))
    ).scalar_one_or_none()


async def variants_of(
    session: AsyncSession, organization_id: uuid.UUID, article_ids: list[uuid.UUID], *, drafts: bool = False
) -> list[KnowledgeVariant]:
    """The articles' variants; machine-translated drafts only with `drafts` (the editor): buyers,
    suggestions and exports never see a text nobody reviewed."""
    if not article_ids:
        return []
    stmt = select(KnowledgeVariant).where(
        tenant_condition(KnowledgeVariant, organization_id), KnowledgeVariant.article_id.in_(article_ids)
    )
    if not drafts:
        stmt = stmt.where(KnowledgeVariant.draft.is_(False))
    rows = await session.execute(stmt.order_by(KnowledgeVariant.article_id, KnowledgeVariant.language))
    return list(rows.scalars())


async def variant(
    session: AsyncSession, organization_id: uuid.UUID, article_id: uuid.UUID, language: str
) -> KnowledgeVariant | None:
    return (
        await session.execute(
            select(KnowledgeVariant).where(
                tenant_condition(KnowledgeVariant, organization_id),
                KnowledgeVariant.article_id == article_id,
                KnowledgeVariant.language == language,
            )
        )
    ).scalar_one_or_none()


async def refresh_search(session: AsyncSession, organization_id: uuid.UUID, article: KnowledgeArticle) -> None:
    """Re-index every variant of the article (its tags are part of each variant's document)."""
    for v in await variants_of(session, organization_id, [article.id], drafts=True):
        await session.execute(
            update(KnowledgeVariant)
            .where(KnowledgeVariant.id == v.id, tenant_condition(KnowledgeVariant, organization_id))
            .values(search_vector=func.to_tsvector("simple", search_document(v.title, article.tags, v.body)))
        )


def add_version(
    session: AsyncSession,
    organization_id: uuid.UUID,
    v: KnowledgeVariant,
    author_id: uuid.UUID | None,
    author_name: str,
) -> None:
    session.add(
        KnowledgeVersion(
            organization_id=organization_id,
            article_id=v.article_id,
            language=v.language,
            version=v.version,
            title=v.title,
            body=v.body,
            author_id=author_id,
            author_name=author_name[:200],
        )
    )


async def versions(
    session: AsyncSession, organization_id: uuid.UUID, article_id: uuid.UUID, language: str | None
) -> list[KnowledgeVersion]:
    stmt = select(KnowledgeVersion).where(
        tenant_condition(KnowledgeVersion, organization_id), KnowledgeVersion.article_id == article_id
    )
    if language:
        stmt = stmt.where(KnowledgeVersion.language == language)
    rows = await session.execute(
        stmt.order_by(KnowledgeVersion.created_at.desc(), KnowledgeVersion.version.desc()).limit(200)
    )
    return list(rows.scalars())


def _filters(
    organization_id: uuid.UUID,
    *,
    status: str | None,
    tag: str | None,
    category: str | None,
) -> list[Any]:
    where: list[Any] = [tenant_condition(KnowledgeArticle, organization_id)]
    if status:
        where.append(KnowledgeArticle.status == status)
    if tag:
        where.append(KnowledgeArticle.tags.contains([tag]))
    if category:
        where.append(KnowledgeArticle.categories.contains([category]))
    return where


async def list_articles(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    status: str | None = None,
    tag: str | None = None,
    category: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[KnowledgeArticle]:
    stmt = (
        select(KnowledgeArticle)
        .where(*_filters(organization_id, status=status, tag=tag, category=category))
        .order_by(KnowledgeArticle.updated_at.desc(), KnowledgeArticle.id)
        .limit(limit)
        .offset(offset)
    )
    return list((await session.execute(stmt)).scalars())


def _scope(marketplace: str | None, channel_id: uuid.UUID | None) -> list[Any]:
    """An article scoped to marketplaces or stores only shows where it applies."""
    where: list[Any] = []
    if marketplace is not None:
        where.append(
            or_(
                KnowledgeArticle.marketplaces == literal_column("'{}'::varchar[]"),
                KnowledgeArticle.marketplaces.contains([marketplace]),
            )
        )
    if channel_id is not None:
        where.append(
            or_(
                KnowledgeArticle.channel_ids == literal_column("'{}'::uuid[]"),
                KnowledgeArticle.channel_ids.contains([channel_id]),
            )
        )
    return where


async def search(
    session: AsyncSession,
    organization_id: uuid.UUID,
    terms: list[str],
    *,
    any_term: bool,
    status: str | None = None,
    tag: str | None = None,
    category: str | None = None,
    marketplace: str | None = None,
    channel_id: uuid.UUID | None = None,
    limit: int = 50,
) -> list[tuple[uuid.UUID, float]]:
    """Article ids whose variants match, best first (by `ts_rank` of the best-matching variant).
    `any_term`: OR of the terms (suggestions, a buyer's whole message), else AND (a search box)."""
    if not terms:
        return []
    query = to_tsquery_text(terms)
    if any_term:
        query = query.replace(" & ", " | ")
    tsquery = func.to_tsquery("simple", query)
    rank = func.max(func.ts_rank(KnowledgeVariant.search_vector, tsquery)).label("rank")
    stmt = (
        select(KnowledgeVariant.article_id, rank)
        .join(
            KnowledgeArticle,
            and_(
                KnowledgeArticle.id == KnowledgeVariant.article_id, tenant_condition(KnowledgeArticle, organization_id)
            ),
        )
        .where(
            tenant_condition(KnowledgeVariant, organization_id),
            KnowledgeVariant.draft.is_(False),
            KnowledgeVariant.search_vector.op("@@")(tsquery),
            *_filters(organization_id, status=status, tag=tag, category=category),
            *_scope(marketplace, channel_id),
        )
        .group_by(KnowledgeVariant.article_id)
        .order_by(text("rank DESC"), KnowledgeVariant.article_id)
        .limit(limit)
    )
    return [(row.article_id, float(row.rank)) for row in await session.execute(stmt)]


async def term_document_counts(
    session: AsyncSession, organization_id: uuid.UUID, terms: list[str]
) -> tuple[dict[str, int], int]:
    """How many of the organization's article variants hold each term, and how many variants there
    are, in one statement (each count is a GIN index scan)."""
    holding = [
        select(func.count())
        .select_from(KnowledgeVariant)
        .where(
            tenant_condition(KnowledgeVariant, organization_id),
            KnowledgeVariant.search_vector.op("@@")(func.to_tsquery("simple", to_tsquery_text([term]))),
        )
        .scalar_subquery()
        .label(f"t{i}")
        for i, term in enumerate(terms)
    ]
    total = (
        select(func.count())
        .select_from(KnowledgeVariant)
        .where(tenant_condition(KnowledgeVariant, organization_id))
        .scalar_subquery()
    )
    row = (await session.execute(select(total.label("total"), *holding))).one()
    return {term: int(row[i + 1]) for i, term in enumerate(terms)}, int(row[0])


async def facts_matches(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    categories: list[str],
    skus: list[str],
    marketplace: str | None,
    channel_id: uuid.UUID | None,
    limit: int = 20,
) -> list[uuid.UUID]:
    """Published articles for the conversation's category or products, whatever the words."""
    facts = []
    if categories:
        facts.append(KnowledgeArticle.categories.overlap(categories))
    if skus:
        facts.append(KnowledgeArticle.skus.overlap(skus))
    if not facts:
        return []
    stmt = (
        select(KnowledgeArticle.id)
        .where(
            tenant_condition(KnowledgeArticle, organization_id),
            KnowledgeArticle.status == "published",
            or_(*facts),
            *_scope(marketplace, channel_id),
        )
        .order_by(KnowledgeArticle.sent_count.desc(), KnowledgeArticle.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def articles_by_ids(
    session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID]
) -> list[KnowledgeArticle]:
    if not ids:
        return []
    rows = await session.execute(
        select(KnowledgeArticle).where(
            tenant_condition(KnowledgeArticle, organization_id), KnowledgeArticle.id.in_(ids)
        )
    )
    return list(rows.scalars())


async def templates_for(
    session: AsyncSession, organization_id: uuid.UUID, languages: list[str], limit: int = 300
) -> list[Template]:
    rows = await session.execute(
        select(Template)
        .where(
            tenant_condition(Template, organization_id),
            Template.is_active.is_(True),
            Template.language.in_(languages),
        )
        .order_by(Template.usage_count.desc(), Template.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def count_event(
    session: AsyncSession,
    organization_id: uuid.UUID,
    kind: str,
    article_ids: list[uuid.UUID],
    *,
    help_site_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
) -> None:
    """One event row per article (or one without an article) and the article's running total."""
    targets: list[uuid.UUID | None] = list(article_ids) or [None]
    for article_id in targets:
        session.add(
            KnowledgeEvent(
                organization_id=organization_id,
                kind=kind,
                article_id=article_id,
                help_site_id=help_site_id,
                conversation_id=conversation_id,
            )
        )
    if article_ids:
        counter = COUNTERS[kind]
        await session.execute(
            update(KnowledgeArticle)
            .where(tenant_condition(KnowledgeArticle, organization_id), KnowledgeArticle.id.in_(article_ids))
            .values({counter.key: counter + 1})
            .execution_options(synchronize_session=False)
        )


async def deflection(
    session: AsyncSession, organization_id: uuid.UUID, since: datetime
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Counts per kind since `since`, and the articles with the most help-page activity."""
    totals = {
        row.kind: int(row.n)
        for row in await session.execute(
            select(KnowledgeEvent.kind, func.count().label("n"))
            .where(tenant_condition(KnowledgeEvent, organization_id), KnowledgeEvent.created_at >= since)
            .group_by(KnowledgeEvent.kind)
        )
    }
    views = func.count().filter(KnowledgeEvent.kind == "view")
    answered = func.count().filter(KnowledgeEvent.kind == "answered")
    questions = func.count().filter(KnowledgeEvent.kind == "question_sent")
    top = await session.execute(
        select(
            KnowledgeEvent.article_id, views.label("views"), answered.label("answered"), questions.label("questions")
        )
        .where(
            tenant_condition(KnowledgeEvent, organization_id),
            KnowledgeEvent.created_at >= since,
            KnowledgeEvent.article_id.is_not(None),
            KnowledgeEvent.kind.in_(("view", "answered", "question_sent")),
        )
        .group_by(KnowledgeEvent.article_id)
        .order_by(answered.desc(), views.desc(), KnowledgeEvent.article_id)
        .limit(10)
    )
    return totals, [dict(row._mapping) for row in top]


# -- help sites ----------------------------------------------------------------------------------------


async def help_sites(session: AsyncSession, organization_id: uuid.UUID) -> list[HelpSite]:
    rows = await session.execute(readable(HelpSite, organization_id).order_by(HelpSite.created_at))
    return list(rows.scalars())


async def help_site(session: AsyncSession, organization_id: uuid.UUID, site_id: uuid.UUID) -> HelpSite:
    row = (
        await session.execute(readable(HelpSite, organization_id).where(HelpSite.id == site_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No help site {site_id}.")
    return row


async def public_site(session: AsyncSession, slug: str) -> tuple[HelpSite, Channel] | None:
    """The enabled help site at /help/{slug}, with its store: the one lookup not scoped by an
    organization, because the public page has no caller; everything after it is scoped to the
    site's organization."""
    row = (
        await session.execute(
            select(HelpSite, Channel)
            .join(Channel, and_(Channel.id == HelpSite.channel_id, Channel.organization_id == HelpSite.organization_id))
            .where(HelpSite.slug == slug, HelpSite.enabled.is_(True))
        )
    ).one_or_none()
    return (row[0], row[1]) if row else None


async def channel(session: AsyncSession, organization_id: uuid.UUID, channel_id: uuid.UUID) -> Channel | None:
    return (
        await session.execute(readable(Channel, organization_id).where(Channel.id == channel_id))
    ).scalar_one_or_none()


# -- what a conversation tells the ranker ------------------------------------------------------------


async def recent_buyer_text(
    session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID, messages: int = 3
) -> list[str]:
    """The bodies of the buyer's latest messages, newest first (index ix_messages_conversation)."""
    rows = await session.execute(
        select(func.left(Message.body, 2000))
        .where(
            tenant_condition(Message, organization_id),
            Message.conversation_id == conversation_id,
            Message.direction == "inbound",
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(messages)
    )
    return list(rows.scalars())


async def order_skus(session: AsyncSession, organization_id: uuid.UUID, order_id: uuid.UUID) -> list[str]:
    rows = await session.execute(
        select(OrderItem.sku).where(
            tenant_condition(OrderItem, organization_id), OrderItem.order_id == order_id, OrderItem.sku.is_not(None)
        )
    )
    return [s for s in rows.scalars() if s]


# -- top questions -------------------------------------------------------------------------------------


async def buyer_questions(
    session: AsyncSession,
    organization_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    marketplace: str | None,
    sku: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The buyers' own messages of [start, end), newest first: not automatic (a buyer's, not the
    marketplace's or ours), not "no response needed", not in a spam or platform-notice conversation.
    Each carries its conversation's marketplace, category and language and its order's first SKU."""
    first_sku = (
        select(OrderItem.sku)
        .where(
            tenant_condition(OrderItem, organization_id),
            OrderItem.order_id == Conversation.order_id,
            OrderItem.sku.is_not(None),
        )
        .order_by(OrderItem.position)
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(
            Message.id.label("message_id"),
            Message.conversation_id,
            func.left(Message.body, 1000).label("text"),
            Message.sent_at,
            Conversation.marketplace,
            Conversation.category,
            Conversation.language,
            first_sku.label("sku"),
        )
        .join(
            Conversation,
            and_(Conversation.id == Message.conversation_id, tenant_condition(Conversation, organization_id)),
        )
        .where(
            tenant_condition(Message, organization_id),
            Message.direction == "inbound",
            Message.author_kind == "buyer",
            Message.no_response_needed.is_(False),
            Message.sent_at >= start,
            Message.sent_at < end,
            Conversation.spam_reason.is_(None),
            Conversation.category.not_in(("platform_notice", "spam_likely")),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(limit)
    )
    if marketplace:
        stmt = stmt.where(Conversation.marketplace == marketplace)
    if sku:
        stmt = stmt.where(
            select(OrderItem.id)
            .where(
                tenant_condition(OrderItem, organization_id),
                OrderItem.order_id == Conversation.order_id,
                OrderItem.sku == sku,
            )
            .exists()
        )
    return [dict(row._mapping) for row in await session.execute(stmt)]
