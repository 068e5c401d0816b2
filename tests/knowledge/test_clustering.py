"""Top questions' clustering (pure): paraphrases in English, Chinese and Spanish group together,
unrelated questions stay apart, and the result does not depend on the input's order."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from api.knowledge.clustering import Question, cluster, features

BASE = datetime(2026, 11, 1, tzinfo=UTC)

WHERE = [
    "Hi, where is my order? The tracking has not moved for 3 days.",
    "Where's my package?? order 111-3958185-1645065",
    "where is my parcel",
    "Hola, ¿dónde está mi pedido?",
    "¿Dónde está mi paquete? Pedido 4455",
    "你好，我的包裹到哪了？",
    "我的快递在哪里",
]
CANCEL = ["Can I cancel my order?", "Please cancel the order 123-4567", "Quiero cancelar mi pedido", "我想取消订单"]
DAMAGED = ["The item arrived damaged", "It arrived broken", "Llegó roto", "收到的时候已经损坏了"]
SIZE = ["Does this come in a larger size?", "What size should I order, I am 180 cm?", "¿Qué talla me recomienda?"]


def _questions(texts: list[str], marketplace: str = "amazon") -> list[Question]:
    return [
        Question(
            message_id=uuid.UUID(int=i + 1),
            conversation_id=uuid.UUID(int=1000 + i),
            text=t,
            marketplace=marketplace,
            sent_at=BASE + timedelta(minutes=i),
        )
        for i, t in enumerate(texts)
    ]


def _group_of(clusters, text):  # type: ignore[no-untyped-def]
    return next(c.key for c in clusters if any(q.text == text for q in c.questions))


def test_paraphrases_in_three_languages_group_together() -> None:
    clusters = cluster(_questions(WHERE + CANCEL + DAMAGED + SIZE))
    for family in (WHERE, CANCEL, DAMAGED):
        keys = {_group_of(clusters, t) for t in family}
        assert len(keys) == 1, family
    assert clusters[0].count == len(WHERE)  # the biggest group first


def test_unrelated_questions_stay_apart() -> None:
    clusters = cluster(_questions(WHERE + CANCEL + DAMAGED + SIZE))
    keys = [_group_of(clusters, family[0]) for family in (WHERE, CANCEL, DAMAGED, SIZE)]
    assert len(set(keys)) == 4


def test_deterministic_whatever_the_order() -> None:
    questions = _questions(WHERE + CANCEL + DAMAGED + SIZE)
    first = cluster(questions)
    shuffled = list(questions)
    random.Random(7).shuffle(shuffled)
    second = cluster(shuffled)
    assert [(c.key, c.label, sorted(q.message_id for q in c.questions)) for c in first] == [
        (c.key, c.label, sorted(q.message_id for q in c.questions)) for c in second
    ]


def test_order_ids_and_greetings_are_not_features() -> None:
    assert features("Hi, order 111-3958185-1645065 thanks") == features("hello, order 222-1111111-2222222")
    assert features("ok 123") == frozenset()
    assert cluster(_questions(["ok", "123-456", "👍"])) == []


def test_examples_are_distinct_and_newest_first() -> None:
    texts = ["where is my order"] * 3 + ["Where is my order", "where is my package"]
    (only,) = cluster(_questions(texts))
    examples = [q.text for q in only.examples()]
    assert examples == ["where is my package", "Where is my order"]
    assert only.count == 5 and only.conversations == 5
