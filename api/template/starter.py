"""The starter library: English answers to the questions buyers ask most, written to pass every
marketplace's compliance rules (no outside links but carrier tracking, no promotion)."""

from __future__ import annotations

STARTERS: tuple[tuple[str, str, str, str], ...] = (
    # (key, name, category, body)
    (
        "shipping_time",
        "Shipping time",
        "pre_sale",
        'Hi {{ customer_name or "there" }},\n\nThank you for your interest. Orders ship within 1-2 business days '
        "and usually arrive in 5-8 business days. We will send tracking details as soon as your order ships.\n\n"
        "Best regards,\n{{ agent_name or store_name }}",
    ),
    (
        "where_is_my_order",
        "Where is my order",
        "order_status",
        'Hi {{ customer_name or "there" }},\n\nThank you for reaching out about order {{ order_id }}. It is on its '
        'way with {{ carrier or "the carrier" }}, tracking number {{ tracking_number or "(pending)" }}. '
        'The estimated delivery date is {{ ship_eta or "within a few days" }}.\n\n'
        "Best regards,\n{{ agent_name or store_name }}",
    ),
    (
        "return_request",
        "Return request",
        "return_refund",
        'Hi {{ customer_name or "there" }},\n\nWe are sorry the item did not work out. You can request a return for '
        "order {{ order_id }} from your order page on {{ marketplace }}; once we receive the item we will process "
        "your refund within 2 business days. A team member will follow up with any details.\n\n"
        "Best regards,\n{{ agent_name or store_name }}",
    ),
    (
        "refund_status",
        "Refund status",
        "return_refund",
        'Hi {{ customer_name or "there" }},\n\nThank you for your patience. The refund for order {{ order_id }} has '
        "been issued; depending on your bank it can take 3-5 business days to appear.\n\n"
        "Best regards,\n{{ agent_name or store_name }}",
    ),
    (
        "cancel_order",
        "Cancel order",
        "cancel",
        'Hi {{ customer_name or "there" }},\n\nWe received your request to cancel order {{ order_id }}. If it has '
        "not shipped yet we will cancel it right away and you will get a confirmation from {{ marketplace }}. If it "
        "has already shipped, you can return it after delivery.\n\nBest regards,\n{{ agent_name or store_name }}",
    ),
    (
        "damaged_item",
        "Damaged item",
        "damaged",
        'Hi {{ customer_name or "there" }},\n\nWe are very sorry that your {{ item_title or "item" }} arrived '
        "damaged. Could you reply with a photo of the damage and the packaging? We will send a replacement or a full "
        "refund, whichever you prefer.\n\nBest regards,\n{{ agent_name or store_name }}",
    ),
    (
        "out_of_hours",
        "Out-of-hours acknowledgement",
        "uncategorized",
        'Hi {{ customer_name or "there" }},\n\nThank you for your message. Our team is away right now and will reply '
        "personally as soon as we are back, within one business day.\n\nBest regards,\n{{ store_name }}",
    ),
    (
        "holiday_notice",
        "Holiday notice",
        "uncategorized",
        'Hi {{ customer_name or "there" }},\n\nThank you for your message. Our team is on holiday and will reply '
        "personally when we return. Orders placed now ship on the next business day.\n\n"
        "Best regards,\n{{ store_name }}",
    ),
)

_NAMES = {key: name for key, name, _category, _body in STARTERS}


def is_starter_name(starter_key: str | None, name: str) -> bool:
    """Whether a starter template still has its own name (the SPA then shows it in the reader's language)."""
    return starter_key is not None and _NAMES.get(starter_key) == name
