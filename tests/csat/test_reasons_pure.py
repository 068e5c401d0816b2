"""The product-issue reason classifier on a labelled list (en, zh, es)."""

import pytest

from api.product_issue.reasons import classify_reasons

LABELLED = [
    ("The mug arrived broken", {"damaged"}),
    ("Llegó roto el vaso", {"damaged"}),
    ("杯子碎了", {"damaged"}),
    ("The lid is cracked and leaking", {"damaged"}),
    ("You sent the wrong item, I ordered blue", {"wrong_item"}),
    ("发错货了，不是我买的", {"wrong_item"}),
    ("Recibí el producto equivocado", {"wrong_item"}),
    ("The screws are missing from the box", {"missing_part"}),
    ("Faltan los tornillos", {"missing_part"}),
    ("少了一个配件", {"missing_part"}),
    ("My package is delayed, still not arrived", {"late"}),
    ("还没收到货，太慢了", {"late"}),
    ("Mi pedido no ha llegado", {"late"}),
    ("The color is not as described", {"not_as_described"}),
    ("与描述不符，质量差", {"not_as_described"}),
    ("El producto no es como se describe", {"not_as_described"}),
    ("Too small, the size chart is wrong", {"sizing"}),
    ("尺码偏小，穿不上", {"sizing"}),
    ("La talla es muy pequeña", {"sizing"}),
    ("Arrived late and cracked", {"damaged", "late"}),
    ("Arrived today, not damaged, thanks!", set()),
    ("没有损坏，谢谢", set()),
    ("Thanks, all good", set()),
    ("Where is my order?", set()),
    ("Can I change the shipping address?", set()),
    ("5", set()),
]


@pytest.mark.parametrize(("text", "reasons"), LABELLED)
def test_labelled(text: str, reasons: set[str]) -> None:
    assert set(classify_reasons(text)) == reasons


def test_marketplace_frame_is_ignored() -> None:
    body = (
        "Hello\n\n------------- Message: -------------\nThe handle broke off\n------------- End message -------------"
    )
    assert classify_reasons(body) == ("damaged",)


from api.product_issue.jumps import Period, detect_jump, rate_per_1000  # noqa: E402


def test_rate_per_1000() -> None:
    assert rate_per_1000(3, 1500) == 2.0 and rate_per_1000(1, 0) is None


def test_a_jump_against_the_trailing_baseline() -> None:
    series = [Period(1, 1000), Period(2, 1000), Period(1, 1000), Period(2, 1000), Period(9, 1000)]
    jump = detect_jump(series)
    assert jump.jumped and jump.current_rate == 9.0 and jump.baseline_rate == 1.5


def test_no_jump_below_minimum_volume_or_within_baseline() -> None:
    assert not detect_jump([Period(0, 100), Period(0, 100), Period(2, 100)]).jumped
    steady = [Period(5, 1000), Period(6, 1000), Period(5, 1000), Period(6, 1000), Period(7, 1000)]
    assert not detect_jump(steady).jumped
    assert not detect_jump([Period(5, 1000)]).jumped  # no baseline yet
    assert not detect_jump([]).jumped


def test_jump_from_zero_and_without_units() -> None:
    assert detect_jump([Period(0, 1000), Period(0, 1000), Period(4, 1000)]).jumped
    assert detect_jump([Period(1, 0), Period(1, 0), Period(5, 0)]).jumped
    assert not detect_jump([Period(3, 0), Period(3, 0), Period(4, 0)]).jumped
