"""CTX401 consumer-span-missing-wait-time: the first span of a message handler does not record
how long the message waited."""
from __future__ import annotations

from typing import List, Optional

import libcst as cst

from ..catalog.conventions import (
    SET_ATTRIBUTE_METHODS, TIMESTAMP_MEMBERS, WAIT_TIME_WORDS, normalize_field, timestamp_for,
)
from ..model import CallSite, Scope, string_value
from ..rule import Rule
from ._conventions import const_str, setting
from ._handlers import message_handling


class ConsumerSpanMissingWaitTime(Rule):
    code = "CTX401"
    name = "consumer-span-missing-wait-time"
    message = "the first span of a message handler does not record how long the message waited"
    severity = "warning"
    # Off by default: many teams measure queue lag with broker metrics (consumer-group lag,
    # ApproximateAgeOfOldestMessage) instead of span attributes; the rule is for those who
    # want the wait on every trace.
    default_enabled = False
    trigger_words = ("start_as_current_span", "start_span", "trace", "wrap")

    what_it_does = """
        For every message handler the consumer rules detect (a registered callback, a task, a
        Lambda handler, a consumer loop, the code after a receive), looks at the first span it
        starts and reports it when no attribute records how long the message waited: neither
        in the span's `attributes={...}` nor in a `set_attribute(...)` / `set_attributes({...})`
        of the handler, and no attribute value computed from the message's timestamp.

        The suggestion shows the computation for the handler's library: Kafka record
        `timestamp` (epoch ms), SQS `Attributes["SentTimestamp"]` (received only with
        `MessageSystemAttributeNames=["SentTimestamp"]`), Pub/Sub `publish_time`, Service Bus
        `enqueued_time_utc`, Event Hubs `enqueued_time`, ...
        """
    why_bad = """
        A consumer span says how long processing took, not how long the message sat in the
        queue before it. When a user reports "my order took ten minutes", the trace shows a
        200 ms handler and hides the nine minutes of backlog. Recording the wait on the first
        span lets it be graphed, alerted on and correlated with the trace.

        OpenTelemetry has no generic time-in-queue attribute (only
        `messaging.servicebus.message.enqueued_time` and
        `messaging.eventhubs.message.enqueued_time`), so the suggestion uses a custom
        `messaging.message.wait_time_ms`; any name the project chooses counts (see Options).
        A handler that hands its span to a helper of another module is left alone: the helper
        may record it.
        """
    example = """
        ```python
        for record in consumer:
            with tracer.start_as_current_span("reserve-inventory", context=extract(headers(record))):
                reserve(record.value)
        ```
        """
    use_instead = """
        ```python
        for record in consumer:
            with tracer.start_as_current_span("reserve-inventory", context=extract(headers(record))) as span:
                span.set_attribute("messaging.message.wait_time_ms", time.time() * 1000 - record.timestamp)
                reserve(record.value)
        ```
        """
    fix_safety = """
        No automatic fix: the clock and unit to use (and whether the producer sets a timestamp
        at all, as with AMQP) depend on the deployment.
        """
    options = """
        - `wait-time-attributes = ["queue_lag", ...]` in `[tool.propagation-lint.conventions]`:
          the attribute names that record a wait. A name counts when it contains one of them,
          ignoring case and separators (`queue-lag` matches `app.queue_lag_ms`). The default is
          `wait`, `lag`, `queue-time`, `queued-time`, `time-in-queue`, `enqueued` and `delay`.
        """

    def check(self, model, ctx):
        words = [normalize_field(w) for w in setting(ctx, "wait-time-attributes", WAIT_TIME_WORDS)]
        handling = message_handling(model, ctx)
        seen = set()
        for h in handling.handlers:
            if h.batch:
                continue  # a batch span has no single message to measure; its message loops do
            span = h.first_span(ctx)
            if span is None or id(span.node) in seen:
                continue
            seen.add(id(span.node))
            if _records_wait(h, span, words, ctx):
                continue
            ts = timestamp_for(h.library)
            message_var = h.message or "msg"
            if ts is not None:
                compute = ts.compute.replace("{msg}", message_var)
                suggestion = f'span.set_attribute("{ts.attribute}", {compute})'
                if ts.note:
                    suggestion += "  (" + ts.note.replace("{msg}", message_var) + ")"
                where = f" ({h.library}: {ts.where})"
            else:
                suggestion = ('span.set_attribute("messaging.message.wait_time_ms", '
                              "<now - the message's enqueue or publish timestamp, in ms>)")
                where = ""
            node = span.node
            library = h.library if h.library and h.library != "user" else "message"
            yield ctx.candidate(
                self, node, scope=h.scope, target=f"{h.library}:{span.name or span.method}",
                message=f"first span of this {library} handler does not record how long the "
                        f"message waited{where}",
                suggestion=suggestion,
                confidence=h.confidence,
                requires=tuple(h.requires),
            )


