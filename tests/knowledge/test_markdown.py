"""Article Markdown is sanitised for the public page, flattened for marketplace messages, and read and
written as files with front matter (pure)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from api.knowledge.markdown import (
    ArticleFile,
    FrontMatterError,
    parse_file,
    render_html,
    searchable_text,
    to_plain_text,
    write_file,
)


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element the browser would build from the HTML, with its attributes."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "<style>body{display:none}</style>",
        '[x](https://ok.example "t" onmouseover=alert(1))',
        "![p](data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+)",
    ],
)
def test_no_script_handler_or_frame_survives(source):
    tags = _tags(render_html(source))
    assert not {name for name, _ in tags} & {"script", "iframe", "style", "object", "embed"}
    for _, attributes in tags:
        for name, value in attributes:
            assert not name.startswith("on"), (name, value)
            if name in ("href", "src"):
                assert (value or "").startswith(("https://", "http://", "mailto:", "#")), value


def test_external_images_only_from_allowed_hosts():
    source = "![a](https://cdn.example/a.png) ![b](https://evil.example/b.png) ![c](http://cdn.example/c.png)"
    assert "<img" not in render_html(source)
    html = render_html(source, frozenset({"cdn.example"}))
    assert '<img src="https://cdn.example/a.png" alt="a">' in html
    assert "evil.example" not in html and "http://cdn.example" not in html


def test_markdown_structure_is_kept_and_links_are_nofollow():
    html = render_html("# T\n\n**b** and [site](https://shop.example)\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<h1>T</h1>" in html and "<strong>b</strong>" in html and "<table>" in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_plain_text_for_messages():
    text = to_plain_text(
        "# Where\n\nYour **order** ships, see [tracking](https://t.example/1).\n\n1. one\n2. two\n\n- a"
    )
    assert text == "Where\n\nYour order ships, see tracking (https://t.example/1).\n\n1. one\n2. two\n\n- a"


def test_template_tags_are_not_search_words():
    assert "tracking_number" not in searchable_text("Number: {{ tracking_number or 'soon' }} {% if x %}y{% endif %}")


def test_front_matter_round_trip_with_chinese():
    article = ArticleFile("where-is-my-order", "zh", "物流查询", "您的单号 {{ tracking_number }}", {"tags": ["物流"]})
    parsed = parse_file(write_file(article))
    assert (parsed.key, parsed.language, parsed.title, parsed.body) == (
        "where-is-my-order",
        "zh",
        "物流查询",
        "您的单号 {{ tracking_number }}",
    )
    assert parsed.meta["tags"] == ["物流"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no front matter", "must start with front matter"),
        ("---\n- a\n---\nbody", "mapping"),
        ("---\nkey: k\nlanguage: en\n---\nbody", "'title' is required"),
        ("---\nkey: k\nlanguage: en\ntitle: t\nevil: 1\n---\nbody", "unknown front matter"),
        ("---\nkey: k\nlanguage: en\ntitle: t\ntags: oops\n---\nbody", "'tags' must be a list"),
        ("---\nkey: [\n---\nbody", "not valid YAML"),
        ("---\nkey: !!python/object:os.system x\nlanguage: en\ntitle: t\n---\nb", "not valid YAML"),
    ],
)
def test_bad_front_matter_is_refused_with_a_reason(text, reason):
    with pytest.raises(FrontMatterError, match=reason):
        parse_file(text)
