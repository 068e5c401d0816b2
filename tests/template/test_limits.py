"""The template sandbox bounds every size a template chooses before the operation runs, and refuses
on save what can be recognised in the syntax tree (pure: no pool, no database)."""

from __future__ import annotations

import tracemalloc

import pytest

from api.template.render import TemplateError, check, render
from api.template.starter import STARTERS

VALUES = {"customer_name": "Li", "order_id": "111-1", "store_name": "Acme", "marketplace": "Amazon"}
# Each would allocate at least 200 MB if the size ran before it was checked.
BIG = 200_000_000


def _peak_bytes_of(source: str) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(TemplateError):
            render(source, VALUES)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "source",
    [
        f"{{{{ customer_name|center({BIG})|length }}}}",
        f"{{{{ '%*s'|format({BIG}, customer_name)|length }}}}",
    ],
)
def test_issue_payloads_are_refused_on_save_and_never_allocate(source):
    assert check(source), "recognisable without rendering"
    assert _peak_bytes_of(source) < 5_000_000


@pytest.mark.parametrize(
    "source",
    [
        # The same sizes computed at render time, so only the runtime bounds can stop them.
        f"{{% set n = {BIG} %}}{{{{ customer_name|center(n)|length }}}}",
        f"{{% set n = {BIG} %}}{{{{ customer_name.center(n)|length }}}}",
        f"{{% set n = {BIG} %}}{{{{ customer_name.rjust(n)|length }}}}",
        f"{{% set f = '%' ~ {BIG} ~ 's' %}}{{{{ f|format(customer_name)|length }}}}",
        f"{{% set f = '%' ~ {BIG} ~ 's' %}}{{{{ (f % customer_name)|length }}}}",
        f"{{% set f = '%.' ~ {BIG} ~ 'f' %}}{{{{ (f % 1.5)|length }}}}",
        f"{{% set n = {BIG} %}}{{{{ customer_name|indent(n, true)|length }}}}",
        f"{{% set n = {BIG} %}}{{{{ range(3)|batch(n, 'x')|list|length }}}}",
        f"{{% set n = {BIG} %}}{{{{ range(3)|slice(n)|list|length }}}}",
        f"{{% set n = {BIG} %}}{{{{ customer_name|wordwrap(n)|length }}}}",
        f"{{% set n = {BIG} %}}{{{{ customer_name|truncate(n)|length }}}}",
        f"{{% set n = {BIG} %}}{{{{ (customer_name * n)|length }}}}",
        f"{{% set n = {BIG} %}}{{{{ ([customer_name] * n)|length }}}}",
        f"{{% set n = {BIG} %}}{{{{ range(n)|length }}}}",
        "{% set a = 'a' * 60000 %}{% set a = a ~ a %}{{ a|length }}",
        "{% set a = 'a' * 60000 %}{% set a = a + a %}{{ a|length }}",
        "{% set a = 'a' * 600 %}{{ ([a] * 600)|join|length }}",
        "{% set a = 'a' * 600 %}{{ ([a] * 600)|string|length }}",
        "{% set a = 'a' * 6000 %}{{ [a, a, a, a, a, a, a, a, a, a, a, a] }}",
        "{% set a = 'a' * 60000 %}{{ a.replace('a', a)|length }}",
        "{% set a = 'a' * 60000 %}{{ a|replace('a', a)|length }}",
        "{% set a = 'a' * 600 %}{{ (range(600)|map('string')|list)|join(a)|length }}",
        "{% set a = 'a' * 60000 %}{% set b %}{{ a }}{{ a }}{% endset %}{{ b|length }}",
        "{% macro twice(s) %}{{ s }}{{ s }}{% endmacro %}{{ twice('a' * 60000)|length }}",
        "{% for i in range(1000) %}{% for j in range(1000) %}{{ 'a' * 60 }}{% endfor %}{% endfor %}",
        "{% set x = 10 ** 60 %}{% set x = x * x %}{% set x = x * x %}{% set x = x * x %}"
        "{% set x = x * x %}{% set x = x * x %}{% set x = x * x %}{{ x }}",
        "{{ range(3)|map('center', 200000000)|list }}",
        # A literal list of references to one long string is cheap; turning it into text is not.
        "{% set a = 'a' * 6000 %}{{ [a, a, a, a, a, a, a, a, a, a, a, a]|upper|length }}",
        "{% set a = 'a' * 6000 %}{{ [a, a, a, a, a, a, a, a, a, a, a, a]|tojson|length }}",
        "{% set a = 'a' * 6000 %}{{ [a, a, a, a, a, a, a, a, a, a, a, a]|e|length }}",
    ],
)
def test_sizes_computed_at_render_time_are_refused_before_they_run(source):
    assert _peak_bytes_of(source) < 5_000_000


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ ''.__class__ }}", "'.__class__' is not allowed"),
        ("{{ customer_name['__class__'] }}", "is not allowed"),
        ("{{ customer_name|attr('upper') }}", "attr"),
        ("{{ customer_name|pprint }}", "pprint"),
        ("{{ [customer_name]|map(attribute='__class__')|list }}", "names starting with '_' are internal"),
        ("{{ [customer_name]|selectattr('__class__')|list }}", "names starting with '_' are internal"),
        ("{{ '{:>200000000}'.format(customer_name) }}", ".format() is not allowed"),
        ("{{ '\\t'.expandtabs(10) }}", ".expandtabs() is not allowed"),
        ("{{ (1).to_bytes(200000000, 'big') }}", ".to_bytes() is not allowed"),
        ("{{ customer_name.center(200000000) }}", "width is limited"),
        ("{{ customer_name|indent(width=200000000) }}", "size is limited"),
        ("{{ customer_name|wordwrap(200000000) }}", "size is limited"),
        ("{{ customer_name|truncate(200000000) }}", "size is limited"),
        ("{{ range(3)|batch(200000000) }}", "size is limited"),
        ("{{ '%200000000s'|format(customer_name) }}", "format string is refused"),
        ("{{ '%*s' % (200000000, customer_name) }}", "format string is refused"),
        ("{{ customer_name * 200000000 }}", "Repeating 200000000 times"),
        ("{{ 'ab' * 40000 }}", "Repeating 40000 times"),
        ("{{ range(200000000)|length }}", "range() is limited"),
        ("{{ 2 ** 1000 }}", "exponent is at most"),
    ],
)
def test_refused_on_save_with_the_reason(source, reason):
    problems = check(source)
    assert problems and reason in " ".join(problems), problems


