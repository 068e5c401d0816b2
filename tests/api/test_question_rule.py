"""contains_question (pure): what makes "no response needed" ask for a confirmation."""

from typing import get_args

import pytest

from api.message.content import NO_RESPONSE_REASONS, contains_question
from api.message.schemas import NoResponseReason


@pytest.mark.parametrize(
    "text",
    [
        "Does this fit a 2019 model?",
        "这个能用吗",
        "请问什么时候发货",
        "为什么还没到？",
        "Where is my order",
        "Thanks. Can you send it faster",
        "¿Dónde está mi pedido",
        "是否可以开发票",
    ],
)
def test_questions_are_seen(text):
    assert contains_question(text)


@pytest.mark.parametrize("text", ["Thanks, got it!", "收到了，谢谢", "Received in good condition.", "Gracias", ""])
def test_thanks_are_not_questions(text):
    assert not contains_question(text)


def test_the_api_reasons_are_the_rule_reasons():
    assert get_args(NoResponseReason) == NO_RESPONSE_REASONS
