"""CJK-aware tokenisation used for indexing and querying."""

from hypothesis import given
from hypothesis import strategies as st

from api.kit.search import index_document, query_terms, to_tsquery_text, tokenize


def test_chinese_becomes_bigrams():
    assert tokenize("我想退货") == ["我想", "想退", "退货"]
    assert tokenize("货") == ["货"]


def test_mixed_text_and_order_ids():
    tokens = tokenize("Order 111-3958185-1645065 退货 please")
    assert "111-3958185-1645065" in tokens and "3958185" in tokens
    assert "退货" in tokens and "please" in tokens and "order" in tokens


def test_fullwidth_is_normalised():
    assert tokenize("ＡＢＣ１２３") == ["abc123"]


def test_query_terms_are_quoted_safely():
    assert to_tsquery_text(query_terms("it's & | !")) == "'it''s' & 'it' & 's'"


def test_index_document_deduplicates():
    assert index_document("lamp lamp", "Lamp") == "lamp"


@given(st.text(max_size=300))
def test_any_text_tokenises_without_error(text):
    doc = index_document(text)
    assert all(len(t) <= 200 for t in doc.split())
    to_tsquery_text(query_terms(text))
