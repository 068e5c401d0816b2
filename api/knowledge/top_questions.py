"""Top questions: a period's buyer questions grouped by meaning (api/knowledge/clustering.py), with
their counts, examples, and the articles or templates that already answer them; one call drafts an
article or a template from a group. Never commits; the request edge does.

Computed on demand, with a short in-process cache keyed by organization, period and filters. Why not
a table a worker maintains: the report is read rarely (a weekly review) for periods the reader picks,
so a table would have to hold every period anyone might ask for, or re-cluster at read time anyway;
on demand, it always reflects the messages up to the request, needs no migration, and clustering
100,000 questions takes a few seconds (benchmarks/knowledge.py). The cache serves the few minutes a
supervisor spends going through the groups and drafting from them (each draft re-reads the groups
by the same key), and is keyed by organization, so no tenant ever sees another's.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import get_args

from api import audit
from api.auth.principal import Principal
from api.db import Session
from api.kit.errors import Conflict, InvalidInput, NotFound, field_error
from api.knowledge import clustering, repository, service
from api.knowledge.clustering import Cluster, Question
from api.knowledge.ranking import Context
from api.knowledge.schemas import (
    ArticleCreate,
    Category,
    CoveredBy,
    TopQuestionCluster,
    TopQuestionCount,
    TopQuestionExample,
    TopQuestionsRead,
    VariantCreate,
)
from api.knowledge.suggest import LexicalRanker
from api.models import KnowledgeArticle, Template
from api.template import service as template_service

MAX_DAYS = 92
MAX_QUESTIONS = 100_000
CACHE_SECONDS = 300
CACHE_ENTRIES = 32
# A published article or active template whose lexical score reaches this answers the group: about
# half of the group's weighed words, or fewer words in its title (api/knowledge/ranking.py).
COVERED_SCORE = 2.0
COVERED_SHOWN = 3
DRAFT_TAG = "top-question"
_CATEGORIES = frozenset(get_args(Category))


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    marketplace: str | None
    sku: str | None


@dataclass
class _Computed:
    at: float
    questions: int
    truncated: bool
    clusters: list[Cluster]


_cache: OrderedDict[tuple[uuid.UUID, Period], _Computed] = OrderedDict()


def check_period(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The period asked for, or the last 30 days up to the end of the current minute (whole minutes,
    so repeated looks share the cache; the end is exclusive, so this minute's questions count)."""
    end = end or (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    start = start or end - timedelta(days=30)
    if start >= end:
        raise InvalidInput("`from` must be before `to`.", errors=field_error("query.from", "not before `to`"))
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidInput(
            f"The period is limited to {MAX_DAYS} days.",
            errors=field_error("query.to", f"more than {MAX_DAYS} days after `from` (the maximum is {MAX_DAYS})"),
        )
    return start, end


async def _clusters(session: Session, organization_id: uuid.UUID, period: Period) -> _Computed:
    key = (organization_id, period)
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit.at < CACHE_SECONDS:
        _cache.move_to_end(key)
        return hit
    rows = await repository.buyer_questions(
        session,
        organization_id,
        period.start,
        period.end,
        marketplace=period.marketplace,
        sku=period.sku,
        limit=MAX_QUESTIONS + 1,
    )
    truncated = len(rows) > MAX_QUESTIONS
    questions = [Question(**row) for row in rows[:MAX_QUESTIONS]]
    # CPU-bound: off the event loop's thread, so other requests keep being served meanwhile.
    groups = await asyncio.to_thread(clustering.cluster, questions)
    computed = _Computed(time.monotonic(), len(questions), truncated, groups)
    _cache[key] = computed
    while len(_cache) > CACHE_ENTRIES:
        _cache.popitem(last=False)
    return computed


def _counts(pairs: list[tuple[str, int]]) -> list[TopQuestionCount]:
    return [TopQuestionCount(value=v, count=n) for v, n in pairs[:10]]


async def _covered_by(session: Session, organization_id: uuid.UUID, group: Cluster) -> list[CoveredBy]:
    """What the composer would suggest for the group's questions, kept if it answers them."""
    ranker = LexicalRanker()
    text = "\n".join([group.label, *(q.text for q in group.examples(3))])
    marketplace = group.dominant("marketplace") if len(group.by("marketplace")) == 1 else None
    scored = await ranker.rank(session, organization_id, Context(text=text, marketplace=marketplace), 10)
    out = []
    for s in scored:
        if s.score < COVERED_SCORE:
            break
        c = s.candidate
        title = ranker.variants[c.id].title if c.kind == "article" and c.id in ranker.variants else c.title
        out.append(
            CoveredBy(
                kind=c.kind,
                id=c.id,
                title=title,
                status="published" if c.kind == "article" else "active",
                score=s.score,
            )
        )
        if len(out) == COVERED_SHOWN:
            break
    return out


async def top_questions(session: Session, principal: Principal, period: Period, limit: int) -> TopQuestionsRead:
    org = principal.organization_id
    computed = await _clusters(session, org, period)
    # As the composer's suggestions do: a new organization's first look creates the starter templates.
    await template_service.ensure_starters(session, org)
    out = []
    for group in computed.clusters[:limit]:
        out.append(
            TopQuestionCluster(
                key=group.key,
                label=group.label,
                count=group.count,
                conversations=group.conversations,
                terms=list(group.features),
                marketplaces=_counts(group.by("marketplace")),
                skus=_counts(group.by("sku")),
                categories=_counts(group.by("category")),
                languages=_counts(group.by("language")),
                examples=[
                    TopQuestionExample(
                        message_id=q.message_id,
                        conversation_id=q.conversation_id,
                        text=q.text,
                        marketplace=q.marketplace,
                        sku=q.sku,
                        sent_at=q.sent_at,
                    )
                    for q in group.examples()
                ],
                covered_by=await _covered_by(session, org, group),
            )
        )
    return TopQuestionsRead(
        period_start=period.start,
        period_end=period.end,
        marketplace=period.marketplace,
        sku=period.sku,
        questions=computed.questions,
        truncated=computed.truncated,
        clusters_total=len(computed.clusters),
        clusters=out,
    )


async def _group(session: Session, organization_id: uuid.UUID, period: Period, key: str) -> Cluster:
    computed = await _clusters(session, organization_id, period)
    for group in computed.clusters:
        if group.key == key:
            return group
    raise NotFound(f"No group {key} among the top questions of this period.")


def _language(group: Cluster) -> str:
    language = group.dominant("language")
    return language if language in service.LANGUAGES else "en"


_HEADINGS = {
    "en": ("What buyers ask", "Answer", "Write the answer buyers need, then publish."),
    "zh": ("买家的问题", "答复", "请写下买家需要的答复，然后发布。"),
    "es": ("Lo que preguntan los compradores", "Respuesta", "Escriba la respuesta que necesitan y publíquela."),
}


async def draft_article(session: Session, principal: Principal, period: Period, key: str) -> KnowledgeArticle:
    """A draft article for the group, in its buyers' language, quoting their questions; scoped to the
    period's marketplace and product when the report was, and tagged so drafts are easy to find.
    Drafting the same group twice is refused (the article's key is the group's)."""
    group = await _group(session, principal.organization_id, period, key)
    if await repository.article_by_key(session, principal.organization_id, f"top-{key}") is not None:
        raise Conflict(
            "An article was already drafted from this group.", errors=field_error("path.cluster_key", "already drafted")
        )
    language = _language(group)
    asked, answer, hint = _HEADINGS.get(language, _HEADINGS["en"])
    quoted = "\n".join(f"- {' '.join(q.text.split())[:300]}" for q in group.examples())
    body = f"## {asked}\n\n{quoted}\n\n## {answer}\n\n{hint}\n"
    category = group.dominant("category")
    article = await service.create_article(
        session,
        principal,
        ArticleCreate(
            key=f"top-{key}",
            status="draft",
            default_language=language,  # type: ignore[arg-type]
            variants=[VariantCreate(language=language, title=group.label[:200], body=body)],  # type: ignore[arg-type]
            marketplaces=[period.marketplace] if period.marketplace else [],  # type: ignore[list-item]
            skus=[period.sku] if period.sku else [],
            categories=[category] if category in _CATEGORIES and category != "uncategorized" else [],  # type: ignore[list-item]
            tags=[DRAFT_TAG],
        ),
    )
    audit.record(
        session,
        principal,
        principal.organization_id,
        "knowledge.top_question_drafted",
        "knowledge_article",
        article.id,
        {"cluster_key": key, "questions": group.count},
    )
    return article


async def draft_template(session: Session, principal: Principal, period: Period, key: str) -> Template:
    """An inactive template for the group (a draft: not offered to agents until activated), with the
    buyers' questions in a template comment, which is never sent."""
    group = await _group(session, principal.organization_id, period, key)
    language = _language(group)
    examples = "\n".join(
        "  - " + " ".join(q.text.split())[:300].replace("#}", "# }").replace("{#", "{ #") for q in group.examples()
    )
    body = (
        f"{{# {DRAFT_TAG} {key}: {group.count} buyer questions, such as:\n{examples}\n#}}"
        'Hi {{ customer_name or "there" }},\n\n'
        "\n\nBest regards,\n{{ agent_name or store_name }}"
    )
    await template_service.ensure_usable(body)
    category = group.dominant("category") or "uncategorized"
    template = Template(
        id=uuid.uuid4(),
        organization_id=principal.organization_id,
        name=f"{group.label[:180]} ({key[:6]})",
        category=category[:40],
        language=language,
        body=body,
        is_active=False,
    )
    session.add(template)
    await service.flush_unique(session, "A template was already drafted from this group.", "path.cluster_key")
    await session.refresh(template)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "knowledge.top_question_drafted",
        "template",
        template.id,
        {"cluster_key": key, "questions": group.count},
    )
    return template
