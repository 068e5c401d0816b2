"""Pure automation rules: classification, language, keyword matching, business-hours edges,
assignment selectors, and the template sandbox."""

from datetime import UTC, datetime

import pytest

from api.assignment.selectors import Candidate, pick_least_loaded, pick_round_robin, sticky
from api.automation.classify import ClassificationInput, RuleClassifier
from api.automation.explain import Part, matched_english
from api.automation.language import detect_language
from api.automation.matcher import MessageContext, evaluate, keyword_pattern, validate_pattern
from api.sla.calendar import BusinessCalendar
from api.template.render import TemplateError, check, render

classify = RuleClassifier().classify


def item(body: str, **kw):
    return ClassificationInput(
        subject=kw.pop("subject", ""), body=body, marketplace=kw.pop("marketplace", "amazon"), **kw
    )


@pytest.mark.parametrize(
    ("body", "category", "priority"),
    [
        ("I want to return this lamp, it's the wrong colour", "return_refund", "high"),
        ("我想退货，尺码不合适", "return_refund", "high"),
        ("The lamp arrived broken", "damaged", "high"),
        ("我想退货，商品有破损", "damaged", "high"),
        ("Where is my order? It has not arrived", "order_status", "normal"),
        ("请问什么时候发货？", "order_status", "normal"),
        ("This is the worst seller, I will report you to the BBB", "complaint", "urgent"),
        ("骗子！我要投诉", "complaint", "high"),
        ("How do I reset it? What size battery does it take?", "product_question", "normal"),
        ("Increase your sales with our SEO backlinks", "spam_likely", "low"),
    ],
)
def test_keyword_categories_english_and_chinese(body, category, priority):
    result = classify(item(body, has_order=True))
    assert (result.category, result.priority) == (category, priority)
    assert result.reason.startswith(f"{category}: '")


def test_metadata_wins_and_explains():
    r = classify(item("hello", preset_category="walmart_customer_care", marketplace="walmart"))
    assert r.category == "walmart_customer_care" and r.reason.startswith("marketplace metadata")
    r = classify(item("hello", labels=frozenset({"bbb_complaint"}), marketplace="walmart"))
    assert (r.category, r.priority) == ("complaint", "urgent")
    assert classify(item("Your listing was updated", author_kind="system")).category == "platform_notice"


def test_no_order_and_no_keywords_is_pre_sale():
    assert classify(item("Hi there, quick question")).category == "pre_sale"
    assert classify(item("Hi there", has_order=True)).category == "order_status"


def test_returns_keywords_do_not_fire_inside_other_words():
    # "returned" is a return; "nonreturnable"? never a keyword boundary match for "return".
    assert keyword_pattern("return").search("I returned it")
    assert not keyword_pattern("return").search("it is nonreturnable")
    assert keyword_pattern("退货").search("我要退货谢谢")
    assert keyword_pattern("when will it ship").search("Hi! When will it ship?")


def test_language_detection():
    assert detect_language("你好，我的订单在哪里？") == "zh"
    assert detect_language("Hola, ¿dónde está mi pedido? Gracias") == "es"
    assert detect_language("Where is my order?") == "en"
    assert detect_language("Order 111-222 请尽快发货 thanks") == "zh"


OFFICE = BusinessCalendar.from_spec(
    "Asia/Shanghai", {d: ["09:00-20:00"] for d in ("mon", "tue", "wed", "thu", "fri")}, holidays=["2026-10-01"]
)


def ctx(text="hello", sent_at=datetime(2026, 11, 23, 13, 0, tzinfo=UTC), **kw):
    base = {
        "text": text,
        "marketplace": "walmart",
        "channel_id": "c",
        "category": "pre_sale",
        "customer_tier": "standard",
        "first_message": True,
        "sent_at": sent_at,
        "calendar": OFFICE,
    }
    return MessageContext(**{**base, **kw})


