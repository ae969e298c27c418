"""CTX402 overloaded-identifier: one value used for more than one of trace id, span id,
correlation id and event id."""
from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Tuple

import libcst as cst

from ..catalog.conventions import (
    ID_ATTRIBUTES, ID_FORMATTERS, NOT_ID_NAMES, NOT_ID_VALUES, ROLE_LABELS, SET_ATTRIBUTE_METHODS,
    VALUE_PRESERVING_CALLS,
    field_role, variable_role,
)
from ..model import Scope
from ..rule import Rule
from ._conventions import const_str

# One field written with one value: (field node, field name, value expression).
FieldWrite = Tuple[cst.CSTNode, str, cst.BaseExpression]


class OverloadedIdentifier(Rule):
    code = "CTX402"
    name = "overloaded-identifier"
    message = "one value is used for more than one identifier role"
    severity = "warning"
    trigger_words = (
        "trace_id", "span_id", "traceId", "spanId", "TraceId", "SpanId", "format_trace_id", "format_span_id",
        "correlation_id", "correlationId", "CorrelationId", "event_id", "eventId", "message_id", "messageId",
        "conversation_id", "correlation-id", "trace-id", "Correlation-Id", "Trace-Id", "Message-Id", "Event-Id",
    )

    what_it_does = """
        Checks the identifier fields a program writes (dict literals, keyword arguments such as
        `BasicProperties(correlation_id=...)`, `event["eventId"] = ...`, `msg.correlation_id = ...`,
        `span.set_attribute("messaging.message.id", ...)`) and reports:

        - a trace id or span id (`span.get_span_context().trace_id`, `format_trace_id(...)`,
          a variable named `trace_id`...) written into a field of another role: an event id,
          message id, correlation id or conversation id field (or a trace id into a span id field);
        - the same variable written into two fields of different roles of one event (a dict
          literal, one call's keywords, or the stores into one dict in one function).

        Roles are recognised from field names (`eventId`, `event_id`, `X-Correlation-Id`,
        `messaging.message.conversation_id`...; see `catalog/conventions.py`).
        """
    why_bad = """
        The four identifiers answer different questions. The trace id groups the spans of one
        trace (and a consumer that links instead of continuing starts a new one); the span id
        names one operation; the correlation id follows a business workflow across many traces,
        retries and days; the event id names one record, so duplicates can be detected. When one
        value plays two roles, the second question can no longer be answered: every retry of an
        event gets the same "event id" as the trace, deduplication drops legitimate events,
        and a workflow split across linked traces has several "correlation ids".
        """
    example = """
        ```python
        trace_id = format_trace_id(span.get_span_context().trace_id)
        event = {"eventId": trace_id, "orderId": order.id}
        props = pika.BasicProperties(correlation_id=trace_id)
        ```
        """
    use_instead = """
        ```python
        event = {
            "eventId": str(uuid.uuid4()),
            "correlationId": incoming.get("correlationId") or str(uuid.uuid4()),
            "traceId": format_trace_id(span.get_span_context().trace_id),
            "orderId": order.id,
        }
        ```
        """
    fix_safety = """
        No automatic fix: which value each field should carry is a design decision.
        """
    options = """
        None. The field spellings of each role are in `propagation_lint/catalog/conventions.py`.
        To start a workflow whose correlation id equals its first event's id on purpose,
        generate the two values separately, or suppress the line with `# noqa: CTX402`.
        """

    def check(self, model, ctx):
        for scope in model.root.walk():
            if scope.kind == "class":
                continue
            for group, writes in _field_groups(scope, ctx):
                yield from self._check_group(group, writes, scope, ctx)

    def _check_group(self, group, writes: List[FieldWrite], scope: Scope, ctx):
        by_value: Dict[str, Tuple[cst.CSTNode, str, str]] = {}
        for node, name, value in writes:
            role = field_role(name)
            if not role:
                continue
            vrole, why = value_role(value, scope, ctx)
            if vrole and vrole != role:
                yield ctx.candidate(
                    self, node, scope=scope, target=f"{name}:{vrole}",
                    message=f"{ROLE_LABELS[vrole]} written into {ROLE_LABELS[role]} field `{name}` ({why})",
                    suggestion=_suggestion(role),
                    related=[ctx.related(value, f"this value is the {ROLE_LABELS[vrole]}")],
                )
                continue
            key = _value_key(value)
            if key is None or _not_an_id(value, scope, ctx):
                continue
            seen = by_value.get(key)
            if seen is None:
                by_value[key] = (node, name, role)
                continue
            first_node, first_name, first_role = seen
            if first_role == role:
                continue
            yield ctx.candidate(
                self, node, scope=scope, target=f"{first_name}+{name}",
                message=(f"`{key}` is used both as {ROLE_LABELS[first_role]} (`{first_name}`) and as "
                         f"{ROLE_LABELS[role]} (`{name}`)"),
                suggestion=_suggestion(role),
                related=[ctx.related(first_node, f"`{key}` is also the {ROLE_LABELS[first_role]} here")],
            )


