"""Lexical ranking of articles and templates against a buyer's words and a conversation's facts
(pure: the candidates come from the database, the scoring happens here, tested without one).

Text: the query is tokenised like conversation search (api/kit/search.py: CJK bigrams, words);
stopwords and order-id-like numbers weigh little, and each term is weighed by how rare it is among
the candidates (inverse document frequency), so "order" in every article does not decide. The text
score is the weighed share of the query an article covers, with a bonus for terms in its title.

Facts: the conversation's category (a related category counts half), the order's products (SKU),
the marketplace and the store add to the score when the article names them; an article scoped to
another marketplace or store is never a candidate (the repository filters it).

Use: what agents did with an article before (inserted it, then sent the reply) adds a bounded
prior, so a well-used answer wins a tie but never outranks a better textual match by much.

Every addition is kept as a reason, shown to the agent as "why suggested".
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from api.kit.search import tokenize
from api.knowledge.markdown import searchable_text

Kind = Literal["article", "template"]
MAX_QUERY_TERMS = 64

_WORDS = (
    # English and Spanish function words, and the CJK bigrams nearly every Chinese message has.
    "a an and are as at be but by can could did do does for from had has have hello hi how i i'm if in is it "
    "its just me my no not of on or our please so that the their them then there these they this to us was "
    "we were what which who why will with would you your yours thanks thank "
    "el la los las un una y o de del en por para con mi mis su es que hola gracias "
    "你好 您好 请问 谢谢 我的 你们 我们 一个 可以 什么 怎么 没有 这个 那个 是不 不是"
)
_STOPWORDS = frozenset(_WORDS.split())
# Question words say what kind of answer is wanted ("where" is the parcel, "when" the date) but weigh
# half a topic word.
_QUESTION_WORDS = frozenset({"where", "when", "dónde", "donde", "cuándo", "cuando", "哪里", "什么时候"})
# Categories close enough that an answer to one often answers the other.
RELATED_CATEGORIES: dict[str, frozenset[str]] = {
    "shipping": frozenset({"order_status"}),
    "order_status": frozenset({"shipping"}),
    "return_refund": frozenset({"complaint"}),
    "complaint": frozenset({"return_refund"}),
    "pre_sale": frozenset({"product_question"}),
    "product_question": frozenset({"pre_sale"}),
}

TEXT_WEIGHT = 4.0
TITLE_WEIGHT = 1.0
CATEGORY_WEIGHT = 1.5
RELATED_CATEGORY_WEIGHT = 0.75
PRODUCT_WEIGHT = 1.5
SCOPE_WEIGHT = 0.3
USE_WEIGHT = 0.6
MIN_SCORE = 0.5


@dataclass(frozen=True)
class Context:
    """What the suggestion is for: the buyer's recent words and the conversation's facts."""

    text: str
    category: str | None = None
    marketplace: str | None = None
    channel_id: uuid.UUID | None = None
    skus: frozenset[str] = frozenset()
    language: str | None = None


@dataclass(frozen=True)
class Candidate:
    kind: Kind
    id: uuid.UUID
    title: str
    body: str
    language: str
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    marketplaces: tuple[str, ...] = ()
    channel_ids: tuple[uuid.UUID, ...] = ()
    skus: tuple[str, ...] = ()
    inserted: int = 0
    sent: int = 0


@dataclass(frozen=True)
class Reason:
    code: Literal["words", "category", "related_category", "product", "marketplace", "store", "used"]
    detail: str


@dataclass
class Scored:
    candidate: Candidate
    score: float
    reasons: list[Reason] = field(default_factory=list)


def query_weights(text: str) -> dict[str, float]:
    """The query's distinct terms with their base weight (before rarity)."""
    weights: dict[str, float] = {}
    for token in tokenize(text):
        if token in weights or token in _STOPWORDS or len(token) > 60:
            continue
        if token.isdigit() or sum(ch.isdigit() for ch in token) > len(token) // 2:
            weight = 0.2  # order ids and amounts: the conversation already knows its order
        elif len(token) == 1 and token.isascii():
            continue
        elif (len(token) <= 2 and token.isascii()) or token in _QUESTION_WORDS:
            weight = 0.5
        else:
            weight = 1.0
        weights[token] = weight
        if len(weights) >= MAX_QUERY_TERMS:
            break
    return weights


