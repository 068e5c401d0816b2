"""The @mention parser (pure)."""

from __future__ import annotations

import uuid

from api.notification.mentions import Person, find_mentions

LI_NA = Person(uuid.uuid4(), "Li Na", "li.na@shop.test")
LI = Person(uuid.uuid4(), "Li", "li@shop.test")
WANG = Person(uuid.uuid4(), "王芳", "wang@shop.test")
PEOPLE = [LI_NA, LI, WANG]


def names(body: str) -> list[str]:
    return [m.name for m in find_mentions(body, PEOPLE)]


def test_longest_name_wins_and_offsets_index_the_body():
    body = "Hi @Li Na, and @li too"
    found = find_mentions(body, PEOPLE)
    assert [m.name for m in found] == ["Li Na", "Li"]
    assert [body[m.start : m.end] for m in found] == ["@Li Na", "@li"]


def test_email_and_name_without_spaces_and_chinese():
    assert names("@li.na@shop.test see above") == ["Li Na"]
    assert names("@LiNa: done") == ["Li Na"]
    assert names("请@王芳看一下") == ["王芳"]


def test_not_a_mention():
    assert names("write to buyer@li.test or li.na@shop.test") == []
    assert names("@Linda and @nobody") == []
    assert names("no at sign") == []


def test_first_name_only_when_unique():
    zhang = Person(uuid.uuid4(), "Zhang Wei", "zw@shop.test")
    zhang2 = Person(uuid.uuid4(), "Zhang Min", "zm@shop.test")
    assert [m.name for m in find_mentions("@Zhang", [zhang])] == ["Zhang Wei"]
    assert find_mentions("@Zhang", [zhang, zhang2]) == []
