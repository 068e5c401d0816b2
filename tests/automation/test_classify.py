"""The classifier, pure: categories in three languages, risks, "no response needed", metadata, and
edge cases (empty, emoji only, mixed language, very long). Plus the held-out corpus accuracy, which
is deterministic: a correctness test, not a timing one."""

from typing import get_args

import pytest

from api.automation.classify import (
    MARKETPLACE_LABELS,
    PRESET_CATEGORIES,
    RISK_LABELS,
    ClassificationInput,
    RuleClassifier,
)
from api.automation.risk import RISK_RULES, detect_risks
from api.automation.text import buyer_words, keywords, normalise
from api.message.schemas import MarketplaceCategory, MarketplaceLabel
from api.models.conversation import CATEGORIES
from benchmarks.classification import load, report, run

classify = RuleClassifier().classify


def item(body: str, **kw) -> ClassificationInput:
    return ClassificationInput(
        subject=kw.pop("subject", ""), body=body, marketplace=kw.pop("marketplace", "amazon"), **kw
    )


@pytest.mark.parametrize(
    ("body", "has_order", "intent"),
    [
        ("Do you ship to Canada? How long does shipping take?", False, "shipping"),
        ("¿Hacen envíos a México? ¿Cuánto cuesta el envío?", False, "shipping"),
        ("发顺丰吗?运费多少", False, "shipping"),
        ("Where is my order? Tracking hasn't updated in a week", True, "order_status"),
        ("mi paquete no ha llegado", True, "order_status"),
        ("Is this in stock in black? Want to buy 3", False, "pre_sale"),
        ("Does it come with batteries? thinking of ordering", False, "pre_sale"),
        ("How do I pair it with my phone? I bought it last week", True, "product_question"),
        ("Please cancel my order, ordered by mistake", True, "cancel"),
        ("取消订单 拍错了", True, "cancel"),
        ("The mug arrived cracked", True, "damaged"),
        ("I'd like to return it for a refund, too small", True, "return_refund"),
        ("Worst seller ever, nobody answers my messages", True, "complaint"),
        (
            "Hello Seller, this is Walmart Customer Care writing on behalf of the customer.",
            True,
            "walmart_customer_care",
        ),
        ("This is an automated message. Do not reply. Your listing was suppressed.", False, "platform_notice"),
        ("Boost your ranking! SEO backlinks cheap, whatsapp me", False, "spam_likely"),
        ("Thanks, got it, everything is fine!", True, "no_response_needed"),
        ("好的,谢谢", True, "no_response_needed"),
        ("Muchas gracias, todo bien", True, "no_response_needed"),
    ],
)
def test_each_category_in_each_language(body, has_order, intent):
    result = classify(item(body, has_order=has_order))
    assert result.intent == intent, result.reason
    assert result.reason


def test_the_issue_example_burnt_plastic_and_negative_feedback_is_urgent_and_labelled():
    r = classify(item("The charger smells like burnt plastic and I will leave negative feedback", has_order=True))
    assert r.category != "order_status"
    assert r.priority == "urgent"
    assert {"risk_safety", "risk_negative_review"} <= set(r.labels)
    assert "safety" in r.reason and "negative review" in r.reason


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("I'm filing a complaint with the BBB today", {"bbb_complaint", "risk_legal"}),
        ("我要向BBB投诉你们", {"bbb_complaint", "risk_legal"}),
        ("Voy a quejarme con el BBB", {"bbb_complaint", "risk_legal"}),
        ("I have contacted the Attorney General", {"attorney_general_complaint", "risk_legal"}),
        ("He contactado al fiscal general", {"attorney_general_complaint", "risk_legal"}),
        ("My lawyer will be in touch", {"risk_legal"}),
        ("我已经找律师了", {"risk_legal"}),
        ("Voy a hablar con mi abogado", {"risk_legal"}),
        ("I'm about to open an A-to-z claim", {"risk_dispute"}),
        ("I will file a chargeback with my bank", {"risk_dispute"}),
        ("再不处理我就申请拒付", {"risk_dispute"}),
        ("voy a abrir una disputa", {"risk_dispute"}),
        ("It caught fire on my desk!", {"risk_safety"}),
        ("充电的时候冒烟了", {"risk_safety"}),
        ("插上就着火了", {"risk_safety"}),
        ("huele a quemado, es peligroso", {"risk_safety"}),
        ("再不回复就给差评", {"risk_negative_review"}),
        ("voy a dejar una reseña negativa", {"risk_negative_review"}),
    ],
)
def test_risks_in_any_language(text, labels):
    r = classify(item(text, has_order=True))
    assert labels <= set(r.labels), r.reason
    assert r.priority in ("high", "urgent")


def test_legal_and_safety_risks_are_urgent_reviews_and_disputes_high():
    assert classify(item("I'll sue you", has_order=True)).priority == "urgent"
    assert classify(item("It is dangerous, sparks came out", has_order=True)).priority == "urgent"
    assert classify(item("Where is it? I'll leave a bad review", has_order=True)).priority == "high"
    assert classify(item("open a case if no tracking today", has_order=True)).priority == "high"


