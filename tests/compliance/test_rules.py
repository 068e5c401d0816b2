"""Tests for the outbound-message compliance linter (api/compliance/rules.py, R7)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.compliance.rules import (
    MARKETPLACE_NAMES,
    MARKETPLACES,
    RULES,
    RuleInfo,
    UnknownMarketplaceError,
    Violation,
    check_message,
    has_blocking,
    rules_for,
)


def found(text: str, marketplace: str, code: str | None = None, **kw: str | None) -> list[str]:
    """The offending substrings (optionally of one rule code)."""
    return [text[v.start : v.end] for v in check_message(text, marketplace, **kw) if code in (None, v.code)]


def codes(text: str, marketplace: str, **kw: str | None) -> list[str]:
    return [v.code for v in check_message(text, marketplace, **kw)]


def only(text: str, marketplace: str, code: str, **kw: str | None) -> Violation:
    vs = [v for v in check_message(text, marketplace, **kw) if v.code == code]
    assert len(vs) == 1, vs
    return vs[0]


# --------------------------------------------------------------------------------------
# Public API and the rule table
# --------------------------------------------------------------------------------------

EXPECTED_TABLE = {
    "walmart": {
        "empty_message": "error",
        "external_link": "error",
        "carrier_link": "warning",
        "email_address": "error",
        "phone_number": "error",
        "html_markup": "error",
        "promotional_language": "error",
        "review_manipulation": "error",
        "not_english": "error",
        "mixed_language": "warning",
    },
    "amazon": {
        "empty_message": "error",
        "external_link": "error",
        "email_address": "error",
        "phone_number": "error",
        "html_markup": "error",
        "promotional_language": "warning",
        "review_manipulation": "error",
        "too_long": "error",
        "not_english": "warning",
        "mixed_language": "warning",
    },
    "ebay": {
        "empty_message": "error",
        "external_link": "warning",
        "email_address": "error",
        "phone_number": "error",
        "html_markup": "error",
        "too_long": "error",
    },
    "shopee": {
        "empty_message": "error",
        "external_link": "warning",
        "email_address": "warning",
        "phone_number": "warning",
        "html_markup": "error",
    },
    "tiktok": {
        "empty_message": "error",
        "external_link": "warning",
        "email_address": "error",
        "phone_number": "warning",
        "html_markup": "error",
        "too_long": "error",
    },
    "email": {"empty_message": "error"},
    "api": {"empty_message": "error"},
}


def test_marketplaces_are_exactly_the_table_keys() -> None:
    assert set(MARKETPLACES) == set(RULES) == set(MARKETPLACE_NAMES)
    assert MARKETPLACES == ("walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api")


@pytest.mark.parametrize("marketplace", MARKETPLACES)
def test_rule_table_per_marketplace(marketplace: str) -> None:
    table = {r.code: r.severity for r in RULES[marketplace]}
    assert table == EXPECTED_TABLE[marketplace]
    assert len(table) == len(RULES[marketplace]), "a code appears twice"


@pytest.mark.parametrize("marketplace", MARKETPLACES)
def test_rules_for_describes_the_table(marketplace: str) -> None:
    infos = rules_for(marketplace)
    assert all(isinstance(i, RuleInfo) for i in infos)
    assert [(i.code, i.severity) for i in infos] == [(r.code, r.severity) for r in RULES[marketplace]]
    for info in infos:
        assert info.description and info.source
        assert info.code.isidentifier() and info.code == info.code.lower()


def test_rules_for_length_rules_name_the_limit_and_unit() -> None:
    (info,) = [i for i in rules_for("amazon") if i.code == "too_long"]
    assert "2,000" in info.description and "code points" in info.description


def test_unknown_marketplace_raises_value_error() -> None:
    with pytest.raises(UnknownMarketplaceError):
        check_message("hi", "etsy")
    with pytest.raises(ValueError):
        rules_for("etsy")


def test_marketplace_name_is_case_insensitive_and_normalised() -> None:
    (v,) = check_message("see example.com", " Amazon ")
    assert v.marketplace == "amazon"


def test_violation_is_frozen() -> None:
    (v,) = check_message("", "amazon")
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.start = 3  # type: ignore[misc]


def test_has_blocking() -> None:
    assert has_blocking(check_message("see https://example.com", "amazon"))
    assert not has_blocking(check_message("see https://example.com", "ebay"))  # warning only
    assert not has_blocking([])
    assert not has_blocking(check_message("Your parcel shipped today.", "amazon"))


def test_blocking_property_matches_severity() -> None:
    for v in check_message("Use coupon SAVE10 at https://x.com", "amazon"):
        assert v.blocking == (v.severity == "error")


def test_clean_message_has_no_violations_anywhere() -> None:
    text = (
        "Hi Sarah, thanks for reaching out. Your order 111-3958185-1645065 shipped on 2024-01-15 "
        "with tracking number 1Z999AA10123456784 and should arrive by Friday. The 3.5mm adapter "
        "is in the box (see photo.jpg). Let us know if anything is missing!"
    )
    for m in MARKETPLACES:
        assert check_message(text, m, order_locale="en-US", order_country="US") == [], m


# --------------------------------------------------------------------------------------
# Empty messages
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("marketplace", MARKETPLACES)
@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "\u3000", "\u200b\u200b", " \ufeff "])
def test_empty_message_is_an_error_everywhere(marketplace: str, text: str) -> None:
    (v,) = check_message(text, marketplace, order_country="US", order_locale="en-US")
    assert v.code == "empty_message" and v.severity == "error"
    assert (v.start, v.end) == (0, len(text))
    assert v.message.endswith("must not be empty.")


# --------------------------------------------------------------------------------------
# Length
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("marketplace", ["amazon", "ebay", "tiktok"])
def test_length_limit_boundary(marketplace: str) -> None:
    assert "too_long" not in codes("a" * 2000, marketplace)
    text = "a" * 2001
    v = only(text, marketplace, "too_long")
    assert v.severity == "error"
    assert (v.start, v.end) == (2000, 2001)
    assert "2,000" in v.message and "2,001" in v.message and "1 over" in v.message
    assert MARKETPLACE_NAMES[marketplace] in v.message


def test_length_counts_an_emoji_as_one_character() -> None:
    assert len("😀") == 1
    assert "too_long" not in codes("😀" * 2000, "amazon")
    v = only("😀" * 2001, "amazon", "too_long")
    assert (v.start, v.end) == (2000, 2001)


def test_length_counts_chinese_characters_as_one_each() -> None:
    assert "too_long" not in codes("好" * 2000, "ebay")
    text = "好" * 1990 + "x" * 15
    v = only(text, "ebay", "too_long")
    assert (v.start, v.end) == (2000, 2005) and text[v.start : v.end] == "xxxxx"


def test_length_span_is_the_part_over_the_limit() -> None:
    text = "x" * 1995 + "0123456789"
    v = only(text, "tiktok", "too_long")
    assert text[v.start : v.end] == "56789"


@pytest.mark.parametrize("marketplace", ["walmart", "shopee", "email", "api"])
def test_no_length_cap(marketplace: str) -> None:
    assert "too_long" not in codes("Thanks! " * 2000, marketplace, order_country="US")


# --------------------------------------------------------------------------------------
# External links
# --------------------------------------------------------------------------------------


def test_external_link_message_matches_the_brief() -> None:
    v = only("Please see https://example.com for details.", "amazon", "external_link")
    assert v.message == "Amazon does not allow links to sites outside Amazon (https://example.com)."
    assert v.severity == "error"


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("See https://x.com/a for details", "https://x.com/a"),
        ("See http://x.com/a?b=1&c=2#frag.", "http://x.com/a?b=1&c=2#frag"),
        ("Go to www.shop.com now", "www.shop.com"),
        ("Go to WWW.SHOP.COM now", "WWW.SHOP.COM"),
        ("Our page: shop.com/abc, thanks", "shop.com/abc"),
        ("Short: bit.ly/x", "bit.ly/x"),
        ("Short link bit.ly/3xYz!", "bit.ly/3xYz"),
        ("Visit mystore.co.uk.", "mystore.co.uk"),
        ("Visit example.com.", "example.com"),
        ("obfuscated hxxps://evil.com/x", "hxxps://evil.com/x"),
        ("(see https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("(see https://example.com/a)", "https://example.com/a"),
        ("IP link http://192.168.0.1/admin", "http://192.168.0.1/admin"),
        ("<https://example.com>", "https://example.com"),
        ("port shop.io:8080/x", "shop.io:8080/x"),
        ("www.example works too", "www.example"),
        ("trailing dot then word example.com.Thanks", "example.com"),
        ("lookalike amazon.com.evil.io", "amazon.com.evil.io"),
        ("lookalike evilamazon.com", "evilamazon.com"),
        ("lookalike https://amazon.com@evil.com/x", "https://amazon.com@evil.com/x"),
    ],
)
def test_external_links_are_found_with_exact_offsets(text: str, link: str) -> None:
    assert found(text, "amazon", "external_link") == [link]


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("请访问www.example.com购买", "www.example.com"),
        ("请访问https://example.com/p?id=1购买，谢谢", "https://example.com/p?id=1"),
        ("详情见example.com。", "example.com"),
        ("链接：bit.ly/abc，优惠", "bit.ly/abc"),
    ],
)
def test_links_inside_chinese_text_without_spaces(text: str, link: str) -> None:
    assert found(text, "walmart", "external_link", order_country="CN") == [link]


@pytest.mark.parametrize(
    "text",
    [
        "Use the 3.5mm jack",
        "e.g. the blue one, i.e. this one, etc.",
        "firmware v1.2 or v2.10.3",
        "see photo.jpg and manual.pdf, invoice.docx, data.csv, archive.zip, README.md, notes.txt",
        "It costs 12.99 or 1,299.50 dollars; ratio 0.75",
        "Mr.Smith and Dr.Jones, U.S.A., No.1, a.m./p.m.",
        "Thank you.We shipped it.It will arrive soon",
        "Node.js and Vue.js",
        "version 10.0.19045",
        "at 10.30am",
        "...and so on...",
    ],
)
def test_not_links(text: str) -> None:
    assert found(text, "amazon", "external_link") == []


@pytest.mark.parametrize(
    ("marketplace", "text"),
    [
        ("amazon", "See https://www.amazon.com/dp/B000123"),
        ("amazon", "See amazon.co.uk/gp/help and smile.amazon.de"),
        ("amazon", "See https://sellercentral.amazon.com/gp/communication-manager/x.html?msg=1"),
        ("amazon", "Short amzn.to/abc"),
        ("amazon", "Amazon.com Return Center"),
        ("walmart", "See https://www.walmart.com/account/orders"),
        ("walmart", "See walmart.ca"),
        ("ebay", "See https://www.ebay.com/itm/110093125309 or ebay.co.uk/x"),
        ("shopee", "See https://shopee.co.id/product/1/2 or shp.ee/abc"),
        ("shopee", "See shopee.com.my"),
        ("tiktok", "See https://vm.tiktok.com/ZMabc/ or tiktokshop.com"),
    ],
)
def test_marketplace_own_domains_are_allowed(marketplace: str, text: str) -> None:
    assert found(text, marketplace, "external_link", order_country="XX") == []


CARRIER_TEXT = "Track it at https://www.ups.com/track?tracknum=1Z999AA10123456784 or fedex.com/track"


def test_carrier_tracking_links_are_allowed_on_amazon() -> None:
    assert found(CARRIER_TEXT, "amazon") == []


def test_carrier_tracking_links_are_a_warning_on_walmart() -> None:
    vs = check_message(CARRIER_TEXT, "walmart")
    assert [(v.code, v.severity) for v in vs] == [("carrier_link", "warning")] * 2
    assert [CARRIER_TEXT[v.start : v.end] for v in vs] == [
        "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        "fedex.com/track",
    ]
    assert not has_blocking(vs)
    assert "tracking number" in vs[0].message


@pytest.mark.parametrize("carrier", ["usps.com", "tools.usps.com/go", "dhl.com", "www.fedex.com"])
def test_all_carriers(carrier: str) -> None:
    text = f"Tracking: {carrier}"
    assert found(text, "amazon") == []
    assert found(text, "walmart", "carrier_link") == [carrier]
    assert found(text, "walmart", "external_link") == []


def test_carrier_links_on_other_marketplaces() -> None:
    assert found(CARRIER_TEXT, "ebay") == []
    assert found(CARRIER_TEXT, "tiktok") == []
    assert len(found(CARRIER_TEXT, "shopee", "external_link")) == 2


@pytest.mark.parametrize(
    ("marketplace", "severity"),
    [
        ("amazon", "error"),
        ("walmart", "error"),
        ("ebay", "warning"),
        ("shopee", "warning"),
        ("tiktok", "warning"),
    ],
)
def test_external_link_severity(marketplace: str, severity: str) -> None:
    v = only("see https://example.com", marketplace, "external_link", order_country="DE")
    assert v.severity == severity
    assert MARKETPLACE_NAMES[marketplace] in v.message


@pytest.mark.parametrize("marketplace", ["email", "api"])
def test_email_and_api_channels_have_no_link_rule(marketplace: str) -> None:
    assert check_message("see https://example.com, a@b.com, <b>, coupon, 555-123-4567", marketplace) == []


def test_several_links_in_order() -> None:
    text = "a.com then https://b.com/x then www.c.org"
    assert found(text, "amazon", "external_link") == ["a.com", "https://b.com/x", "www.c.org"]


# --------------------------------------------------------------------------------------
# Email addresses
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marketplace", "severity"),
    [
        ("amazon", "error"),
        ("walmart", "error"),
        ("ebay", "error"),
        ("tiktok", "error"),
        ("shopee", "warning"),
    ],
)
def test_email_address(marketplace: str, severity: str) -> None:
    text = "Write to john.doe+cs@gmail.com today."
    v = only(text, marketplace, "email_address")
    assert text[v.start : v.end] == "john.doe+cs@gmail.com"
    assert v.severity == severity
    assert MARKETPLACE_NAMES[marketplace] in v.message and "email address" in v.message


def test_email_is_not_also_reported_as_a_link() -> None:
    text = "Write to support@mystore.com or sales@mail.mystore.co.uk."
    assert [(v.code, text[v.start : v.end]) for v in check_message(text, "amazon")] == [
        ("email_address", "support@mystore.com"),
        ("email_address", "sales@mail.mystore.co.uk"),
    ]


def test_email_in_chinese_text() -> None:
    text = "请发邮件到abc@example.com谢谢"
    assert found(text, "ebay", "email_address") == ["abc@example.com"]


def test_marketplace_relay_addresses_are_still_email_addresses() -> None:
    text = "reply to sz2y5ywh1qg1vhx+133a066e@marketplace.amazon.com"
    assert found(text, "amazon", "email_address") == ["sz2y5ywh1qg1vhx+133a066e@marketplace.amazon.com"]


@pytest.mark.parametrize("text", ["@john thanks", "price @ $5", "a @ b", "user@localhost", "C@T"])
def test_not_email_addresses(text: str) -> None:
    assert found(text, "amazon", "email_address") == []


# --------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Call 555-123-4567 today", "555-123-4567"),
        ("Call (555) 123-4567.", "(555) 123-4567"),
        ("Call 555.123.4567", "555.123.4567"),
        ("Call 555 123 4567", "555 123 4567"),
        ("Call 1-800-555-0199!", "1-800-555-0199"),
        ("Reach us: +1 555 123 4567", "+1 555 123 4567"),
        ("WhatsApp +86 138 0013 8000", "+86 138 0013 8000"),
        ("UK office +44 (0)20 7946 0958", "+44 (0)20 7946 0958"),
        ("Intl +4915123456789", "+4915123456789"),
        ("Dial 555-1234 anytime", "555-1234"),
        ("手机 138 0013 8000", "138 0013 8000"),
        ("电话13800138000，谢谢", "13800138000"),
        ("请致电555-123-4567谢谢", "555-123-4567"),
        ("phone: 07911 123456", "07911 123456"),
        ("Tel：020-7946-0958", "020-7946-0958"),
        ("text me at 5551234567", "5551234567"),
    ],
)
def test_phone_numbers(text: str, number: str) -> None:
    assert found(text, "amazon", "phone_number") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "Your order 111-3958185-1645065 has shipped",
        "Order #111-3958185-1645065",
        "Call about order 111-3958185-1645065",
        "orders 111-3958185-1645065, 112-0000000-1234567",
        "Walmart order 1796277083022 and PO 200012345678901",
        "eBay order 12-34567-89012",
        "Tracking 1Z999AA10123456784",
        "USPS 9400 1000 0000 0000 0000 00",
        "FedEx 1234 5678 9012",
        "Delivered 2024-01-15, or 01/15/2024, or 15.01.2024, 2024.01.15",
        "Total $1,299.99 or ¥1234567 or 1234.5678 kg",
        "ZIP 98101-1234",
        "SKU 555-1234",
        "Order #555-1234",
        "ASIN B000123456, item 123456789012",
        "version 10.0.19045.3803",
        "ratio 3-4-5, size 10-12",
        "IP 192.168.100.200",
        "order no. 555-123-4567",
    ],
)
def test_not_phone_numbers(text: str) -> None:
    assert found(text, "amazon", "phone_number") == []


def test_amazon_order_id_next_to_a_real_phone() -> None:
    text = "Order 111-3958185-1645065: please don't call 555-123-4567."
    assert found(text, "amazon", "phone_number") == ["555-123-4567"]


@pytest.mark.parametrize(
    ("marketplace", "severity"),
    [
        ("amazon", "error"),
        ("walmart", "error"),
        ("ebay", "error"),
        ("tiktok", "warning"),
        ("shopee", "warning"),
    ],
)
def test_phone_severity(marketplace: str, severity: str) -> None:
    v = only("Call 555-123-4567", marketplace, "phone_number")
    assert v.severity == severity
    assert MARKETPLACE_NAMES[marketplace] in v.message and "phone number" in v.message


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("<b>Hi</b>", ["<b>", "</b>"]),
        ("Line<br>next<br/>last<BR />", ["<br>", "<br/>", "<BR />"]),
        ('Click <a href="x">here</a>', ['<a href="x">', "</a>"]),
        ("<a href=x target='_blank'>y", ["<a href=x target='_blank'>"]),
        ("<script>alert(1)</script>", ["<script>", "</script>"]),
        ('<p style="color:red">x</p>', ['<p style="color:red">', "</p>"]),
        ("<img src=a.png alt=x/>", ["<img src=a.png alt=x/>"]),
        ("<!-- hidden --> text", ["<!-- hidden -->"]),
        ("<!DOCTYPE html>", ["<!DOCTYPE html>"]),
        ("您好<b>重要</b>", ["<b>", "</b>"]),
    ],
)
def test_html_markup(text: str, tags: list[str]) -> None:
    assert found(text, "ebay", "html_markup") == tags


@pytest.mark.parametrize(
    "text",
    [
        "x < 5 and y > 3",
        "I <3 this",
        "if a<b and c>d then",
        "Price <$20>",
        "Email <john at example> later",
        "&amp; &lt;b&gt; entities are fine",
        "arrows -> and <- and <=>",
        "<Order 123>",
        "<< quoted >>",
    ],
)
def test_not_html(text: str) -> None:
    assert found(text, "ebay", "html_markup") == []


@pytest.mark.parametrize("marketplace", ["amazon", "ebay", "walmart", "tiktok", "shopee"])
def test_html_is_an_error(marketplace: str) -> None:
    vs = [v for v in check_message("<b>hello</b> there", marketplace, order_country="XX")]
    assert [(v.code, v.severity, v.start, v.end) for v in vs] == [
        ("html_markup", "error", 0, 3),
        ("html_markup", "error", 8, 12),
    ]


# --------------------------------------------------------------------------------------
# Promotional language and review manipulation
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Here is a discount code: SAVE10", "discount code"),
        ("Use code SAVE10 at checkout", "Use code"),
        ("Enjoy these coupons!", "coupons"),
        ("Use the coupon at checkout", "coupon"),
        ("Buy now while stocks last", "Buy now"),
        ("This is a limited time offer.", "limited time offer"),
        ("Limited-time deal today", "Limited-time deal"),
        ("Please visit our store for more", "visit our store"),
        ("Visit our website soon", "Visit our website"),
        ("Check out our other products", "Check out our other products"),
        ("Follow us on Instagram", "Follow us"),
        ("Get a promo code", "promo code"),
        ("Our promo ends soon", "promo"),
        ("Take 20% off your next order", "20% off"),
        ("Sign up for our newsletter", "Sign up for our newsletter"),
        ("送您一张优惠券", "优惠券"),
        ("折扣码是SAVE10", "折扣码"),
        ("Special offer: today only", "Special offer"),
    ],
)
def test_promotional_language(text: str, phrase: str) -> None:
    v = only(text, "walmart", "promotional_language", order_country="XX")
    assert text[v.start : v.end] == phrase
    assert v.severity == "error"


@pytest.mark.parametrize(
    "text",
    [
        "The recoupment of costs is done",
        "Your refund was processed by the promotions team",
        "We will discount nothing; the coupled item is fine",
        "This promotional period ended",
        "Please leave a review if you like",
        "Use the code on your return label at the UPS store",
    ],
)
def test_not_promotional(text: str) -> None:
    assert found(text, "walmart", "promotional_language", order_country="XX") == []


def test_promotional_english_and_chinese_side_by_side() -> None:
    text = "Special offer:优惠券SAVE10, free gift"
    assert found(text, "walmart", "promotional_language", order_country="XX") == [
        "Special offer",
        "优惠券",
        "free gift",
    ]


def test_promotional_is_a_warning_on_amazon_and_absent_elsewhere() -> None:
    text = "Use coupon SAVE10"
    assert only(text, "amazon", "promotional_language").severity == "warning"
    for m in ("ebay", "shopee", "tiktok", "email", "api"):
        assert "promotional_language" not in codes(text, m)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Please leave us a 5-star review!", "5-star review"),
        ("A five star rating would help", "five star rating"),
        ("Please give us 5 stars", "5 stars"),
        ("We appreciate positive feedback", "positive feedback"),
        ("Could you leave us a great review?", "leave us a great review"),
        ("Please remove your negative review", "remove your negative review"),
        ("Would you update your review?", "update your review"),
        ("A gift card in exchange for an honest review", "in exchange for an honest review"),
        ("麻烦给个好评", "好评"),
        ("求五星", "五星"),
        ("请删除差评", "删除差评"),
    ],
)
def test_review_manipulation(text: str, phrase: str) -> None:
    for marketplace in ("amazon", "walmart"):
        v = only(text, marketplace, "review_manipulation", order_country="XX")
        assert text[v.start : v.end] == phrase
        assert v.severity == "error"


@pytest.mark.parametrize(
    "text",
    [
        "If you have a moment, please leave a review of your experience.",
        "This model is rated 4.5 stars by other buyers.",
        "We read every review and feedback carefully.",
    ],
)
def test_not_review_manipulation(text: str) -> None:
    assert found(text, "amazon", "review_manipulation") == []


def test_neutral_review_request_is_fine() -> None:
    text = "If you have a moment, please leave a review of your experience."
    assert check_message(text, "amazon", order_locale="en-US") == []
    assert check_message(text, "walmart") == []


# --------------------------------------------------------------------------------------
# English for US orders
# --------------------------------------------------------------------------------------

CHINESE_REPLY = "您好，您的订单已经发货了，预计三天内送达。"


@pytest.mark.parametrize("country", [None, "US", "us", " US ", ""])
def test_walmart_us_orders_must_be_english(country: str | None) -> None:
    v = only(CHINESE_REPLY, "walmart", "not_english", order_country=country)
    assert v.severity == "error"
    assert CHINESE_REPLY[v.start : v.end] == "您好，您的订单已经发货了，预计三天内送达"
    assert "English" in v.message and "Walmart" in v.message


def test_walmart_non_us_orders_are_not_checked_for_english() -> None:
    assert check_message(CHINESE_REPLY, "walmart", order_country="CN") == []
    assert check_message(CHINESE_REPLY, "walmart", order_country="MX") == []


def test_first_non_english_run_is_reported() -> None:
    text = "Hi John, 您好，订单已发货 and 谢谢"
    v = only(text, "walmart", "not_english")
    assert text[v.start : v.end] == "您好，订单已发货"


def test_small_foreign_fragment_is_a_mixed_language_warning() -> None:
    text = "Hello John, thank you for your order, it has shipped today. 谢谢"
    vs = check_message(text, "walmart")
    assert [(v.code, v.severity, text[v.start : v.end]) for v in vs] == [("mixed_language", "warning", "谢谢")]
    assert not has_blocking(vs)


@pytest.mark.parametrize(
    ("text", "run"),
    [
        ("Здравствуйте, ваш заказ отправлен", "Здравствуйте, ваш заказ отправлен"),
        ("شكرا لطلبك", "شكرا لطلبك"),
        ("ご注文ありがとうございます", "ご注文ありがとうございます"),
        ("주문해 주셔서 감사합니다", "주문해 주셔서 감사합니다"),
        ("ขอบคุณสำหรับคำสั่งซื้อ", "ขอบคุณสำหรับคำสั่งซื้อ"),
        ("धन्यवाद आपका ऑर्डर", "धन्यवाद आपका ऑर्डर"),
    ],
)
def test_other_scripts_are_not_english(text: str, run: str) -> None:
    v = only(text, "walmart", "not_english")
    assert text[v.start : v.end] == run


def test_spanish_is_detected_when_confident() -> None:
    text = "Hola Juan, gracias por su pedido. Su paquete llegará mañana."
    v = only(text, "walmart", "not_english")
    assert text[v.start : v.end] == "Hola Juan, gracias por su pedido. Su paquete llegará mañana"


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for your order from El Paso, it ships today.",
        "The Casa de la Playa set has shipped. Enjoy!",
        "Gracias! Your order shipped.",
        "Café, naïve résumé, jalapeño and piñata are English words too.",
        "The 10kΩ resistor and 5µF capacitor are in the box.",
        "Thanks 👍🎉😀",
        "12345 !!!",
    ],
)
def test_english_with_foreign_bits_is_not_flagged(text: str) -> None:
    assert check_message(text, "walmart") == []


def test_amazon_english_locale_mostly_non_latin_is_a_warning() -> None:
    v = only(CHINESE_REPLY, "amazon", "not_english", order_locale="en-US")
    assert v.severity == "warning"
    assert not has_blocking(check_message(CHINESE_REPLY, "amazon", order_locale="en_GB"))


def test_amazon_english_locale_below_half_is_only_mixed_language() -> None:
    text = "Your order has shipped 已发货"
    assert codes(text, "amazon", order_locale="en-US") == ["mixed_language"]


def test_amazon_language_rule_needs_an_english_locale() -> None:
    assert check_message(CHINESE_REPLY, "amazon") == []
    assert check_message(CHINESE_REPLY, "amazon", order_locale="zh-CN") == []
    assert check_message(CHINESE_REPLY, "amazon", order_country="US") == []


@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok", "email", "api"])
def test_no_language_rule_elsewhere(marketplace: str) -> None:
    assert check_message(CHINESE_REPLY, marketplace, order_locale="en-US", order_country="US") == []


# --------------------------------------------------------------------------------------
# Mixed Chinese / English text, ordering, messages
# --------------------------------------------------------------------------------------


def test_mixed_chinese_english_offsets() -> None:
    text = "您好 John，请访问www.example.com购买，用优惠券 SAVE10，或致电555-123-4567，邮箱a@b.com。<b>谢谢</b>"
    vs = check_message(text, "walmart")
    got = [(v.code, text[v.start : v.end]) for v in vs]
    assert got == [
        ("not_english", "您好"),
        ("external_link", "www.example.com"),
        ("promotional_language", "优惠券"),
        ("phone_number", "555-123-4567"),
        ("email_address", "a@b.com"),
        ("html_markup", "<b>"),
        ("html_markup", "</b>"),
    ]
    assert [v.start for v in vs] == sorted(v.start for v in vs)
    assert all(v.marketplace == "walmart" for v in vs)


def test_violations_are_sorted_by_start() -> None:
    text = "<b>x</b> coupon https://a.com 555-123-4567 a@b.com " + "y" * 2000
    vs = check_message(text, "amazon")
    assert [(v.start, v.end) for v in vs] == sorted((v.start, v.end) for v in vs)
    assert {
        "html_markup",
        "promotional_language",
        "external_link",
        "phone_number",
        "email_address",
        "too_long",
    } <= {v.code for v in vs}


def test_every_message_names_the_marketplace_and_is_a_sentence() -> None:
    text = "<b>x</b> coupon 5-star review https://a.com 555-123-4567 a@b.com ups.com 谢谢 " + "y" * 2000
    for m in MARKETPLACES:
        for v in check_message(text, m, order_locale="en-US"):
            assert MARKETPLACE_NAMES[m] in v.message, v
            assert v.message.endswith("."), v
            assert v.start < v.end


def test_long_found_text_is_shortened_in_the_message() -> None:
    url = "https://example.com/" + "a" * 200
    v = only(url, "amazon", "external_link")
    assert url[v.start : v.end] == url
    assert len(v.message) < 200 and "…" in v.message


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "https://",
        "http://x.com",
        "www.",
        ".com",
        "example",
        "@",
        "a@b.co",
        "+1 ",
        "555-123-4567",
        "111-3958185-1645065",
        "-",
        ".",
        "(",
        ")",
        "<",
        ">",
        "<b>",
        "</a>",
        '<a href="',
        "coupon",
        "5-star",
        "好评",
        "您好",
        "Здравствуйте",
        "😀",
        "\u200b",
        " ",
        "\n",
        "call ",
        "电话",
        "amazon.com",
        "ups.com",
        "Hola gracias por su pedido ",
        "\u0301",
        "ไทย",
    ]
)
MESSY_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=5)), max_size=40).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=MESSY_TEXT,
    marketplace=st.sampled_from(MARKETPLACES),
    order_locale=st.sampled_from([None, "en-US", "zh-CN", "", "EN"]),
    order_country=st.sampled_from([None, "US", "CN", ""]),
)
def test_check_message_never_raises_and_offsets_are_within_the_text(
    text: str, marketplace: str, order_locale: str | None, order_country: str | None
) -> None:
    vs = check_message(text, marketplace, order_locale=order_locale, order_country=order_country)
    assert [v.start for v in vs] == sorted(v.start for v in vs)
    for v in vs:
        assert 0 <= v.start <= v.end <= len(text)
        assert v.severity in ("error", "warning")
        assert v.marketplace == marketplace
        assert v.code in EXPECTED_TABLE[marketplace]
        assert v.severity == EXPECTED_TABLE[marketplace][v.code]
        assert v.message
        if v.code != "empty_message":
            assert v.start < v.end
    assert has_blocking(vs) == any(v.severity == "error" for v in vs)


@settings(max_examples=100, deadline=None)
@given(prefix=st.text(max_size=30), suffix=st.text(max_size=30))
def test_amazon_order_id_is_never_a_phone_number(prefix: str, suffix: str) -> None:
    order_id = "111-3958185-1645065"
    text = f"{prefix} {order_id} {suffix}"
    start = len(prefix) + 1
    for v in check_message(text, "amazon"):
        if v.code == "phone_number":
            assert v.end <= start or v.start >= start + len(order_id)
