"""Suggested answers for the composer: rank articles and templates for a conversation, fill their
variables, lint them, and learn from what agents use.

Ranking sits behind `Ranker`, so a semantic ranker (embeddings in pgvector) can replace the lexical
one or be blended with it; the rest (rendering, linting, recording use) does not change.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Protocol

from api import audit
from api.auth.principal import Principal
from api.compliance.rules import check_message, has_blocking
from api.compliance.schemas import ViolationRead
from api.conversation import repository as conversation_repository
from api.db import Session
from api.kit.errors import InvalidInput
from api.knowledge import markdown, ranking, repository
from api.knowledge.ranking import Candidate, Context, Scored
from api.knowledge.schemas import ReasonRead, SuggestionRead, SuggestionUse
from api.knowledge.service import pick_variant
from api.knowledge.term_stats import term_stats
from api.models import Conversation, KnowledgeVariant
from api.order import repository as order_repository
from api.template import service as template_service
from api.user import repository as user_repository

ARTICLE_CANDIDATES = 60


class Ranker(Protocol):
    async def rank(
        self, session: Session, organization_id: uuid.UUID, context: Context, limit: int
    ) -> list[Scored]: ...


class LexicalRanker:
    """Candidates from the full-text index (any of the buyer's terms, published, in scope) and from
    the conversation's facts (category, products), plus the active templates; scored by
    api/knowledge/ranking.py. The chosen variant of each article is kept for rendering."""

    def __init__(self, *, with_templates: bool = True) -> None:
        self.with_templates = with_templates
        self.variants: dict[uuid.UUID, KnowledgeVariant] = {}

    async def rank(self, session: Session, organization_id: uuid.UUID, context: Context, limit: int) -> list[Scored]:
        weights = ranking.query_weights(context.text)
        counts, documents = await term_stats.counts(session, organization_id, list(weights))
        terms = ranking.candidate_terms(weights, counts, documents)
        found = await repository.search(
            session,
            organization_id,
            terms,
            any_term=True,
            status="published",
            marketplace=context.marketplace,
            channel_id=context.channel_id,
            limit=ARTICLE_CANDIDATES,
        )
        categories = []
        if context.category:
            categories = [context.category, *sorted(ranking.RELATED_CATEGORIES.get(context.category, ()))]
        by_facts = await repository.facts_matches(
            session,
            organization_id,
            categories=categories,
            skus=sorted(context.skus),
            marketplace=context.marketplace,
            channel_id=context.channel_id,
        )
        ids = list(dict.fromkeys([i for i, _ in found] + by_facts))
        articles = await repository.articles_by_ids(session, organization_id, ids)
        variants: dict[uuid.UUID, list[KnowledgeVariant]] = {}
        for v in await repository.variants_of(session, organization_id, ids):
            variants.setdefault(v.article_id, []).append(v)
        candidates: list[Candidate] = []
        for a in articles:
            chosen = pick_variant(variants.get(a.id, []), context.language, a.default_language)
            if chosen is None or a.status != "published":
                continue
            self.variants[a.id] = chosen
            # Every language's text counts for matching; the conversation's language is shown.
            every = variants[a.id]
            candidates.append(
                Candidate(
                    kind="article",
                    id=a.id,
                    title=" ".join(v.title for v in every),
                    body="\n".join(v.body for v in every),
                    language=chosen.language,
                    tags=tuple(a.tags),
                    categories=tuple(a.categories),
                    marketplaces=tuple(a.marketplaces),
                    channel_ids=tuple(a.channel_ids),
                    skus=tuple(a.skus),
                    inserted=a.inserted_count,
                    sent=a.sent_count,
                )
            )
        languages = list(dict.fromkeys([context.language or "en", "en"]))
        templates = await repository.templates_for(session, organization_id, languages) if self.with_templates else []
        for t in templates:
            candidates.append(
                Candidate(
                    kind="template",
                    id=t.id,
                    title=t.name,
                    body=t.body,
                    language=t.language,
                    categories=(t.category,),
                    sent=t.usage_count,
                )
            )
        return ranking.rank(context, candidates, limit)


async def context_for(session: Session, conversation: Conversation) -> Context:
    org = conversation.organization_id
    texts = await repository.recent_buyer_text(session, org, conversation.id)
    skus = await repository.order_skus(session, org, conversation.order_id) if conversation.order_id else []
    return Context(
        text="\n".join([conversation.subject or "", *texts]),
        category=conversation.category if conversation.category != "uncategorized" else None,
        marketplace=conversation.marketplace,
        channel_id=conversation.channel_id,
        skus=frozenset(skus),
        language=conversation.language,
    )


async def suggestions(
    session: Session, principal: Principal, conversation_id: uuid.UUID, limit: int, ranker: Ranker | None = None
) -> list[SuggestionRead]:
    """The best articles and templates for the conversation, each rendered for it and linted."""
    org = principal.organization_id
    conversation = await conversation_repository.get(session, org, conversation_id)
    context = await context_for(session, conversation)
    # As the template library does: a new organization's first look creates the starter templates.
    await template_service.ensure_starters(session, org)
    lexical = LexicalRanker()
    scored = await (ranker or lexical).rank(session, org, context, limit)
    agent = await user_repository.get(session, org, principal.user_id) if principal.user_id else None
    values = await template_service.values_for(session, conversation, agent)
    chosen: list[tuple[Scored, str, str, str, list[ReasonRead]]] = []
    for s in scored:
        c = s.candidate
        title, language, source = c.title, c.language, c.body
        reasons = [ReasonRead(code=r.code, detail=r.detail) for r in s.reasons]
        if c.kind == "article":
            variant = lexical.variants.get(c.id)
            if variant is None:
                continue
            title, language, source = variant.title, variant.language, variant.body
            if context.language and language != context.language:
                reasons.append(ReasonRead(code="language", detail=language))
        chosen.append((s, title, language, source, reasons))
    # The renders run side by side in the sandbox pool (one process each); a refusal drops that one.
    rendered = await asyncio.gather(*(_render(source, values) for _, _, _, source, _ in chosen), return_exceptions=True)
    # The order's country and locale, read once for every lint.
    country = locale = None
    if conversation.order_id:
        order = await order_repository.get(session, conversation.organization_id, conversation.order_id)
        if order is not None:
            country, locale = order.ship_to_country, order.buyer_locale
    out = []
    for (s, title, language, _, reasons), result in zip(chosen, rendered, strict=True):
        if isinstance(result, BaseException):
            if isinstance(result, InvalidInput):
                continue  # a template the sandbox refuses for this conversation's values
            raise result
        text, warnings = result
        if s.candidate.kind == "article":
            text = markdown.to_plain_text(text)
        violations = check_message(text, conversation.marketplace, order_locale=locale, order_country=country)
        out.append(
            SuggestionRead(
                kind=s.candidate.kind,
                id=s.candidate.id,
                title=title,
                language=language,
                text=text,
                score=s.score,
                reasons=reasons,
                warnings=warnings,
                blocking=has_blocking(violations),
                violations=[ViolationRead.model_validate(v, from_attributes=True) for v in violations],
            )
        )
    return out


async def _render(source: str, values: dict[str, str | None]) -> tuple[str, list[str]]:
    if not markdown.uses_template_syntax(source):
        return source, []
    rendered = await template_service.render(source, values)
    return rendered.text, rendered.warnings


async def record_use(session: Session, principal: Principal, conversation_id: uuid.UUID, body: SuggestionUse) -> None:
    """Count an insertion or an accepted reply for the article (ranking reads the totals); a template
    sent counts as a use of the template, as when an agent picks it from the library."""
    org = principal.organization_id
    await conversation_repository.get(session, org, conversation_id)
    if body.kind == "article":
        await repository.get_article(session, org, body.id)
        await repository.count_event(session, org, body.action, [body.id], conversation_id=conversation_id)
    else:
        template = await template_service.get(session, org, body.id)
        if body.action == "sent":
            await template_service.count_use(session, template.id)
    audit.record(
        session,
        principal,
        org,
        f"knowledge.suggestion_{body.action}",
        body.kind,
        body.id,
        {"conversation_id": str(conversation_id)},
    )