def _suggestion(role: str) -> str:
    return {
        "event": "give each event its own id: `str(uuid.uuid4())`",
        "correlation": "carry the incoming correlation id on (or create one when the workflow starts), "
                       "separate from the trace id",
        "span": "read the span id from `span.get_span_context().span_id`",
        "trace": "read the trace id from `span.get_span_context().trace_id`",
    }[role]


# ------------------------------------------------------------------ what is written where
def _field_groups(scope: Scope, ctx) -> Iterator[Tuple[object, List[FieldWrite]]]:
    """Groups of field writes that belong to one event, in the scope's own code."""
    for node in scope.dicts:
        writes = []
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                key = const_str(el.key)
                if key is not None:
                    writes.append((el.key, key, el.value))
        if writes:
            yield node, writes
    for site in scope.calls:
        call = site.node
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in SET_ATTRIBUTE_METHODS and len(call.args) >= 2:
            key = const_str(call.args[0].value)
            if key is not None:
                yield call, [(call.args[0].value, key, call.args[1].value)]
            continue
        writes = [(a.keyword, a.keyword.value, a.value) for a in call.args if a.keyword is not None]
        if writes:
            yield call, writes
    stores: Dict[str, List[FieldWrite]] = {}
    for target, value, _order, _branch in scope.attr_stores:
        if isinstance(target, cst.Subscript) and isinstance(target.slice[0].slice, cst.Index):
            key = const_str(target.slice[0].slice.value)
            base = target.value
        elif isinstance(target, cst.Attribute):
            key = target.attr.value
            base = target.value
        else:
            continue
        if key is None or value is None:
            continue
        stores.setdefault(ctx.code_for(base), []).append((target, key, value))
    for base, writes in stores.items():
        yield base, writes


# ------------------------------------------------------------------ what a value is
def value_role(expr, scope: Scope, ctx, depth: int = 0) -> Tuple[str, str]:
    """('trace' | 'span' | '', why) for a value written into a field."""
    if expr is None or depth > 4:
        return "", ""
    if isinstance(expr, cst.Attribute) and expr.attr.value in ID_ATTRIBUTES:
        return ID_ATTRIBUTES[expr.attr.value], f"`{ctx.code_for(expr)}`"
    if isinstance(expr, cst.Name):
        role = variable_role(expr.value)
        if role:
            return role, f"`{expr.value}`"
        bindings = scope.bindings.get(expr.value, [])
        if len(bindings) == 1 and bindings[0].kind == "assign":
            role, why = value_role(bindings[0].node, scope, ctx, depth + 1)
            if role:
                return role, f"`{expr.value}` = {why}"
        return "", ""
    if isinstance(expr, cst.Call):
        q = ctx.resolver.callee_name(expr, scope)
        if q in ID_FORMATTERS:
            return ID_FORMATTERS[q], f"`{ctx.code_for(expr)}`"
        func = expr.func
        name = q or (func.value if isinstance(func, cst.Name) else "")
        is_format_method = isinstance(func, cst.Attribute) and func.attr.value == "format" and const_str(func.value) is not None
        if (name in VALUE_PRESERVING_CALLS or is_format_method) and len(expr.args) >= 1:
            if len(expr.args) == 1 or is_format_method or name.endswith("format"):
                return value_role(expr.args[0].value, scope, ctx, depth + 1)
        return "", ""
    if isinstance(expr, cst.FormattedString):
        parts = [p for p in expr.parts if isinstance(p, cst.FormattedStringExpression)]
        literal = "".join(p.value for p in expr.parts if isinstance(p, cst.FormattedStringText))
        if len(parts) == 1 and not literal.strip("-_:"):
            return value_role(parts[0].expression, scope, ctx, depth + 1)
        return "", ""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo) and const_str(expr.left) is not None:
        return value_role(expr.right, scope, ctx, depth + 1)
    return "", ""


def _not_an_id(expr, scope: Scope, ctx) -> bool:
    """A type name or a test matcher (``str``, ``mock.ANY``): not a value two fields could share."""
    v = ctx.resolver.resolve(expr, scope)
    if v.kind == "ref":
        return v.qname in NOT_ID_VALUES or v.qname.rsplit(".", 1)[-1] in NOT_ID_NAMES
    if v.kind == "unknown":
        last = expr.attr.value if isinstance(expr, cst.Attribute) else getattr(expr, "value", "")
        return last in NOT_ID_NAMES
    return False


def _value_key(expr) -> Optional[str]:
    """A stable text for a variable or attribute chain (never a call: two calls are two values)."""
    if isinstance(expr, cst.Name):
        if expr.value in ("None", "True", "False"):
            return None
        return expr.value
    if isinstance(expr, cst.Attribute):
        inner = _value_key(expr.value)
        return f"{inner}.{expr.attr.value}" if inner else None
    return None
