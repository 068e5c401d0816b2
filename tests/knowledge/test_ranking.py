"""Lexical ranking (pure): Chinese and English, rarity, facts, bounded use prior, reasons."""

from __future__ import annotations

import uuid

from api.knowledge.ranking import Candidate, Context, candidate_terms, query_weights, rank


def _article(title: str, body: str, **kw) -> Candidate:
    return Candidate(kind="article", id=uuid.uuid4(), title=title, body=body, language="en", **kw)


SHIPPING = _article(
    "Where is my order? Tracking your package", "Tracking number {{ tracking_number }}", categories=("shipping",)
)
SHIPPING_ZH = _article(
    "我的包裹在哪里？物流查询", "您的物流单号 {{ tracking_number }}，预计送达", categories=("shipping",)
)
RETURNS = _article("How do I return an item?", "Return window, refund within 2 days", categories=("return_refund",))
DAMAGED = _article("Item arrived damaged", "Send a photo of the damage, replacement or refund", skus=("SKU-1",))
ALL = [SHIPPING, SHIPPING_ZH, RETURNS, DAMAGED]


def test_english_question_finds_the_tracking_article_first():
    top = rank(Context("Hi, the tracking of my package hasn't moved for 3 days"), ALL, 3)
    assert top[0].candidate is SHIPPING
    assert top[0].reasons[0].code == "words" and "tracking" in top[0].reasons[0].detail


def test_chinese_question_finds_the_chinese_article_by_bigrams():
    top = rank(Context("你好，我的包裹到哪了？物流一直没更新"), ALL, 3)
    assert top[0].candidate is SHIPPING_ZH
    assert "物流" in top[0].reasons[0].detail


def test_template_variables_are_not_matched_as_words():
    assert rank(Context("what is the number"), [SHIPPING_ZH], 3) == []


def test_stopwords_and_order_ids_weigh_little():
    weights = query_weights("Where is my order 111-3958185-1645065 please")
    assert "is" not in weights and "my" not in weights and "please" not in weights
    assert weights["where"] == 0.5  # a question word: half a topic word
    assert weights["111-3958185-1645065"] < weights["order"]


def test_category_and_product_facts_rank_without_words():
    assert rank(Context("hello", category="return_refund"), ALL, 1)[0].candidate is RETURNS
    top = rank(Context("hello", skus=frozenset({"SKU-1"})), ALL, 1)[0]
    assert top.candidate is DAMAGED and top.reasons[0].code == "product"


def test_related_category_counts_half():
    top = rank(Context("hello", category="order_status"), ALL, 5)
    assert {s.candidate.id for s in top} == {SHIPPING.id, SHIPPING_ZH.id}
    assert all(s.reasons[0].code == "related_category" for s in top)


def test_rare_terms_weigh_more_than_common_ones():
    common = [_article(f"Order topic {i}", "order order") for i in range(5)]
    rare = _article("Warranty", "order warranty")
    top = rank(Context("order warranty"), [*common, rare], 1)
    assert top[0].candidate is rare


def test_use_breaks_ties_but_is_bounded():
    a = _article("Refund status", "refund status")
    b = _article("Refund status", "refund status", sent=10_000, inserted=10_000)
    top = rank(Context("refund status"), [a, b], 2)
    assert top[0].candidate is b and top[0].reasons[-1].code == "used"
    assert top[0].score - top[1].score <= 0.6 + 1e-9
    better_text = _article("Refund status and timing", "refund status timing")
    assert rank(Context("refund status timing"), [b, better_text], 1)[0].candidate is better_text


def test_nothing_in_common_suggests_nothing():
    assert rank(Context("zzz qqq"), ALL, 5) == []


def test_common_terms_do_not_pick_candidates_when_a_rarer_word_remains():
    weights = query_weights("Hi, where is my order? The tracking has not moved for 3 days")
    counts = {"order": 3000, "days": 900, "tracking": 12, "moved": 0, "3": 40}
    chosen = candidate_terms(weights, counts, documents=10_000)
    assert "order" not in chosen and "days" not in chosen
    assert {"tracking", "moved", "3"} <= set(chosen)


def test_only_common_words_keep_the_rarest_two():
    weights = query_weights("order shipping package")
    counts = {"order": 3000, "shipping": 2500, "package": 1200}
    assert candidate_terms(weights, counts, documents=10_000) == ["package", "shipping"]


def test_numbers_alone_do_not_stand_for_the_message():
    weights = query_weights("order 12345")  # the rare term is an order-id-like number
    counts = {"order": 3000, "12345": 1}
    assert candidate_terms(weights, counts, documents=10_000) == ["12345", "order"]


def test_small_knowledge_bases_are_never_pruned():
    weights = query_weights("where is my order")
    counts = {"where": 40, "order": 150}
    assert set(candidate_terms(weights, counts, documents=160)) == {"where", "order"}
