"""The CSAT rule table and decision (api/compliance/csat.py)."""

import pytest

from api.compliance.csat import CSAT_RULES, decide, form_allowed
from api.compliance.rules import MARKETPLACES, check_proactive
from api.csat.service import DEFAULT_QUESTIONS, LINK_LINES
from tests.api.test_no_internal_citations import INTERNAL


def test_every_marketplace_has_a_sourced_rule_citing_no_internal_document() -> None:
    assert set(CSAT_RULES) == set(MARKETPLACES)
    for rule in CSAT_RULES.values():
        assert rule.reason and rule.source
        assert not INTERNAL.search(rule.reason) and not INTERNAL.search(rule.source)


@pytest.mark.parametrize("marketplace", ["amazon", "walmart"])
def test_no_survey_on_amazon_or_walmart(marketplace: str) -> None:
    d = decide(enabled=True, marketplace=marketplace, form_setting=None, category="shipping")
    assert not d.allowed and d.form is None
    assert ("Walmart" if marketplace == "walmart" else "Amazon") in d.source
    assert ("Walmart" if marketplace == "walmart" else "Amazon") in d.reason


@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok"])
def test_in_thread_only_where_links_are_forbidden(marketplace: str) -> None:
    d = decide(enabled=True, marketplace=marketplace, form_setting="link", category="shipping")
    assert d.allowed and d.form == "in_thread"
    assert not form_allowed(marketplace, "link")
    assert form_allowed(marketplace, "off") and form_allowed(marketplace, "in_thread")


@pytest.mark.parametrize("marketplace", ["email", "api"])
def test_link_allowed_on_own_channels(marketplace: str) -> None:
    d = decide(enabled=True, marketplace=marketplace, form_setting="link", category="shipping")
    assert d.allowed and d.form == "link"


def test_refusals_in_order() -> None:
    base = {"marketplace": "ebay", "form_setting": None, "category": "shipping"}
    assert "switched off" in decide(enabled=False, **base).reason
    assert not decide(enabled=True, **{**base, "form_setting": "off"}).allowed
    once = decide(enabled=True, already_asked_for_order=True, **base)
    assert not once.allowed and "once per order" in once.reason
    again = decide(enabled=True, already_asked_in_conversation=True, **base)
    assert not again.allowed
    complaint = decide(enabled=True, **{**base, "category": "complaint"})
    assert not complaint.allowed and "complain" in complaint.reason
    assert decide(enabled=True, ask_after_complaint=True, **{**base, "category": "complaint"}).allowed
    labelled = decide(enabled=True, labels=["complaint"], **base)
    assert not labelled.allowed


def test_a_review_request_is_refused_by_the_linter() -> None:
    violations = check_proactive("Please leave us a 5-star review!", "ebay")
    d = decide(enabled=True, marketplace="ebay", form_setting=None, category="shipping", violations=violations)
    assert not d.allowed and "rules" in d.reason


@pytest.mark.parametrize("language", sorted(DEFAULT_QUESTIONS))
@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok", "email", "api"])
def test_default_questions_pass_the_linter(language: str, marketplace: str) -> None:
    text = DEFAULT_QUESTIONS[language]
    assert not [v for v in check_proactive(text, marketplace) if v.severity == "error"], text
    if form_allowed(marketplace, "link"):
        linked = text + "\n" + LINK_LINES[language].format(url="https://hub.example.com/csat/abc")
        assert not [v for v in check_proactive(linked, marketplace) if v.severity == "error"]
