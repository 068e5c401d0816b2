"""JSON text for hot paths: the same document as the standard library writes, the standard library's
answer where orjson's would differ (integers beyond 64 bits, lone surrogates), the same refusals."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.kit import jsontext

documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(documents)
def test_reads_back_as_the_same_document(value):
    assert json.loads(jsontext.dumps(value)) == json.loads(json.dumps(value))


def test_integers_beyond_64_bits_keep_every_digit():
    big = 123456789012345678901234567890
    assert json.loads(jsontext.dumps({"order": big})) == {"order": big}


def test_a_lone_surrogate_is_escaped_as_before():
    assert jsontext.dumps({"s": "\ud800"}) == '{"s":"\\ud800"}'


def test_non_ascii_is_written_as_itself_and_keys_become_text():
    assert jsontext.dumps({"q": "退货 é", 1: True}) == '{"q":"退货 é","1":true}'


@dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [datetime(2026, 1, 1, tzinfo=UTC), Point(1), object()])
def test_what_the_standard_library_refuses_is_refused(value):
    with pytest.raises(TypeError):
        jsontext.dumps({"v": value})


def test_a_uuid_is_written_as_its_text():
    u = uuid.uuid4()
    assert jsontext.dumps([u]) == f'["{u}"]'
