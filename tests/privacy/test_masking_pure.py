"""The masking rules (api/privacy/masking.py), without a database."""

import pytest

from api.privacy.masking import mask_address, mask_email, mask_identifier, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jane.doe@example.com", "j***@example.com"),
        ("j@example.com", "j***@example.com"),
        ("张伟@例子.中国", "张***@例子.中国"),
        ("a+tag@sub.example.co.uk", "a***@sub.example.co.uk"),
        ("not an email", "***"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_email(value, masked):
    assert mask_email(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+15550102000", "+*********00"),
        ("+1 (555) 010-2000", "+* (***) ***-**00"),
        ("13800138000", "*********00"),
        ("12", "12"),
        (None, None),
    ],
)
def test_mask_phone_keeps_the_last_two_digits_and_the_separators(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize("value", ["jane.doe@example.com", "+1 (555) 010-2000", "13800138000"])
def test_masking_is_idempotent(value):
    for mask in (mask_email, mask_phone):
        once = mask(value)
        assert mask(once) == once


def test_identifiers_are_masked_only_when_they_are_email_addresses():
    assert mask_identifier("jane@example.com") == "j***@example.com"
    assert mask_identifier("AMZN-BUYER-7F3K") == "AMZN-BUYER-7F3K"
    assert mask_identifier("Jane Doe") == "Jane Doe"


def test_mask_address_keeps_city_and_country_only():
    address = {
        "name": "Jane Doe",
        "street": "1 Main St",
        "postal_code": "94105",
        "city": "San Francisco",
        "country": "US",
        "phone": "+15550102000",
    }
    assert mask_address(address) == {"city": "San Francisco", "country": "US"}
    assert mask_address({"street": "1 Main St"}) == {}
    assert mask_address(None) is None
