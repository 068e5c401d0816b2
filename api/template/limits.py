"""Bounded versions of every template operation that can build a large value (pure).

A template can ask for a width, a repetition count or a format string, and each of those is a size
the caller chooses: `customer_name|center(200000000)` allocated 200 MB before the output cap was
ever checked. So each operation here works out the size of its result from its arguments *before*
it runs and refuses anything above `MAX_OUTPUT_CHARS`; nothing is built first and measured after.
Containers are weighed too, because a list of references to one long string is cheap to build but
expensive to print (`[s] * 60000` is 60 000 pointers, `{{ [s] * 60000 }}` is 60 000 copies).
The worker process's memory limit (api/template/pool.py) is the backstop for anything missed here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jinja2 import filters as jinja_filters
from jinja2 import pass_environment, pass_eval_context
from jinja2.exceptions import SecurityError
from markupsafe import Markup, soft_str

MAX_OUTPUT_CHARS = 65_536
MAX_RANGE = 1_000  # items a range(), batch() or slice() may produce
MAX_INT_BITS = 4_096  # about 1 200 decimal digits: more than any reply needs, cheap to print
MAX_POWER = 64

# One conversion specifier of printf-style formatting: %(name)-08.3f and friends.
_PERCENT_SPEC = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[#0\- +]*)(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?[hlL]?(?P<kind>.?)",
    re.DOTALL,
)


def refuse(reason: str) -> SecurityError:
    return SecurityError(reason)


def weight(value: Any, budget: int = MAX_OUTPUT_CHARS) -> int:
    """An upper estimate of len(str(value)), computed without building the string; stops counting
    once `budget` is passed (the caller refuses then anyway), so weighing is cheap too."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    if isinstance(value, float):
        return 24
    if isinstance(value, Mapping):
        total = 2
        for k, v in value.items():
            total += weight(k, budget - total) + weight(v, budget - total) + 4
            if total > budget:
                break
        return total
    if isinstance(value, list | tuple | set | frozenset | range):
        total = 2
        for item in value:
            total += weight(item, budget - total) + 2
            if total > budget:
                break
        return total
    return 80  # any other object prints as a short fixed text


def ensure_weight(value: Any, what: str, budget: int = MAX_OUTPUT_CHARS) -> None:
    if weight(value, budget) > budget:
        raise refuse(f"{what} would be longer than {budget} characters")