def _records_wait(h, span, words: List[str], ctx) -> bool:
    scope: Scope = h.scope
    # attributes={...} on the span start itself
    if isinstance(span.node, cst.Call):
        for arg in span.node.args:
            if arg.keyword is not None and arg.keyword.value == "attributes":
                if _mapping_records(arg.value, words, ctx) is not False:
                    return True
    region = [s for s in scope.calls if s.order >= (span.order if span.order > 0 else 0)]
    if h.loop is not None or h.start >= 0:
        region = [s for s in region if h.contains(s)]
    span_vars = _span_variables(span)
    for site in region:
        call = site.node
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else ""
        if method in SET_ATTRIBUTE_METHODS and call.args:
            key = const_str(call.args[0].value)
            if key is None or _wait_name(key, words):
                return True  # a computed key: we cannot tell
            if len(call.args) > 1 and _reads_timestamp(call.args[1].value):
                return True
        elif method == "set_attributes" and call.args:
            if _mapping_records(call.args[0].value, words, ctx) is not False:
                return True
        elif span_vars and _passes(call, span_vars):
            target = ctx.model.scopes.get(ctx.resolver.callee_name(call, scope) or "")
            if target is None or _helper_records(target, words, ctx):
                return True  # a helper of another module gets the span: it may record the wait
    return False


def _helper_records(fn: Scope, words, ctx) -> bool:
    for site in fn.calls:
        func = site.node.func
        method = func.attr.value if isinstance(func, cst.Attribute) else ""
        if method in SET_ATTRIBUTE_METHODS and site.node.args:
            key = const_str(site.node.args[0].value)
            if key is None or _wait_name(key, words):
                return True
        if method == "set_attributes" and site.node.args and _mapping_records(site.node.args[0].value, words, ctx) is not False:
            return True
    return False


def _mapping_records(node, words, ctx) -> Optional[bool]:
    """True / False for a dict literal, None when we cannot see its keys."""
    if not isinstance(node, cst.Dict):
        return None
    for el in node.elements:
        if isinstance(el, cst.StarredDictElement):
            return None
        key = const_str(el.key)
        if key is None or _wait_name(key, words) or _reads_timestamp(el.value):
            return True
    return False


def _wait_name(key: str, words) -> bool:
    norm = normalize_field(key)
    return any(w and w in norm for w in words)


def _reads_timestamp(expr) -> bool:
    found = []

    class V(cst.CSTVisitor):
        def visit_Attribute(self, n):
            if n.attr.value in TIMESTAMP_MEMBERS:
                found.append(n)

        def visit_SimpleString(self, n):
            if isinstance(string_value(n), str) and string_value(n) in TIMESTAMP_MEMBERS:
                found.append(n)

    expr.visit(V())
    return bool(found)


def _span_variables(span) -> set:
    names = set()
    site: Optional[CallSite] = span.site
    if site is not None and site.with_item is not None and site.with_item.asname is not None:
        target = site.with_item.asname.name
        if isinstance(target, cst.Name):
            names.add(target.value)
    if site is not None and isinstance(site.statement, cst.SimpleStatementLine):
        for stmt in site.statement.body:
            if isinstance(stmt, cst.Assign) and stmt.value is span.node:
                for t in stmt.targets:
                    if isinstance(t.target, cst.Name):
                        names.add(t.target.value)
    return names


def _passes(call: cst.Call, names: set) -> bool:
    return any(isinstance(a.value, cst.Name) and a.value.value in names for a in call.args)
