"""Template rendering in a Jinja2 sandbox with limits on size, time and arithmetic (pure).

Templates are written by users and rendered with buyer-supplied data, so both are hostile: the
immutable sandbox blocks attribute tricks (CVE-2025-27516 is fixed in Jinja2 >= 3.1.6), only an
allow-list of filters and methods can be called, every size a template chooses (widths, counts,
repetitions, format specifiers, joined and printed values) is bounded before the operation runs
(api/template/limits.py), every call checks a deadline, and the output stream stops at its cap.
What can be recognised without running is refused when a template is saved (`check`).
Variables are plain strings (never objects), so there is nothing to reach through.

This module renders in the calling process; the API and the workers go through
api/template/pool.py, which runs it in a separate process with a memory limit and a hard timeout.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.filters import FILTERS
from jinja2.runtime import BlockReference, LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment

from api.template import limits
from api.template.limits import MAX_OUTPUT_CHARS, MAX_POWER, MAX_RANGE

MAX_TEMPLATE_CHARS = 20_000
MAX_SECONDS = 0.5
MAX_LOOP_DEPTH = 2
MAX_VALUE_CHARS = 1_000
# Compiled templates kept per renderer process (a few hundred KiB at most under its memory limit).
PREPARED_CACHE_SIZE = 256

# The variables a template may use, with what each means (shown in the editor).
VARIABLES: dict[str, str] = {
    "customer_name": "The buyer's name as the marketplace gives it",
    "order_id": "The marketplace order id",
    "order_status": "The order's status from the ERP",
    "item_title": "Title of the first item of the order",
    "tracking_number": "Tracking number of the latest shipment",
    "tracking_url": "Carrier tracking link of the latest shipment",
    "carrier": "Carrier of the latest shipment",
    "ship_eta": "Estimated delivery date",
    "store_name": "The channel (store) name",
    "marketplace": "The marketplace (Walmart, Amazon, ...)",
    "agent_name": "The replying agent's name",
}


class TemplateError(ValueError):
    """The template cannot be rendered; the message says why."""


@dataclass(frozen=True)
class Rendered:
    text: str
    warnings: list[str]


# Filters a template may use. Those that take a size are replaced by bounded versions; `attr`
# (attribute access by a computed name), `pprint`, `urlize`, `xmlattr` and `random` are left out.
_PLAIN_FILTERS = [
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "filesizeformat",
    "first",
    "float",
    "forceescape",
    "groupby",
    "int",
    "items",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "sort",
    "striptags",
    "sum",
    "title",
    "tojson",
    "trim",
    "unique",
    "upper",
    "urlencode",
    "wordcount",
]
_FILTERS: dict[str, Callable[..., Any]] = {name: FILTERS[name] for name in _PLAIN_FILTERS} | {
    "batch": limits.batch,
    "center": limits.center,
    "format": limits.format_filter,
    "indent": limits.indent,
    "join": limits.join_filter,
    "replace": limits.replace_filter,
    "slice": limits.slice_filter,
    "string": limits.string_filter,
    "truncate": limits.truncate,
    "wordwrap": limits.wordwrap,
}
FILTERS_ALLOWED = {name: limits.weighed_filter(f) for name, f in _FILTERS.items()}
# The literal size arguments of filters that can be refused when a template is saved:
# filter -> (position among the arguments after the value, keyword, limit).
_SIZED_FILTERS: dict[str, tuple[int, str, int]] = {
    "center": (0, "width", MAX_OUTPUT_CHARS),
    "indent": (0, "width", MAX_OUTPUT_CHARS),
    "wordwrap": (0, "width", MAX_OUTPUT_CHARS),
    "truncate": (0, "length", MAX_OUTPUT_CHARS),
    "batch": (0, "linecount", MAX_RANGE),
    "slice": (0, "slices", MAX_RANGE),
}

# Methods a template may call, by the type they belong to. Everything else (str.format, expandtabs,
# encode, int.to_bytes, ...) is refused: each of those can be asked for an unbounded result.
_STR_METHODS = frozenset(
    [
        "lower",
        "upper",
        "title",
        "capitalize",
        "casefold",
        "swapcase",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
        "split",
        "rsplit",
        "splitlines",
        "partition",
        "rpartition",
        "find",
        "rfind",
        "index",
        "rindex",
        "count",
        "isdigit",
        "isalpha",
        "isalnum",
        "isspace",
        "islower",
        "isupper",
        "istitle",
        "isnumeric",
        "isdecimal",
        "removeprefix",
        "removesuffix",
    ]
)
_BOUNDED_STR_METHODS: dict[str, Callable[..., Any]] = {
    "center": limits.center,
    "ljust": limits.ljust,
    "rjust": limits.rjust,
    "zfill": limits.zfill,
    "replace": limits.str_replace,
    "join": limits.str_join,
}
_SEQUENCE_METHODS = frozenset({"index", "count"})
_MAPPING_METHODS = frozenset({"keys", "values", "items", "get"})
_LOOP_METHODS = frozenset({"cycle", "changed"})
METHODS_ALLOWED = _STR_METHODS | set(_BOUNDED_STR_METHODS) | _SEQUENCE_METHODS | _MAPPING_METHODS | _LOOP_METHODS
_SIZED_METHODS = {"center": 0, "ljust": 0, "rjust": 0, "zfill": 0}


def bounded_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise SecurityError(f"range() is limited to {MAX_RANGE} items")
    return r


class _BoundedCodeGenerator(CodeGenerator):
    """`a ~ b` compiles to a plain "".join; route it through the environment so operands are
    weighed before they are turned into text."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        func = "environment.bounded_markup_join" if frame.eval_ctx.autoescape else "environment.bounded_str_join"
        self.write(f"{func}((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _Limited(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator
    # Every buffer a template builds (its output, a macro's, a {% set %} block's) is joined here.
    concat = staticmethod(limits.bounded_concat)
    bounded_str_join = staticmethod(limits.bounded_str_join)
    bounded_markup_join = staticmethod(limits.bounded_markup_join)

    def __init__(self) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=limits.finalize,
        )
        self.globals = {"range": bounded_range}
        self.filters = dict(FILTERS_ALLOWED)
        self.deadline = 0.0

    def _tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise SecurityError(f"rendering took longer than {MAX_SECONDS} s")

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        self._tick()
        if __obj is bounded_range or isinstance(__obj, Macro | BlockReference | LoopContext):
            return super().call(__context, __obj, *args, **kwargs)
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str):
            if name in _BOUNDED_STR_METHODS:
                return _BOUNDED_STR_METHODS[name](owner, *args, **kwargs)
            if name in _STR_METHODS:
                return super().call(__context, __obj, *args, **kwargs)
        elif (
            (isinstance(owner, list | tuple | range) and name in _SEQUENCE_METHODS)
            or (isinstance(owner, dict) and name in _MAPPING_METHODS)
            or (isinstance(owner, LoopContext) and name in _LOOP_METHODS)
        ):
            return super().call(__context, __obj, *args, **kwargs)
        raise SecurityError(f"calling {name or type(__obj).__name__}() is not allowed in templates")

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        self._tick()
        if operator_name == "**":
            return limits.power(left, right)
        if operator_name == "*":
            return limits.multiply(left, right)
        if operator_name == "%":
            return limits.modulo(left, right)
        return limits.add(left, right)