def width(value: Any, what: str, limit: int = MAX_OUTPUT_CHARS) -> int:
    """A width or count argument: an int no larger than `limit`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse(f"{what} must be a whole number")
    if value > limit:
        raise refuse(f"{what} is limited to {limit}")
    return value


def check_result_length(length: int, what: str) -> None:
    if length > MAX_OUTPUT_CHARS:
        raise refuse(f"{what} would be longer than {MAX_OUTPUT_CHARS} characters")


# --- strings ---------------------------------------------------------------------------------


def percent_format(fmt: str, args: Any) -> str:
    """`fmt % args` (the `%` operator and the `format` filter), refused when a width or precision
    comes from an argument (`%*s`), is larger than the output cap, or the result would be."""
    if isinstance(args, Mapping):
        positional: list[Any] = []
        mapping: Mapping[Any, Any] | None = args
    else:
        positional = list(args) if isinstance(args, tuple) else [args]
        mapping = None
    total = len(fmt)
    index = 0
    for spec in _PERCENT_SPEC.finditer(fmt):
        if spec.group(0) == "%%":
            continue
        w, p = spec.group("width"), spec.group("precision")
        if w == "*" or p == "*":
            raise refuse("a width or precision taken from an argument ('*') is not allowed")
        pad = max(int(w or 0), int(p or 0))
        check_result_length(pad, "a formatted field")
        if spec.group("key") is not None and mapping is not None:
            arg = mapping.get(spec.group("key"), "")
        elif index < len(positional):
            arg = positional[index]
            index += 1
        else:
            arg = ""
        # repr() escapes up to 4 characters per character; a float's digits are not in its weight.
        digits = 4 * weight(arg) if spec.group("kind") in "ra" else weight(arg) + 320
        total += max(pad, digits) + pad
        check_result_length(total, "the formatted text")
    return fmt % args


def format_filter(value: Any, *args: Any, **kwargs: Any) -> str:
    if args and kwargs:
        raise refuse("format takes positional or keyword arguments, not both")
    return percent_format(str(value), kwargs or tuple(args))


def center(value: Any, width_: int = 80, fillchar: str = " ") -> str:
    return str(value).center(width(width_, "center() width"), fillchar)


def ljust(s: str, width_: int, fill: str = " ") -> str:
    return s.ljust(width(width_, "ljust() width"), fill)


def rjust(s: str, width_: int, fill: str = " ") -> str:
    return s.rjust(width(width_, "rjust() width"), fill)


def zfill(s: str, width_: int) -> str:
    return s.zfill(width(width_, "zfill() width"))


def replace_result_length(s: str, old: str, new: str, count: int = -1) -> int:
    hits = s.count(old)
    if count >= 0:
        hits = min(hits, count)
    return len(s) + hits * (len(new) - len(old))


def str_replace(s: str, old: str, new: str, count: int = -1) -> str:
    check_result_length(replace_result_length(s, old, new, count), "replace()")
    return s.replace(old, new, count)


@pass_eval_context
def replace_filter(eval_ctx: Any, s: Any, old: str, new: str, count: int | None = None) -> str:
    text = str(s)
    check_result_length(replace_result_length(text, str(old), str(new), -1 if count is None else count), "replace")
    return jinja_filters.do_replace(eval_ctx, s, old, new, count)


def _materialise(seq: Iterable[Any], what: str) -> list[Any]:
    items: list[Any] = []
    for item in seq:
        items.append(item)
        if len(items) > MAX_OUTPUT_CHARS:
            raise refuse(f"{what} is limited to {MAX_OUTPUT_CHARS} items")
    return items


@pass_eval_context
def join_filter(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
    items = _materialise(value, "join")
    # An attribute's value is part of its item, so the items' weight bounds the attributes' too.
    check_result_length(weight(items) + len(str(d)) * len(items), "join")
    return jinja_filters.do_join(eval_ctx, items, d, attribute)


def str_join(sep: str, items: Iterable[Any]) -> str:
    materialised = _materialise(items, "join()")
    check_result_length(weight(materialised) + len(sep) * len(materialised), "join()")
    return sep.join(materialised)


def indent(s: Any, width_: int | str = 4, first: bool = False, blank: bool = False) -> str:
    text = str(s)
    pad = len(width_) if isinstance(width_, str) else width(width_, "indent() width")
    check_result_length(len(text) + pad * (text.count("\n") + 1), "indent")
    return jinja_filters.do_indent(s, width_, first, blank)


@pass_environment
def wordwrap(
    environment: Any,
    s: Any,
    width_: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> str:
    text = str(s)
    w = width(width_, "wordwrap() width")
    if w < 1:
        raise refuse("wordwrap() width must be at least 1")
    separator = environment.newline_sequence if wrapstring is None else str(wrapstring)
    # Greedy filling puts more than `w` characters on every two consecutive lines of a paragraph.
    lines = 2 * (len(text) // w + 1) + text.count("\n") + 1
    check_result_length(len(text) + lines * len(separator), "wordwrap")
    return jinja_filters.do_wordwrap(environment, s, w, break_long_words, separator, break_on_hyphens)


@pass_environment
def truncate(environment: Any, s: str, length: int = 255, killwords: bool = False, end: str = "...", leeway=None):  # type: ignore[no-untyped-def]
    width(length, "truncate() length")
    if leeway is not None:
        width(leeway, "truncate() leeway")
    return jinja_filters.do_truncate(environment, s, length, killwords, end, leeway)


def batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
    return jinja_filters.do_batch(value, width(linecount, "batch() size", MAX_RANGE), fill_with)


def slice_filter(value: Any, slices: int, fill_with: Any = None) -> Any:
    return jinja_filters.do_slice(value, width(slices, "slice() count", MAX_RANGE), fill_with)


def string_filter(value: Any) -> str:
    ensure_weight(value, "the text")
    return soft_str(value)


def weighed_filter(f: Callable[..., Any]) -> Callable[..., Any]:
    """Weigh a filter's input first: almost every filter turns its input into text (`upper`, `e`,
    `tojson`, ...), and a literal list of references to one long string is cheap until then."""
    value_at = 1 if getattr(f, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(f)  # keeps `jinja_pass_arg`, so Jinja still passes the environment or context
    def weighed(*args: Any, **kwargs: Any) -> Any:
        if len(args) > value_at:
            ensure_weight(args[value_at], "a filter's input")
        return f(*args, **kwargs)

    return weighed


# --- arithmetic --------------------------------------------------------------------------------


def multiply(left: Any, right: Any) -> Any:
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(n, int):
            if n > 0 and weight(seq) * n > MAX_OUTPUT_CHARS:
                raise refuse("repetition too large")
            return seq * n
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise refuse("number too large")
    return left * right


def power(left: Any, right: Any) -> Any:
    if abs(right) > MAX_POWER or abs(left) > 10**6:
        raise refuse("exponent too large")
    return left**right


def add(left: Any, right: Any) -> Any:
    both_sequences = isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple)
    if both_sequences and weight(left) + weight(right) > MAX_OUTPUT_CHARS:
        raise refuse("string too long")
    return left + right


def modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        return percent_format(left, right)
    return left % right


# --- output -----------------------------------------------------------------------------------


def bounded_concat(pieces: Iterable[str]) -> str:
    """Join rendered pieces, stopping as soon as the output cap is passed (the render stream is a
    generator, so a loop that prints too much is stopped while it runs, not after)."""
    out: list[str] = []
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > MAX_OUTPUT_CHARS:
            raise refuse(f"the rendered text is longer than {MAX_OUTPUT_CHARS} characters")
        out.append(piece)
    return "".join(out)


def bounded_str_join(seq: Iterable[Any]) -> str:
    """The `~` operator: weigh every operand before turning it into text."""
    items = list(seq)
    total = 0
    for item in items:
        total += weight(item, MAX_OUTPUT_CHARS - total)
        if total > MAX_OUTPUT_CHARS:
            raise refuse(f"the joined text is longer than {MAX_OUTPUT_CHARS} characters")
    return "".join(str(item) for item in items)


def bounded_markup_join(seq: Iterable[Any]) -> Markup:
    items = list(seq)
    bounded_str_join(items)
    return Markup("").join(items)


def finalize(value: Any) -> Any:
    """Every `{{ expression }}` passes here before it is turned into text."""
    ensure_weight(value, "an expression's text")
    return value
