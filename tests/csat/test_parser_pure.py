"""The CSAT answer parser: a labelled list of buyer replies in English, Chinese and Spanish."""

import pytest

from api.csat.parser import parse_score

SCORES = [
    ("5", 5),
    (" 4 ", 4),
    ("4/5", 4),
    ("3 / 5", 3),
    ("5 stars", 5),
    ("1 star", 1),
    ("★★★★☆", 4),
    ("★★★★★", 5),
    ("⭐⭐⭐", 3),
    ("五星", 5),
    ("三星", 3),
    ("五颗星", 5),
    ("5分", 5),
    ("非常满意", 5),
    ("满意", 4),
    ("一般", 3),
    ("不满意", 2),
    ("非常不满意", 1),
    ("cinco", 5),
    ("Cinco estrellas", 5),
    ("le doy un 4", 4),
    ("muy satisfecho", 5),
    ("five", 5),
    ("I'd give it a 4, thanks", 4),
    ("5!", 5),
    ("５", 5),
    ("4 out of 5", 4),
    ("very satisfied", 5),
]

NOT_SCORES = [
    "",
    "thanks",
    "5?",
    "where is my order?",
    "3 items arrived broken, 1 star",
    "4 or 5",
    "10/10",
    "6",
    "0",
    "4.5",
    "order 12345",
    "I ordered 2 but got 1",
    "The item is broken and I want a refund right now, this is the worst purchase I ever made",
    "★★★★★★",
    "满意吗",
]


@pytest.mark.parametrize(("text", "score"), SCORES)
def test_scores(text: str, score: int) -> None:
    assert parse_score(text) == score


@pytest.mark.parametrize("text", NOT_SCORES)
def test_not_scores(text: str) -> None:
    assert parse_score(text) is None