@pytest.mark.parametrize("key", [s[0] for s in STARTERS])
def test_starter_templates_pass_the_checks_and_render(key):
    body = next(s[3] for s in STARTERS if s[0] == key)
    assert check(body) == []
    assert render(body, VALUES).text.startswith("Hi Li,")


def test_ordinary_uses_of_the_bounded_operations_still_work():
    source = (
        "{{ customer_name|center(6) }}|{{ '%s: %05.1f'|format(order_id, 3.14159) }}|{{ '%(n)s!' % {'n': store_name} }}|"
        "{{ customer_name ~ '/' ~ marketplace }}|{{ customer_name.upper().ljust(4, '.') }}|"
        "{{ range(3)|join(',') }}|{{ 'a-b'.replace('-', '+') }}|{{ ', '.join(['x', 'y']) }}|"
        "{{ '-' * 3 }}|{{ store_name|indent(2, true) }}|{{ 'one two three'|wordwrap(7)|length }}|"
        "{{ range(5)|batch(2)|list|length }}|{% for i in range(2) %}{{ loop.cycle('a', 'b') }}{% endfor %}"
    )
    assert check(source) == []
    assert render(source, VALUES).text == "Li  |111-1: 003.1|Acme!|Li/Amazon|LI..|0,1,2|a+b|x, y|---|  Acme|13|3|ab"


def test_short_containers_still_print_and_convert():
    source = "{{ [customer_name, order_id]|string }}|{{ {'a': 1}|string }}|{{ [1, 2] }}"
    assert render(source, VALUES).text == "['Li', '111-1']|{'a': 1}|[1, 2]"