def test_outside_business_hours_at_the_edges():
    rule = {"outside_business_hours": True}
    # 2026-11-23 is a Monday; 20:00 Shanghai = 12:00 UTC is closing time (closed from then on).
    assert evaluate(rule, ctx(sent_at=datetime(2026, 11, 23, 11, 59, 59, tzinfo=UTC)))[0] is False
    assert evaluate(rule, ctx(sent_at=datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)))[0] is True
    assert evaluate(rule, ctx(sent_at=datetime(2026, 11, 23, 0, 59, 59, tzinfo=UTC)))[0] is True  # 08:59:59
    assert evaluate(rule, ctx(sent_at=datetime(2026, 11, 23, 1, 0, 0, tzinfo=UTC)))[0] is False  # 09:00
    assert evaluate(rule, ctx(calendar=None))[0] is False


def test_holiday_keyword_and_first_message_conditions():
    assert evaluate({"on_holiday": True}, ctx(sent_at=datetime(2026, 10, 1, 3, tzinfo=UTC)))[0] is True
    assert evaluate({"on_holiday": True}, ctx())[0] is False
    matched, why = evaluate({"keywords": ["return", "退货"]}, ctx(text="Bonjour 我想退货 please"))
    assert matched and why == [Part("keyword", {"keyword": "退货"})]
    assert matched_english(why) == "keyword '退货'"
    assert evaluate({"keywords": ["ship"]}, ctx(text="relationship advice"))[0] is False
    assert evaluate({"first_message_only": True}, ctx(first_message=False))[0] is False
    assert evaluate({"marketplaces": ["amazon"]}, ctx())[0] is False


def test_hostile_patterns_are_refused():
    assert validate_pattern("(a+)+$") is not None
    assert validate_pattern("[unclosed") is not None
    assert validate_pattern("x" * 500) is not None
    assert validate_pattern(r"\border\s+\d+") is None


def agents(*specs):
    return [Candidate(user_id=u, status=s, capacity=cap, open_count=n) for u, s, cap, n in specs]


def test_least_loaded_within_capacity_and_online_only():
    pool = agents(("a", "online", 10, 5), ("b", "online", 10, 2), ("c", "away", 10, 0), ("d", "online", 2, 2))
    assert pick_least_loaded(pool).user_id == "b"
    assert pick_least_loaded(agents(("a", "online", 1, 1), ("b", "offline", 5, 0))) is None


def test_round_robin_skips_unavailable_and_wraps():
    pool = agents(("a", "online", 5, 0), ("b", "away", 5, 0), ("c", "online", 5, 0))
    assert pick_round_robin(pool, None).user_id == "a"
    assert pick_round_robin(pool, "a").user_id == "c"
    assert pick_round_robin(pool, "c").user_id == "a"


def test_sticky_only_when_available():
    pool = agents(("a", "online", 5, 0), ("b", "online", 1, 1))
    assert sticky(pool, "a").user_id == "a"
    assert sticky(pool, "b") is None


def test_template_variables_fallbacks_and_warnings():
    out = render('Hi {{ customer_name or "there" }}, order {{ order_id }}', {"order_id": "111-1"})
    assert out.text == "Hi there, order 111-1"
    assert out.warnings == ["{{customer_name}} has no value for this conversation."]
    assert check("Hi {{ nope }}") and "Unknown variable" in check("Hi {{ nope }}")[0]
    assert "Syntax error" in check("{% if %}")[0]


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ (customer_name|attr('format'))(1) }}",
        "{{ range(10**9)|list }}",
        "{{ 'a' * 100000000 }}",
        "{{ 9 ** 999999 }}",
        "{% for a in range(10) %}{% for b in range(10) %}{% for c in range(10) %}x{% endfor %}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    ],
)
def test_hostile_templates_are_refused(source):
    with pytest.raises(TemplateError):
        render(source, {"customer_name": "{0.__class__.__mro__}"})


def test_buyer_data_cannot_inject_template_syntax():
    out = render("Hi {{ customer_name }}", {"customer_name": "{{ ''.__class__ }}"})
    assert out.text == "Hi {{ ''.__class__ }}"
