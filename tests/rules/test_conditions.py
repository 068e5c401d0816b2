"""The one vocabulary of rule conditions (api.rules.conditions), without a database: each condition,
all/any, missing facts, what each kind of rule reads, hostile stored JSON, and how each caller words
what held."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.assignment.service import routing_reason
from api.automation.explain import Part
from api.automation.matcher import evaluate
from api.rules.conditions import (
    ASSIGNMENT_RULE,
    AUTO_REPLY_RULE,
    SLA_POLICY,
    Facts,
    Held,
    Vocabulary,
    match,
)
from api.sla.calendar import BusinessCalendar
from api.sla.policy import choose

# Every name, read as if by one rule kind that knows the whole vocabulary.
EVERYTHING = Vocabulary(SLA_POLICY.names | ASSIGNMENT_RULE.names | AUTO_REPLY_RULE.names, ignore_unknown_names=False)
VOCABULARIES = [SLA_POLICY, ASSIGNMENT_RULE, AUTO_REPLY_RULE, EVERYTHING]

OFFICE = BusinessCalendar.from_spec(
    "Asia/Shanghai", {d: ["09:00-20:00"] for d in ("mon", "tue", "wed", "thu", "fri")}, holidays=["2026-10-01"]
)
MONDAY_NOON_SHANGHAI = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
MONDAY_NIGHT_SHANGHAI = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
NATIONAL_DAY = datetime(2026, 10, 1, 3, 0, tzinfo=UTC)

FACTS = Facts(
    marketplace="walmart",
    channel_id="c1",
    category="damaged",
    priority="high",
    customer_tier="high_value",
    language="zh",
    labels=frozenset({"vip", "bbb_complaint"}),
    text="The lamp arrived broken, I want to return it. 我要退货",
    first_message=True,
    sent_at=MONDAY_NOON_SHANGHAI,
    calendar=OFFICE,
)


def holds(conditions: object, facts: Facts = FACTS, vocabulary: Vocabulary = EVERYTHING) -> bool:
    return match(conditions, facts, vocabulary)[0]


@pytest.mark.parametrize(
    ("name", "fact", "value"),
    [
        ("marketplaces", "marketplace", "walmart"),
        ("channel_ids", "channel_id", "c1"),
        ("categories", "category", "damaged"),
        ("priorities", "priority", "high"),
        ("customer_tiers", "customer_tier", "high_value"),
        ("languages", "language", "zh"),
    ],
)
def test_a_list_condition_holds_when_the_fact_is_one_of_its_values(name: str, fact: str, value: str) -> None:
    assert match({name: ["other", value]}, FACTS, EVERYTHING) == (True, [Held(name, value)])
    assert not holds({name: ["other"]})
    # Exact comparison, case included: every former matcher compared so.
    assert not holds({name: [value.upper()]})
    assert not holds({name: [value[:-1]]})


def test_labels_any_holds_on_one_shared_label_and_names_the_first_in_order() -> None:
    assert match({"labels_any": ["vip", "bbb_complaint"]}, FACTS, EVERYTHING) == (
        True,
        [Held("labels_any", "bbb_complaint")],
    )
    assert not holds({"labels_any": ["attorney_general_complaint"]})
    assert not holds({"labels_any": ["vip"]}, Facts())


def test_keywords_are_english_whole_words_or_chinese_substrings() -> None:
    assert match({"keywords": ["refund", "RETURN"]}, FACTS, EVERYTHING) == (True, [Held("keywords", "RETURN")])
    assert match({"keywords": ["退货"]}, FACTS, EVERYTHING) == (True, [Held("keywords", "退货")])
    assert holds({"keywords": ["lamp"]}, Facts(text="Two LAMPS"))  # a common ending, any case
    assert not holds({"keywords": ["turn"]})  # inside "return": not a whole word
    assert not holds({"keywords": ["refund"]})


def test_keywords_and_patterns_are_one_condition_any_of_which_will_do() -> None:
    assert match({"patterns": [r"LAMP\s+arrived"]}, FACTS, EVERYTHING) == (True, [Held("patterns", r"LAMP\s+arrived")])
    assert match({"keywords": ["refund"], "patterns": [r"broken"]}, FACTS, EVERYTHING) == (
        True,
        [Held("patterns", "broken")],
    )
    # A keyword that is found is named before a pattern that is found.
    assert match({"patterns": ["broken"], "keywords": ["lamp"]}, FACTS, EVERYTHING) == (
        True,
        [Held("keywords", "lamp")],
    )
    assert not holds({"keywords": ["refund"], "patterns": [r"\d{5}"]})


def test_first_message_only() -> None:
    assert match({"first_message_only": True}, FACTS, EVERYTHING) == (True, [Held("first_message_only")])
    assert not holds({"first_message_only": True}, Facts(first_message=False))
    assert not holds({"first_message_only": True}, Facts())


def test_business_hours_and_holidays_by_the_calendar() -> None:
    night = Facts(sent_at=MONDAY_NIGHT_SHANGHAI, calendar=OFFICE)
    assert match({"outside_business_hours": True}, night, EVERYTHING) == (True, [Held("outside_business_hours")])
    assert not holds({"outside_business_hours": True}, Facts(sent_at=MONDAY_NOON_SHANGHAI, calendar=OFFICE))
    holiday = Facts(sent_at=NATIONAL_DAY, calendar=OFFICE)
    assert match({"on_holiday": True}, holiday, EVERYTHING) == (True, [Held("on_holiday", "2026-10-01")])
    assert not holds({"on_holiday": True}, night)


@pytest.mark.parametrize("flag", ["outside_business_hours", "on_holiday"])
def test_without_a_calendar_or_a_time_business_hours_cannot_be_told(flag: str) -> None:
    assert not holds({flag: True}, Facts(sent_at=NATIONAL_DAY))
    assert not holds({flag: True}, Facts(calendar=OFFICE))


def test_every_condition_must_hold() -> None:
    assert holds({"marketplaces": ["walmart"], "categories": ["damaged"], "keywords": ["lamp"]})
    assert not holds({"marketplaces": ["walmart"], "categories": ["pre_sale"], "keywords": ["lamp"]})
    assert not holds({"marketplaces": ["walmart"], "keywords": ["refund"]})


@pytest.mark.parametrize("empty", [{}, {"marketplaces": []}, {"first_message_only": False}, {"keywords": None}])
def test_absent_empty_or_false_conditions_match_everything(empty: dict[str, object]) -> None:
    for vocabulary in VOCABULARIES:
        assert match(empty, Facts(), vocabulary) == (True, [])


def test_what_held_is_listed_in_the_order_the_conditions_are_stored() -> None:
    stored = {"keywords": ["lamp"], "priorities": ["high"], "labels_any": ["vip"], "patterns": ["x"]}
    assert match(stored, FACTS, EVERYTHING)[1] == [
        Held("keywords", "lamp"),
        Held("priorities", "high"),
        Held("labels_any", "vip"),
    ]


def test_a_fact_that_is_not_known_never_satisfies_a_condition() -> None:
    for name in ("marketplaces", "channel_ids", "categories", "priorities", "customer_tiers", "languages"):
        assert not holds({name: ["x", None]}, Facts())
    assert not holds({"keywords": ["lamp"]}, Facts())


def test_each_kind_of_rule_reads_its_own_part_of_the_vocabulary() -> None:
    # An SLA policy never matches on a condition it cannot test (it must not take conversations from
    # the policies below it); assignment and auto-reply rules ignore one, as they always did.
    assert not holds({"keywords": ["zzz"]}, vocabulary=SLA_POLICY)
    assert not holds({"colour": ["red"]}, vocabulary=SLA_POLICY)
    assert holds({"colour": []}, vocabulary=SLA_POLICY)  # an empty unknown condition is no condition
    assert holds({"colour": ["red"], "patterns": ["zzz"], "labels_any": ["x"]}, vocabulary=ASSIGNMENT_RULE)
    assert holds({"colour": ["red"], "languages": ["en"], "priorities": ["low"]}, vocabulary=AUTO_REPLY_RULE)
    assert not holds({"languages": ["en"]}, vocabulary=ASSIGNMENT_RULE)


@pytest.mark.parametrize(
    "conditions",
    [
        None,
        [],
        ["marketplaces"],
        "marketplaces",
        42,
        {"marketplaces": "walmart"},  # a string where a list belongs: no substring match
        {"marketplaces": "walmart-us"},
        {"marketplaces": 42},
        {"marketplaces": {"walmart": True}},
        {"marketplaces": True},
        {"labels_any": "vip"},
        {"labels_any": [["vip"], {"a": 1}]},
        {"keywords": "lamp"},
        {"keywords": [42, None, ["lamp"], {"k": "lamp"}]},
        {"patterns": ["[unclosed"]},
        {"patterns": ["(a+)+$"]},
        {"patterns": ["x" * 201]},
        {"patterns": [42]},
        {"patterns": "broken"},
    ],
)
def test_stored_json_of_the_wrong_shape_does_not_hold_and_never_raises(conditions: object) -> None:
    assert match(conditions, FACTS, EVERYTHING) == (False, [])
    for vocabulary in VOCABULARIES:  # names outside a vocabulary may be ignored; nothing may raise
        match(conditions, FACTS, vocabulary)


def test_wrong_values_in_a_list_are_skipped_not_fatal() -> None:
    assert holds({"marketplaces": [None, 42, {"a": 1}, ["walmart"], "walmart"]})
    assert holds({"keywords": [42, None, "lamp"]})
    assert holds({"patterns": ["[unclosed", 42, "(a+)+$", "broken"]})


def test_flags_are_switched_on_by_any_true_value_as_before() -> None:
    assert not holds({"first_message_only": "yes"}, Facts(first_message=False))
    assert holds({"first_message_only": 0}, Facts(first_message=False))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
NAMES = st.sampled_from(sorted(EVERYTHING.names | {"colour", ""}))


@settings(max_examples=300, deadline=None)
@given(conditions=st.dictionaries(NAMES, JSON, max_size=5) | JSON)
def test_any_stored_json_gives_an_answer(conditions: object) -> None:
    for vocabulary in VOCABULARIES:
        matched, held = match(conditions, FACTS, vocabulary)
        assert isinstance(matched, bool) and all(isinstance(h, Held) for h in held)
        assert matched or held == []


# How each caller words what held.


def test_a_policy_explains_itself_in_the_order_of_its_conditions() -> None:
    facts = Facts(marketplace="walmart", channel_id="c1", category="damaged", priority="high", customer_tier="new")
    policies = [
        ("bbb", 1, {"labels_any": ["bbb_complaint"], "marketplaces": ["walmart"]}, "BBB"),
        ("walmart", 2, {"priorities": ["high"], "marketplaces": ["walmart"], "customer_tiers": ["new"]}, "Walmart"),
        ("default", 99, {}, "Default"),
    ]
    chosen = choose(policies, facts)
    assert chosen.policy_id == "walmart"
    assert chosen.matched == (("priority", "high"), ("marketplace", "walmart"), ("customer_tier", "new"))
    assert chosen.reason == "policy 'Walmart' matched priority high, marketplace walmart, customer tier new"
    labelled = choose(policies, Facts(marketplace="walmart", labels=frozenset({"bbb_complaint"})))
    assert labelled.matched == (("label", "bbb_complaint"), ("marketplace", "walmart"))


def test_a_policy_with_a_malformed_condition_gives_way_to_the_next() -> None:
    policies = [("broken", 1, {"marketplaces": "walmart"}, "Broken"), ("default", 2, {}, "Default")]
    assert choose(policies, Facts(marketplace="walmart")).policy_id == "default"


def test_an_auto_reply_explains_itself_in_a_fixed_order() -> None:
    stored = {
        "customer_tiers": ["high_value"],
        "channel_ids": ["c1"],
        "keywords": ["lamp"],
        "first_message_only": True,
        "marketplaces": ["walmart"],
        "categories": ["damaged"],
        "outside_business_hours": True,
    }
    matched, why = evaluate(stored, replace(FACTS, sent_at=MONDAY_NIGHT_SHANGHAI))
    assert matched and why == [
        Part("outside_business_hours"),
        Part("keyword", {"keyword": "lamp"}),
        Part("marketplace", {"marketplace": "walmart"}),
        Part("category", {"category": "damaged"}),
        Part("customer_tier", {"tier": "high_value"}),
    ]
    assert evaluate({"patterns": ["arrived broken"]}, FACTS) == (True, [Part("keyword", {"keyword": "arrived broken"})])
    assert evaluate({"colour": ["red"]}, FACTS) == (True, [])


def test_a_routing_reason_names_what_held_in_a_fixed_order() -> None:
    stored = {"keywords": ["lamp"], "customer_tiers": ["high_value"], "languages": ["zh"], "categories": ["damaged"]}
    matched, held = match(stored, FACTS, ASSIGNMENT_RULE)
    assert matched
    assert routing_reason(held) == "category damaged, language zh, customer tier high_value, keyword 'lamp'"
    assert routing_reason(match({}, FACTS, ASSIGNMENT_RULE)[1]) == "catch-all rule"