def variables_used(source: str) -> set[str]:
    env = _Limited()
    try:
        return set(meta.find_undeclared_variables(env.parse(source)))
    except TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}") from exc


def check(source: str) -> list[str]:
    """Problems that make a template unusable (syntax, size, unknown variables, and whatever the
    sandbox would refuse that can be seen without rendering), as sentences."""
    if len(source) > MAX_TEMPLATE_CHARS:
        return [f"A template is at most {MAX_TEMPLATE_CHARS} characters."]
    try:
        ast = _Limited().parse(source)
        used = set(meta.find_undeclared_variables(ast))
    except TemplateSyntaxError as exc:
        return [f"Syntax error: line {exc.lineno}: {exc.message}"]
    except RecursionError:
        return ["The template is nested too deeply."]
    unknown = sorted(used - set(VARIABLES) - {"range"})
    problems = [f"Unknown variable {{{{{name}}}}}; known: {', '.join(VARIABLES)}." for name in unknown]
    if _loop_depth(ast) > MAX_LOOP_DEPTH:
        # Plain loops run as Python loops and cannot be interrupted: bound their nesting instead.
        problems.append(f"Loops may be nested at most {MAX_LOOP_DEPTH} deep.")
    for problem in _refusals(ast):
        if problem not in problems:
            problems.append(problem)
    return problems


