"""The public help page's rules and operations: the buyer's language, search over published
articles only, rate limits, and a question that becomes a conversation.

Nothing here trusts the page: every id a form sends back is looked up again among the site's
published, in-scope articles, and a question is refused before any write when it is too long, too
fast, or sent by a bot (honeypot field filled)."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.db import Session
from api.kit.crypto import token_digest
from api.kit.time import utc_now
from api.knowledge import markdown, repository
from api.knowledge.ranking import Context
from api.knowledge.service import pick_variant
from api.knowledge.suggest import LexicalRanker
from api.message.inbound import InboundMessage
from api.message.pipeline import receive
from api.models import Channel, HelpSite, KnowledgeVariant, Note
from api.template import service as template_service

SUPPORTED = ("en", "zh", "es")
MAX_QUERY_CHARS = 200
MAX_QUESTION_CHARS = 2000
MAX_NAME_CHARS = 100
RESULTS = 5
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LanguageChoice:
    language: str
    requested: str | None  # what the buyer asked for, when we could not serve it
    fell_back: bool


def _base(tag: str) -> str:
    return tag.strip().lower().split("-")[0].split("_")[0]


def negotiate(lang_param: str | None, accept_language: str | None, default: str) -> LanguageChoice:
    """`?lang=` first, then the browser's Accept-Language by preference, then the site's default; a
    request for a language we cannot serve is remembered so the page can say it fell back."""
    if lang_param:
        base = _base(lang_param)
        if base in SUPPORTED:
            return LanguageChoice(base, None, False)
        return LanguageChoice(default, lang_param[:20], True)
    preferences: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "")[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            preferences.append((-quality, index, tag))
    for _, _, tag in sorted(preferences):
        if _base(tag) in SUPPORTED:
            return LanguageChoice(_base(tag), None, False)
    first = sorted(preferences)[0][2] if preferences else None
    return LanguageChoice(default, first[:20] if first else None, bool(first and _base(first) != default))


@dataclass(frozen=True)
class Shown:
    article_id: uuid.UUID
    title: str
    html: str
    language: str
    fell_back: bool  # not in the buyer's language: the site's default (or another) variant


class HelpLimiter:
    """Fixed windows in Redis per (site, client address): nothing here must survive a flush."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def _hit(self, key: str, window: int) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            # SET NX EX then INCR: the window starts with its first hit (EXPIRE NX needs Redis 7).
            pipe.set(key, 0, ex=window, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
        return int(count)

    async def allow_search(self, site_id: uuid.UUID, address: str, per_minute: int) -> bool:
        try:
            return await self._hit(f"hg:help:search:{site_id}:{token_digest(address)}", 60) <= per_minute
        except RedisError:
            log.warning("help page search limiter unavailable; allowing")
            return True

    async def allow_question(
        self, site_id: uuid.UUID, address: str, per_10_minutes: int, interval_seconds: int
    ) -> bool:
        """Refuses when Redis is unreachable: questions write conversations, searches do not."""
        who = token_digest(address)
        try:
            if interval_seconds and not await self.redis.set(
                f"hg:help:gap:{site_id}:{who}", b"1", ex=interval_seconds, nx=True
            ):
                return False
            return await self._hit(f"hg:help:ask:{site_id}:{who}", 600) <= per_10_minutes
        except RedisError:
            log.warning("help page question limiter unavailable; refusing")
            return False


async def _render(body: str, site: HelpSite, store: Channel, image_hosts: frozenset[str]) -> str:
    """Public rendering: only the store's name and marketplace are filled (there is no order)."""
    if markdown.uses_template_syntax(body):
        values: dict[str, str | None] = {
            "store_name": site.title,
            "marketplace": template_service.MARKETPLACE_NAMES.get(store.marketplace),
        }
        body = (await template_service.render(body, values, field="article.body")).text
    return markdown.render_html(body, image_hosts)


async def search(
    session: Session,
    site: HelpSite,
    store: Channel,
    query: str,
    language: str,
    image_hosts: frozenset[str],
    limit: int = RESULTS,
) -> list[Shown]:
    """Published articles in the store's scope, ranked for the buyer's words; never a template."""
    ranker = LexicalRanker(with_templates=False)
    scored = await ranker.rank(
        session,
        site.organization_id,
        Context(text=query, marketplace=store.marketplace, channel_id=store.id, language=language),
        limit,
    )
    return [
        await _shown(ranker.variants[s.candidate.id], s.candidate.id, site, store, language, image_hosts)
        for s in scored
        if s.candidate.id in ranker.variants and any(r.code == "words" for r in s.reasons)
    ]


async def _shown(
    variant: KnowledgeVariant,
    article_id: uuid.UUID,
    site: HelpSite,
    store: Channel,
    language: str,
    image_hosts: frozenset[str],
) -> Shown:
    html = await _render(variant.body, site, store, image_hosts)
    return Shown(article_id, variant.title, html, variant.language, variant.language != language)


async def article(
    session: Session,
    site: HelpSite,
    store: Channel,
    article_id: uuid.UUID,
    language: str,
    image_hosts: frozenset[str],
) -> Shown | None:
    """One article for the page, or None unless it is published and in the store's scope."""
    org = site.organization_id
    found = await repository.articles_by_ids(session, org, [article_id])
    if not found:
        return None
    a = found[0]
    in_scope = (not a.marketplaces or store.marketplace in a.marketplaces) and (
        not a.channel_ids or store.id in a.channel_ids
    )
    if a.status != "published" or not in_scope:
        return None
    chosen = pick_variant(await repository.variants_of(session, org, [a.id]), language, site.default_language)
    if chosen is None:
        return None
    return await _shown(chosen, a.id, site, store, language, image_hosts)


async def record(
    session: Session,
    site: HelpSite,
    kind: str,
    article_ids: list[uuid.UUID],
    conversation_id: uuid.UUID | None = None,
) -> None:
    await repository.count_event(
        session, site.organization_id, kind, article_ids, help_site_id=site.id, conversation_id=conversation_id
    )


def question_problem(question: str, email: str, name: str) -> str | None:
    """Why a question cannot be sent (a key of the page's texts), or None."""
    if not question.strip():
        return "question_empty"
    if len(question) > MAX_QUESTION_CHARS:
        return "question_long"
    if len(name) > MAX_NAME_CHARS:
        return "name_long"
    if not _EMAIL.match(email.strip()):
        return "email_invalid"
    return None


async def send_question(
    session: Session,
    site: HelpSite,
    question: str,
    email: str,
    name: str,
    language: str,
    shown: list[Shown],
) -> uuid.UUID | None:
    """The question becomes a buyer message on the site's `api` intake channel, through the ingest
    pipeline (classification, SLA, events) like any other; the articles the buyer saw first travel
    with it as context. Returns the conversation id."""
    intake = await repository.channel(session, site.organization_id, site.intake_channel_id)
    if intake is None or intake.status != "active":
        return None
    address = email.strip().lower()
    now = utc_now()
    decision = await receive(
        session,
        intake,
        InboundMessage(
            external_message_id=f"help-{uuid.uuid4()}",
            buyer_external_id=f"help:{address}",
            buyer_email=address,
            buyer_name=name.strip() or None,
            body=question.strip(),
            subject=f"{site.title}: {question.strip()[:80]}",
            sent_at=now,
            metadata={
                "source": "help_page",
                "help_site": site.slug,
                "language": language,
                "shown_articles": [{"id": str(s.article_id), "title": s.title} for s in shown],
            },
            labels=("help-page",),
        ),
    )
    conversation_id = decision.conversation.id if decision.conversation else None
    if conversation_id and shown:
        # The context an agent sees next to the question (internal note): what the buyer already read.
        titles = "\n".join(f"- {s.title}" for s in shown)
        session.add(
            Note(
                organization_id=site.organization_id,
                conversation_id=conversation_id,
                kind="note",
                body=f"Sent from the help page {site.title!r}. The buyer was shown these articles first, "
                f"and none answered the question:\n{titles}",
            )
        )
    await record(session, site, "question_sent", [s.article_id for s in shown], conversation_id)
    return conversation_id
