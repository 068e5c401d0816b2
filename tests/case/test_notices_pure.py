"""Recognising the eBay notices that open a case, with eBay's business-day deadline (pure)."""

from datetime import UTC, datetime

from api.case.notices import business_days_after, recognise
from sandbox.corpus import EBAY_NOTICES

FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def test_business_days_skip_the_weekend():
    assert business_days_after(FRIDAY, 3) == datetime(2026, 12, 9, 10, 0, tzinfo=UTC)  # Wed
    assert business_days_after(datetime(2026, 12, 7, 10, 0, tzinfo=UTC), 3) == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    assert business_days_after(datetime(2026, 12, 5, 23, 0, tzinfo=UTC), 1) == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)


def test_item_not_received_is_a_claim_with_its_inquiry_id_and_deadline():
    found = recognise(
        "ebay",
        "system",
        "An item not received request was opened",
        "jo_99 says they haven't received Mug. Inquiry ID: 512345678. Respond within 3 business days.",
        FRIDAY,
    )
    assert found is not None and found.kind == "claim" and found.marketplace_case_id == "512345678"
    assert found.deadline == datetime(2026, 12, 9, 10, 0, tzinfo=UTC)


def test_return_request_is_a_return():
    found = recognise("ebay", "system", "A buyer has requested a return", "x has requested to return Mug.", FRIDAY)
    assert found is not None and found.kind == "return" and found.marketplace_case_id is None


def test_other_notices_and_buyer_messages_open_nothing():
    assert recognise("ebay", "system", "Your payout has been initiated", "No action is needed.", FRIDAY) is None
    assert recognise("ebay", "buyer", "An item not received request was opened", "…", FRIDAY) is None
    assert recognise("walmart", "system", "An item not received request was opened", "…", FRIDAY) is None


def test_the_sandbox_corpus_notices_that_ask_for_action_are_recognised():
    context = {"handle": "jo_99", "title": "Mug", "item": "mug", "eta": "Dec 9", "case": "1234567"}
    kinds = {}
    for subject, body in EBAY_NOTICES:
        found = recognise("ebay", "system", subject.format_map(context), body.format_map(context), FRIDAY)
        kinds[subject] = (found.kind, found.marketplace_case_id) if found else None
    assert kinds["An item not received request was opened"] == ("claim", "51234567")
    assert kinds["A buyer has requested a return"] == ("return", "51234567")
    assert sum(1 for v in kinds.values() if v) == 2
