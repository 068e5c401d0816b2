"""Pure parts of translation: glossary protection, language rules, provider codes, the phrase table."""

import pytest

from api.translation import glossary, rules
from api.translation.providers import canonical_language, chat_content, deepl_target, google_code
from sandbox.translate import phrases

TERMS = [glossary.Term("Walmart US"), glossary.Term("Walmart"), glossary.Term("AcmeBuds", "AcmeBuds®")]


def test_terms_are_swapped_longest_first_and_restored():
    p = glossary.protect("Walmart US sold my AcmeBuds; walmart said no.", TERMS)
    assert p.text == "⟦0⟧ sold my ⟦1⟧; ⟦2⟧ said no."
    assert p.replacements == ("Walmart US", "AcmeBuds®", "walmart")
    assert (
        glossary.restore("⟦2⟧ dijo que no; ⟦0⟧ vendió mis ⟦1⟧.", p)
        == "walmart dijo que no; Walmart US vendió mis AcmeBuds®."
    )


def test_terms_match_whole_words_only():
    p = glossary.protect("Walmartian and xWalmart stay, Walmart goes", [glossary.Term("Walmart")])
    assert p.text == "Walmartian and xWalmart stay, ⟦0⟧ goes"


def test_chinese_terms_match_inside_text():
    p = glossary.protect("我在沃尔玛买的", [glossary.Term("沃尔玛", "Walmart")])
    assert p.text == "我在⟦0⟧买的"
    assert glossary.restore("I bought it at ⟦0⟧", p) == "I bought it at Walmart"


@pytest.mark.parametrize("bad", ["no markers at all", "⟦0⟧ ⟦0⟧ ⟦1⟧", "⟦0⟧ ⟦1⟧ ⟦2⟧ ⟦3⟧", "⟦1⟧ ⟦2⟧"])
def test_lost_or_invented_placeholders_are_refused(bad):
    p = glossary.protect("Walmart US, AcmeBuds, Walmart", TERMS)
    with pytest.raises(glossary.PlaceholderLost):
        glossary.restore(bad, p)


def test_no_terms_is_a_no_op():
    p = glossary.protect("hello", [])
    assert p.text == "hello" and glossary.restore("hola", p) == "hola"


def test_glossary_version_changes_the_cache_key():
    v1, v2 = glossary.version(TERMS), glossary.version(TERMS[:2])
    assert v1 != v2 and glossary.version(list(reversed(TERMS))) == v1
    assert glossary.text_hash("hi", v1) != glossary.text_hash("hi", v2)


def test_buyer_language():
    assert rules.buyer_language("walmart", "es-MX", "es") == "en"
    assert rules.buyer_language("ebay", "es-MX", "en") == "es"
    assert rules.buyer_language("ebay", None, "zh") == "zh-CN"
    assert rules.buyer_language("amazon", None, None) == "en"


def test_budget_and_retry():
    assert rules.within_budget(90, 100, 10) and not rules.within_budget(91, 100, 10)
    assert rules.retry_seconds("rate_limited", 2.0) == 2.0
    assert rules.retry_seconds("timeout", None) == rules.DEFAULT_RETRY_SECONDS
    assert rules.retry_seconds("quota", 5.0) is None and rules.retry_seconds("auth", None) is None


def test_provider_language_codes():
    assert deepl_target("en") == "EN-US" and deepl_target("en-GB") == "EN-GB"
    assert deepl_target("zh-CN") == "ZH-HANS" and deepl_target("es") == "ES" and deepl_target("pt") == "PT-BR"
    assert google_code("zh") == "zh-CN" and google_code("es-MX") == "es"
    assert canonical_language("zh-Hans") == "zh-CN" and canonical_language("EN_us") == "en"


def test_chat_answers_lose_their_reasoning_block():
    assert chat_content("<think>\nhmm\n</think>\n\nHello") == "Hello"


def test_phrase_table_translates_the_corpus_deterministically():
    text = "Hola, buen día. Hice el pedido 123-456 hace 12 días y todavía no me llega. ¿Dónde está?"
    zh, detected = phrases.translate(text, None, "zh-CN")
    assert detected == "es"
    assert zh == "你好，日安。我12天前下了订单123-456，到现在还没收到。包裹在哪里？"
    en, _ = phrases.translate(text, "es", "en")
    assert en == "Hello, good day. I placed order 123-456 12 days ago and it still hasn't arrived. Where is it?"


def test_phrase_table_marks_what_it_does_not_know():
    out, _ = phrases.translate("Le hovercraft est plein d'anguilles.", None, "en")
    assert out == "[sandbox-mt en] Le hovercraft est plein d'anguilles."
