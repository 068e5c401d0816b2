"""The marketplace's after-sales record against our case (pure), the record parsers, and Amazon's
A-to-z notice (Amazon has no claims API)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from api.case import marketplace
from api.case.notices import AMAZON_CLAIM_HOURS, recognise
from api.channel.connectors import aftersales


def walk(source: str, status: str, kind: str, current: str, refunded: bool = False) -> list[str]:
    return marketplace.steps(kind, current, marketplace.implied(source, status, refunded))


def test_ebay_return_statuses_move_the_case_forward_only():
    assert walk("ebay_return", "RETURN_REQUESTED", "return", "requested") == []
    assert walk("ebay_return", "ITEM_DELIVERED", "return", "requested") == ["approved", "item_shipped_back", "received"]
    assert walk("ebay_return", "ITEM_SHIPPED", "return", "approved") == ["item_shipped_back"]
    # An agent already further than eBay is never pulled back.
    assert walk("ebay_return", "WAITING_FOR_RETURN_LABEL", "return", "received") == []
    assert walk("ebay_return", "RETURN_REJECTED", "return", "rejected") == []


def test_a_closed_record_closes_through_its_outcome():
    assert walk("ebay_return", "CLOSED", "return", "requested", refunded=True) == ["approved", "refunded", "closed"]
    assert walk("ebay_return", "CLOSED", "return", "item_shipped_back", True) == ["received", "refunded", "closed"]
    assert walk("ebay_return", "CLOSED", "return", "requested") == ["withdrawn", "closed"]
    assert walk("ebay_return", "CLOSED", "return", "approved") == []  # ended with no refund: left to a person
    assert walk("ebay_inquiry", "CLOSED", "claim", "requested", refunded=True) == ["refunded", "closed"]
    assert walk("ebay_inquiry", "CLOSED_WITH_ESCALATION", "claim", "requested") == ["contested"]
    assert walk("walmart_return", "COMPLETED", "return", "requested") == ["approved", "refunded", "closed"]
    assert walk("walmart_return", "REFUND_COMPLETED", "return", "refunded") == ["closed"]
    assert walk("walmart_return", "DELIVERED", "return", "approved") == ["item_shipped_back", "received"]


def test_seller_actions_go_back_only_when_the_case_is_ahead():
    options = ("APPROVE", "DECLINE", "ISSUE_REFUND")
    assert marketplace.seller_action("ebay_return", "RETURN_REQUESTED", options, "requested", False) is None
    assert marketplace.seller_action("ebay_return", "RETURN_REQUESTED", options, "approved", False) == "approve"
    assert marketplace.seller_action("ebay_return", "RETURN_REQUESTED", options, "rejected", False) == "decline"
    assert marketplace.seller_action("ebay_return", "RETURN_REQUESTED", options, "refunded", False) == "refund"
    assert marketplace.seller_action("ebay_return", "ITEM_SHIPPED", ("ISSUE_REFUND",), "approved", False) is None
    assert marketplace.seller_action("ebay_return", "CLOSED", (), "closed", True) is None
    assert marketplace.seller_action("ebay_inquiry", "WAITING_SELLER_RESPONSE", (), "closed", True) == "refund"
    assert marketplace.seller_action("ebay_inquiry", "CLOSED", (), "refunded", True) is None
    assert marketplace.seller_action("walmart_return", "INITIATED", (), "refunded", True) == "refund"
    assert marketplace.seller_action("walmart_return", "COMPLETED", (), "refunded", True) is None
    assert marketplace.seller_action("walmart_return", "INITIATED", (), "closed", False) is None


def test_ebay_return_member_is_read_with_its_deadline_and_options():
    member = {
        "returnId": "5000123456",
        "status": "RETURN_REQUESTED",
        "buyerLoginName": "jo_99",
        "sellerTotalRefund": {"estimatedRefundAmount": {"value": 19.99, "currency": "USD"}},
        "sellerAvailableOptions": [{"actionType": "APPROVE"}, {"actionType": "DECLINE"}],
        "sellerResponseDue": {
            "activityDue": "SELLER_APPROVE_REQUEST",
            "respondByDate": {"value": "2026-03-04T10:00:00.000Z"},
        },
        "creationInfo": {
            "item": {"itemId": "110093125309", "transactionId": "0", "returnQuantity": 2},
            "reason": "DEFECTIVE_ITEM",
            "comments": {"content": "cracked"},
            "creationDate": {"value": "2026-03-01T10:00:00.000Z"},
        },
    }
    record = aftersales.ebay_return(member, "seller")
    assert record.kind == "return" and record.marketplace_case_id == "5000123456"
    assert record.deadline == datetime(2026, 3, 4, 10, tzinfo=UTC)
    assert record.amount == Decimal("19.99") and record.currency == "USD" and record.refunded is None
    assert record.options == ("APPROVE", "DECLINE")
    assert record.items == [{"item_id": "110093125309", "quantity": 2}]
    assert aftersales.MarketCase.from_json(record.to_json()) == record
    message = aftersales.notice(record)
    assert message.external_message_id == "ebay_return:5000123456" and message.author_kind == "system"
    assert message.external_thread_id == "ebay_return:5000123456" and message.item_id == "110093125309"


def test_ebay_inquiry_and_walmart_return_shapes():
    inquiry = aftersales.ebay_inquiry(
        {
            "inquiryId": "5012345678",
            "inquiryStatusEnum": "WAITING_SELLER_RESPONSE",
            "buyer": "b",
            "itemId": "110093125309",
            "claimAmount": {"value": 19.99, "currency": "USD"},
            "creationDate": {"value": "2026-03-01T10:00:00.000Z"},
            "respondByDate": {"value": "2026-03-04T10:00:00.000Z"},
        }
    )
    assert inquiry.kind == "claim" and inquiry.deadline == datetime(2026, 3, 4, 10, tzinfo=UTC)
    order = {
        "returnOrderId": "4451234567890",
        "customerEmailId": "AB12@relay.walmart.com",
        "customerOrderId": "2001",
        "returnOrderDate": "2026-03-01T10:00:00.000Z",
        "returnByDate": "2026-03-31T10:00:00.000Z",
        "totalRefundAmount": {"currencyAmount": 30.0, "currencyUnit": "USD"},
        "returnOrderLines": [
            {
                "returnOrderLineNumber": 1,
                "returnReason": "DAMAGED",
                "purchaseOrderId": "1001",
                "item": {"sku": "MUG-1"},
                "quantity": {"unitOfMeasure": "EA", "measurementValue": 2},
                "status": "INITIATED",
                "currentRefundStatus": "REFUND_PENDING",
            }
        ],
    }
    record = aftersales.walmart_return(order, "pc-ab12@relay.walmart.com")
    assert record.order_id == "1001" and record.status == "INITIATED"
    assert record.items == [{"sku": "MUG-1", "quantity": 2}]
    assert record.deadline == datetime(2026, 3, 31, 10, tzinfo=UTC)
    assert record.extra["lines"] == [{"number": 1, "quantity": 2}]
    message = aftersales.notice(record)
    assert message.external_thread_id is None and message.order_id == "1001"  # joins the buyer's mail on the order
    order["returnOrderLines"][0]["currentRefundStatus"] = "REFUND_COMPLETED"
    assert aftersales.walmart_return(order, None).status == "REFUND_COMPLETED"


def test_amazon_a_to_z_claim_notice_opens_a_claim_with_its_deadline():
    sent = datetime(2026, 3, 2, 9, tzinfo=UTC)
    found = recognise(
        "amazon",
        "system",
        "A-to-z Guarantee claim for order 113-1234567-1234567",
        "The buyer filed an A-to-z Guarantee claim. Please respond within 48 hours.",
        sent,
    )
    assert found is not None and found.kind == "claim"
    assert found.marketplace_case_id == "atoz-113-1234567-1234567" and found.deadline == sent + timedelta(hours=48)
    found = recognise("amazon", "system", "A-to-z claim", "Claim ID: AZ778899 on order 113-1234567-1234567", sent)
    assert found is not None and found.marketplace_case_id == "AZ778899"
    assert found.deadline == sent + timedelta(hours=AMAZON_CLAIM_HOURS)
    assert recognise("amazon", "buyer", "A-to-z claim", "I will file an A-to-z claim", sent) is None
    assert recognise("amazon", "system", "Your payout", "Your payout was sent.", sent) is None
