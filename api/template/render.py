"""Template rendering in a Jinja2 sandbox with limits on size, time and arithmetic (pure).

Templates are written by users and rendered with buyer-supplied data, so both are hostile: the
immutable sandbox blocks attribute tricks (CVE-2025-27516 is fixed in Jinja2 >= 3.1.6), `range` and
string/number multiplication are capped, every call checks a deadline, and the output is bounded.
Variables are plain strings (never objects), so there is nothing to reach through.
"""

from __future__ import annotations

import operator
import time
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_TEMPLATE_CHARS = 20_000
MAX_OUTPUT_CHARS = 65_536
MAX_RANGE = 1_000
MAX_SECONDS = 0.5
MAX_LOOP_DEPTH = 2
MAX_VALUE_CHARS = 1_000

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


class _Limited(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)
        self.globals = {"range": self._range}
        self.deadline = 0.0

    def _range(self, *args: int) -> range:
        r = range(*args)
        if len(r) > MAX_RANGE:
            raise SecurityError(f"range() is limited to {MAX_RANGE} items")
        return r

    def _tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise SecurityError(f"rendering took longer than {MAX_SECONDS} s")

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        self._tick()
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        self._tick()
        if operator_name == "**":
            if abs(right) > 64 or abs(left) > 10**6:
                raise SecurityError("exponent too large")
            return operator.pow(left, right)
        if operator_name == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT_CHARS:
                    raise SecurityError("repetition too large")
            return operator.mul(left, right)
        result = operator.add(left, right)
        if isinstance(result, str) and len(result) > MAX_OUTPUT_CHARS:
            raise SecurityError("string too long")
        return result


def variables_used(source: str) -> set[str]:
    env = _Limited()
    try:
        return set(meta.find_undeclared_variables(env.parse(source)))
    except TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}") from exc


def check(source: str) -> list[str]:
    """Problems that make a template unusable (syntax, size, unknown variables), as sentences."""
    if len(source) > MAX_TEMPLATE_CHARS:
        return [f"A template is at most {MAX_TEMPLATE_CHARS} characters."]
    try:
        used = variables_used(source)
    except TemplateError as exc:
        return [f"Syntax error: {exc}"]
    unknown = sorted(used - set(VARIABLES) - {"range"})
    problems = [f"Unknown variable {{{{{name}}}}}; known: {', '.join(VARIABLES)}." for name in unknown]
    if _loop_depth(_Limited().parse(source)) > MAX_LOOP_DEPTH:
        # Plain loops run as Python loops and cannot be interrupted: bound their nesting instead.
        problems.append(f"Loops may be nested at most {MAX_LOOP_DEPTH} deep.")
    return problems


def _loop_depth(node: nodes.Node) -> int:
    inner = max((_loop_depth(child) for child in node.iter_child_nodes()), default=0)
    return inner + 1 if isinstance(node, nodes.For) else inner


def render(source: str, values: dict[str, str | None]) -> Rendered:
    """Render with the given values. A missing or empty value renders as empty text (or as the
    template's fallback, `{{ customer_name or "there" }}`) and is reported as a warning."""
    problems = check(source)
    if problems:
        raise TemplateError(" ".join(problems))
    env = _Limited()
    used = variables_used(source)
    warnings = [f"{{{{{name}}}}} has no value for this conversation." for name in sorted(used) if not values.get(name)]
    context = {name: (values.get(name) or "")[:MAX_VALUE_CHARS] for name in VARIABLES}
    env.deadline = time.monotonic() + MAX_SECONDS
    try:
        text = env.from_string(source).render(context)
    except SecurityError as exc:
        raise TemplateError(f"Refused: {exc}") from exc
    except UndefinedError as exc:
        raise TemplateError(str(exc)) from exc
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, RecursionError) as exc:
        raise TemplateError(f"Rendering failed: {exc}") from exc
    if len(text) > MAX_OUTPUT_CHARS:
        raise TemplateError(f"The rendered text is longer than {MAX_OUTPUT_CHARS} characters.")
    return Rendered(text=text.strip(), warnings=warnings)