def _loop_depth(node: nodes.Node) -> int:
    inner = max((_loop_depth(child) for child in node.iter_child_nodes()), default=0)
    return inner + 1 if isinstance(node, nodes.For) else inner


def _literal(node: nodes.Node | None) -> Any:
    """The value of a literal argument (`5`, `-5`, `'x'`), or None when it is computed at render time."""
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.Neg) and isinstance(node.node, nodes.Const) and isinstance(node.node.value, int | float):
        return -node.node.value
    return None


def _argument(args: list[nodes.Expr], kwargs: list[Any], position: int, keyword: str) -> Any:
    # `kwargs` holds nodes.Keyword at run time (Jinja types a filter's as Pair).
    if position < len(args):
        return _literal(args[position])
    return next((_literal(k.value) for k in kwargs if k.key == keyword), None)


def _too_large(value: Any, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > limit


def _refusals(ast: nodes.Template) -> list[str]:
    """What the sandbox would refuse at render time, recognised in the syntax tree."""
    problems: list[str] = []
    for node in ast.find_all(nodes.Node):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            problems.append(f"'.{node.attr}' is not allowed: names starting with '_' are internal.")
        elif isinstance(node, nodes.Getitem) and isinstance(key := _literal(node.arg), str) and key.startswith("_"):
            problems.append(f"'[{key!r}]' is not allowed: names starting with '_' are internal.")
        elif isinstance(node, nodes.Filter):
            problems.extend(_filter_refusals(node))
        elif isinstance(node, nodes.Call):
            problems.extend(_call_refusals(node))
        elif isinstance(node, nodes.Mul):
            for seq, n in ((node.left, node.right), (node.right, node.left)):
                count, value = _literal(n), _literal(seq)
                if _too_large(count, MAX_OUTPUT_CHARS) or (
                    isinstance(count, int) and isinstance(value, str) and len(value) * count > MAX_OUTPUT_CHARS
                ):
                    problems.append(f"Repeating {count} times is more than the {MAX_OUTPUT_CHARS} characters allowed.")
        elif isinstance(node, nodes.Pow) and isinstance(exponent := _literal(node.right), int | float):
            if abs(exponent) > MAX_POWER:
                problems.append(f"An exponent is at most {MAX_POWER}.")
        elif isinstance(node, nodes.Mod) and isinstance(fmt := _literal(node.left), str):
            problems.extend(_format_refusals(fmt))
    return problems


_BY_ATTRIBUTE = frozenset({"selectattr", "rejectattr", "groupby"})


def _filter_refusals(node: nodes.Filter) -> list[str]:
    if node.name not in FILTERS_ALLOWED:
        return [f"The filter '{node.name}' is not available in templates."]
    # map(attribute=...), sort(attribute=...), selectattr('...'), groupby('...') read attributes by name.
    attribute = _argument(node.args, node.kwargs, 0, "attribute") if node.name in _BY_ATTRIBUTE else None
    for name in (attribute, *(_literal(k.value) for k in node.kwargs if k.key == "attribute")):
        if isinstance(name, str) and name.split(".")[0].startswith("_"):
            return [f"'{name}' is not allowed: names starting with '_' are internal."]
    if node.name in _SIZED_FILTERS:
        position, keyword, limit = _SIZED_FILTERS[node.name]
        size = _argument(node.args, node.kwargs, position, keyword)
        if _too_large(size, limit):
            return [f"{node.name}({size}) is refused: the size is limited to {limit}."]
    if node.name == "format" and isinstance(fmt := _literal(node.node), str):
        return _format_refusals(fmt)
    return []


def _call_refusals(node: nodes.Call) -> list[str]:
    if isinstance(node.node, nodes.Getattr):
        method = node.node.attr
        if method.startswith("_"):
            return []  # already refused as an attribute
        if method not in METHODS_ALLOWED:
            return [f"Calling .{method}() is not allowed in templates."]
        if method in _SIZED_METHODS and _too_large(_argument(node.args, node.kwargs, 0, "width"), MAX_OUTPUT_CHARS):
            return [f".{method}() is refused: the width is limited to {MAX_OUTPUT_CHARS}."]
    if isinstance(node.node, nodes.Name) and node.node.name == "range" and node.args and not node.kwargs:
        bounds = [_literal(a) for a in node.args]
        if all(isinstance(b, int) and not isinstance(b, bool) for b in bounds) and len(node.args) <= 3:
            try:
                if len(range(*bounds)) > MAX_RANGE:
                    return [f"range() is limited to {MAX_RANGE} items."]
            except ValueError:
                return ["range() step must not be zero."]
    return []


def _format_refusals(fmt: str) -> list[str]:
    try:
        limits.percent_format(fmt, _AnyArguments())
    except SecurityError as exc:
        return [f"The format string is refused: {exc}."]
    except (TypeError, ValueError, KeyError):
        return []
    return []


class _AnyArguments(dict[str, str]):
    """Stands in for format arguments that are known only at render time: every key is empty text."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class _Prepared:
    problems: tuple[str, ...]
    used: frozenset[str]
    env: _Limited | None
    template: Any


@functools.lru_cache(maxsize=PREPARED_CACHE_SIZE)
def _prepare(source: str) -> _Prepared:
    """Check, analyse and compile a source once: parsing and compiling cost ten times the render itself,
    and the same few templates and articles are rendered over and over (suggestions, auto-replies).
    Each source keeps its own environment, whose deadline `render` sets before every use; a renderer
    process renders one template at a time, so the deadline is never shared between two renders."""
    problems = check(source)
    if problems:
        return _Prepared(tuple(problems), frozenset(), None, None)
    env = _Limited()
    try:
        used = frozenset(variables_used(source))
        template = env.from_string(source)
    except TemplateError as exc:
        return _Prepared((str(exc),), frozenset(), None, None)
    except (JinjaTemplateError, RecursionError, MemoryError) as exc:
        return _Prepared((f"Rendering failed: {exc}",), frozenset(), None, None)
    return _Prepared((), used, env, template)


def render(source: str, values: dict[str, str | None]) -> Rendered:
    """Render with the given values. A missing or empty value renders as empty text (or as the
    template's fallback, `{{ customer_name or "there" }}`) and is reported as a warning."""
    prepared = _prepare(source)
    if prepared.problems:
        raise TemplateError(" ".join(prepared.problems))
    assert prepared.env is not None
    env = prepared.env
    warnings = [
        f"{{{{{name}}}}} has no value for this conversation." for name in sorted(prepared.used) if not values.get(name)
    ]
    context = {name: (values.get(name) or "")[:MAX_VALUE_CHARS] for name in VARIABLES}
    env.deadline = time.monotonic() + MAX_SECONDS
    try:
        text = prepared.template.render(context)
    except SecurityError as exc:
        raise TemplateError(f"Refused: {exc}") from exc
    except UndefinedError as exc:
        raise TemplateError(str(exc)) from exc
    except JinjaTemplateError as exc:
        raise TemplateError(f"Rendering failed: {exc}") from exc
    except (
        TypeError,
        ValueError,
        KeyError,
        IndexError,
        AttributeError,
        ZeroDivisionError,
        OverflowError,
        RecursionError,
    ) as exc:
        raise TemplateError(f"Rendering failed: {exc}") from exc
    return Rendered(text=text.strip(), warnings=warnings)
