"""The help page's language: ?lang, then Accept-Language by quality, then the site default — and it
says when it fell back (pure)."""

from __future__ import annotations

import pytest

from api.knowledge.help import negotiate, question_problem


@pytest.mark.parametrize(
    ("lang", "accept", "default", "expected"),
    [
        ("zh-CN", "en", "en", ("zh", None, False)),
        ("es", None, "en", ("es", None, False)),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "en", ("zh", None, False)),
        (None, "fr-FR;q=0.9, es;q=0.8", "en", ("es", None, False)),
        (None, "en;q=0.1, zh;q=0.5", "en", ("zh", None, False)),
        (None, "de-DE", "zh", ("zh", "de-DE", True)),
        ("ja", "en", "en", ("en", "ja", True)),
        (None, None, "es", ("es", None, False)),
        (None, "*;q=0.5, garbage;q=x", "en", ("en", None, False)),
        (None, "en;q=0", "zh", ("zh", None, False)),
    ],
)
def test_negotiate(lang, accept, default, expected):
    choice = negotiate(lang, accept, default)
    assert (choice.language, choice.requested, choice.fell_back) == expected


def test_question_checks():
    assert question_problem("   ", "a@b.co", "") == "question_empty"
    assert question_problem("x" * 2001, "a@b.co", "") == "question_long"
    assert question_problem("where?", "not-an-email", "") == "email_invalid"
    assert question_problem("where?", "a@b.co", "n" * 101) == "name_long"
    assert question_problem("where?", "buyer@example.com", "Li") is None