def test_words_that_only_look_like_risks_are_not():
    for text in (
        "Is this issue covered by warranty?",  # "sue" inside "issue"
        "Do you sell the suede version?",
        "Which smoke detector batteries does it take?",
        "收到了,五星好评",  # a good review
        "Order 2024-BBBX-3159",  # letters inside an id
    ):
        assert not detect_risks(text), text


def test_every_risk_label_is_declared_for_the_list():
    declared = set(RISK_LABELS) | set(MARKETPLACE_LABELS)
    assert {label for rule in RISK_RULES for label in rule.labels} <= declared


def test_no_response_needs_no_question_no_request_no_risk():
    assert classify(item("thanks!", has_order=True)).no_response_reason
    assert classify(item("👍👍", has_order=True)).no_response_reason
    for text in (
        "thanks, but where is my order?",
        "Thanks. When will it ship",
        "ok thanks, one more thing",
        "thank you, it arrived broken",
        "谢谢,但是还没收到",
        "gracias, ¿cuándo llega?",
        "thanks, I'll leave negative feedback then",
        "ok " + "really " * 60,
    ):
        r = classify(item(text, has_order=True))
        assert r.no_response_reason is None, (text, r.no_response_reason)
    # Marketplace notices, Walmart Customer Care and metadata-set categories always wait on the seller.
    assert classify(item("ok thanks", preset_category="walmart_customer_care")).no_response_reason is None
    assert classify(item("ok thanks", author_kind="system")).no_response_reason is None


def test_the_reason_says_what_decided():
    r = classify(item("Where is my order?", has_order=True))
    assert r.reason.startswith("order_status: 'where is my'") and "order attached +1" in r.reason
    thanks = classify(item("thank you so much", has_order=True))
    assert thanks.no_response_reason is not None and "thank you" in thanks.no_response_reason


def test_empty_and_emoji_only_messages():
    empty = classify(item("", has_order=True))
    assert (empty.category, empty.no_response_reason) == ("order_status", None)
    assert "no words" in empty.reason
    assert classify(item("   ")).category == "pre_sale"
    assert classify(item("🙏😊", has_order=True)).intent == "no_response_needed"
    assert classify(item("???", has_order=True)).no_response_reason is None


def test_mixed_language_messages():
    assert classify(item("hello 我的order一直显示 in transit,两个星期了", has_order=True)).category == "order_status"
    assert classify(item("cancel 一下我的订单 谢谢", has_order=True)).category == "cancel"
    assert classify(item("Hi, mi pedido aún no llega, ¿me ayudan?", has_order=True)).category == "order_status"


def test_a_very_long_message_is_classified_quickly_and_sanely():
    body = "I have been waiting for a long time. " * 2000 + "Where is my order? Please send tracking."
    r = classify(item(body, has_order=True))
    assert r.category == "order_status"
    assert r.no_response_reason is None
    assert len(r.reason) < 400


def test_marketplace_metadata_wins_but_risks_still_count():
    r = classify(item("Customer says it caught fire", preset_category="walmart_customer_care", marketplace="walmart"))
    assert r.category == "walmart_customer_care" and r.priority == "urgent" and "risk_safety" in r.labels
    r = classify(item("hello", labels=frozenset({"bbb_complaint"}), marketplace="api"))
    assert (r.category, r.priority) == ("complaint", "urgent") and "bbb_complaint" in r.labels


def test_delivered_order_shows_in_the_reason():
    r = classify(item("I want a refund", has_order=True, order_status="delivered"))
    assert r.category == "return_refund" and "delivered order" in r.reason


def test_buyer_words_drop_the_marketplaces_frame_and_footer():
    amazon = "------------- Message: -------------\nthanks!\n------------- End message -------------\nRespond in 24h?"
    assert buyer_words(amazon) == "thanks!"
    walmart = "ok thanks\n\n----\nPurchase Order #: 123456789\nReminder: respond within 48 hours?"
    assert buyer_words(walmart) == "ok thanks"


def test_text_normalisation_and_keyword_boundaries():
    assert normalise("ＥＮＶÍＯ") == "envio"
    pattern = keywords("refund", "sue$", "退货")
    assert pattern.search("refunded") and pattern.search("我要退货") and pattern.search("i will sue.")
    assert not pattern.search("issue") and not pattern.search("nonrefundable")


def test_push_vocabulary_matches_the_classifiers():
    assert set(get_args(MarketplaceCategory)) == set(PRESET_CATEGORIES)
    assert set(PRESET_CATEGORIES) <= set(CATEGORIES)
    assert set(get_args(MarketplaceLabel)) == set(MARKETPLACE_LABELS)


def test_held_out_accuracy_is_at_least_90_percent():
    """The held-out corpus was never tuned on (benchmarks/data/classification/README.md)."""
    result = report(run(load("heldout")))
    assert result["messages"] >= 90
    assert result["accuracy"] >= 0.9, result["errors"]
    # Every label is present and recognised at least most of the time.
    assert all(m["recall"] >= 0.6 for m in result["per_label"].values() if m["support"]), result["per_label"]


def test_the_corpus_covers_every_label_in_three_languages():
    rows = load("tuning") + load("heldout")
    assert len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows)
    labels = {r["label"] for r in rows}
    assert labels == set(PRESET_CATEGORIES) | {"no_response_needed"}
    assert {r["language"] for r in rows} == {"en", "zh", "es"}