# A term held by more than this share of an organization's article variants (and by at least
# COMMON_MIN_DOCS of them, so small knowledge bases are never pruned) does not pick candidates from
# the index; the ranking still weighs it among the candidates that the other terms bring.
COMMON_SHARE = 0.05
COMMON_MIN_DOCS = 200
RAREST_COMMON_KEPT = 2


def candidate_terms(weights: dict[str, float], counts: dict[str, int], documents: int) -> list[str]:
    """The query terms that select candidates from the full-text index. Common terms are left out
    when a rarer word (not a number or a short token) remains; otherwise the rarest common words
    join, so a message of only common words still finds the articles about them."""
    limit = max(COMMON_SHARE * documents, COMMON_MIN_DOCS)
    rare = [t for t in weights if counts.get(t, 0) <= limit]
    if any(weights[t] >= 1.0 for t in rare):
        return rare
    common = sorted((t for t in weights if t not in rare and weights[t] >= 0.5), key=lambda t: (counts.get(t, 0), t))
    return rare + common[:RAREST_COMMON_KEPT]


def _document_terms(candidate: Candidate) -> tuple[set[str], set[str]]:
    title = set(tokenize(" ".join((candidate.title, *candidate.tags))))
    return title, title | set(tokenize(searchable_text(candidate.body)))


def rank(context: Context, candidates: Iterable[Candidate], limit: int) -> list[Scored]:
    pool = list(candidates)
    query = query_weights(context.text)
    terms = [(_document_terms(c)) for c in pool]
    count = len(pool)
    frequency = {t: sum(1 for _, body in terms if t in body) for t in query}
    idf = {t: math.log(1 + (count + 1) / (1 + frequency[t])) for t in query}
    total = sum(query[t] * idf[t] for t in query) or 1.0
    scored: list[Scored] = []
    for candidate, (title_terms, all_terms) in zip(pool, terms, strict=True):
        reasons: list[Reason] = []
        matched = [t for t in query if t in all_terms]
        coverage = sum(query[t] * idf[t] for t in matched) / total
        in_title = sum(query[t] * idf[t] for t in matched if t in title_terms) / total
        score = TEXT_WEIGHT * coverage + TITLE_WEIGHT * in_title
        if matched:
            shown = sorted(matched, key=lambda t: -query[t] * idf[t])[:5]
            reasons.append(Reason("words", ", ".join(shown)))
        if context.category and context.category in candidate.categories:
            score += CATEGORY_WEIGHT
            reasons.append(Reason("category", context.category))
        elif context.category and RELATED_CATEGORIES.get(context.category, frozenset()) & set(candidate.categories):
            score += RELATED_CATEGORY_WEIGHT
            reasons.append(Reason("related_category", ", ".join(sorted(set(candidate.categories)))))
        products = context.skus & set(candidate.skus)
        if products:
            score += PRODUCT_WEIGHT
            reasons.append(Reason("product", ", ".join(sorted(products))))
        if context.marketplace and context.marketplace in candidate.marketplaces:
            score += SCOPE_WEIGHT
            reasons.append(Reason("marketplace", context.marketplace))
        if context.channel_id and context.channel_id in candidate.channel_ids:
            score += SCOPE_WEIGHT
            reasons.append(Reason("store", str(context.channel_id)))
        if score < MIN_SCORE:
            continue
        if candidate.sent or candidate.inserted:
            # Bounded prior: 50 accepted replies is the most it counts; an insertion that was then
            # not sent counts a fifth of an accepted one.
            use = min(1.0, math.log1p(candidate.sent + 0.2 * candidate.inserted) / math.log(51))
            score += USE_WEIGHT * use
            reasons.append(Reason("used", f"{candidate.sent}/{candidate.inserted}"))
        scored.append(Scored(candidate, round(score, 4), reasons))
    scored.sort(key=lambda s: (-s.score, s.candidate.kind, s.candidate.title))
    return scored[:limit]
