"""CTX304 unchecked-extract-as-parent: an extracted context becomes a parent without a validity check."""
from __future__ import annotations

import re

import libcst as cst

from ..catalog import tracing as tc
from ..consuming import _extract_carrier, _looks_like_format, is_extract, span_starts
from ..names import root_name
from ..rule import Rule


class UncheckedExtractAsParent(Rule):
    code = "CTX304"
    name = "unchecked-extract-as-parent"
    message = "an extracted context is used as a span's parent without checking that it holds a span"
    severity = "warning"
    default_enabled = False
    trigger_words = ("extract",)
    needs_library_import = True

    what_it_does = """
        Reports a span started with `context=` set to the result of `extract(...)` when nothing
        checks that the extraction found a span (`trace.get_current_span(ctx).get_span_context().is_valid`,
        a test on the carrier's `traceparent`, or `extract(carrier, context=fallback)`).
        """
    why_bad = """
        `extract()` on a carrier without `traceparent` returns an *empty* context, and
        `start_span(context=<empty>)` starts a new root: the message's span silently leaves the
        span that was current (an HTTP request, a poll loop span) instead of staying inside it.

        Trade-off: this is off by default. Where every producer is known to inject, or where a new
        root for an un-traced message is what you want, the check is noise; enable it
        (`extend-select = ["CTX304"]`) where consumers run inside other spans or receive messages
        from producers you do not control.
        """
    example = """
        ```python
        ctx = extract(carrier)
        with tracer.start_as_current_span("process", context=ctx):
            ...
        ```
        """
    use_instead = """
        ```python
        ctx = extract(carrier)
        parent = ctx if trace.get_current_span(ctx).get_span_context().is_valid else None
        with tracer.start_as_current_span("process", context=parent):
            ...
        ```
        """
    fix_safety = "No automatic fix."

    def check(self, model, ctx):
        for scope in model.functions():
            text = None
            for span in span_starts(scope, ctx):
                if span.parent is None or span.site is None or span.method not in ("start_as_current_span", "start_span"):
                    continue
                extract_call = _extract_source(span.parent, scope, ctx)
                if extract_call is None:
                    continue
                if _has_fallback(extract_call):
                    continue  # extract(carrier, context=fallback): the fallback stays the parent
                carrier = _extract_carrier(extract_call, scope, ctx)
                if carrier is not None and carrier is not False and root_name(carrier) in tc.HTTP_REQUEST_CARRIER_ROOTS:
                    continue  # an HTTP server span: no message, and no ambient span to drop
                if text is None:
                    text = ctx.code_for(scope.node)
                if _checked(text, span.parent):
                    continue
                yield ctx.candidate(
                    self, span.parent, scope=scope, target="context", statement=span.site.statement,
                    message=("the extracted context is used as the parent without checking it holds a span: a message "
                             "without `traceparent` makes this span a new root and drops the current span"),
                    suggestion=("parent = ctx if trace.get_current_span(ctx).get_span_context().is_valid else None\n"
                                "with tracer.start_as_current_span(name, context=parent): ...\n"
                                "or keep the current span as fallback: ctx = extract(carrier, context=context.get_current())"),
                )


def _extract_source(expr, scope, ctx):
    if isinstance(expr, cst.Call) and is_extract(expr, scope, ctx):
        return expr
    if isinstance(expr, cst.Name):
        owner, bindings = ctx.resolver.lookup(expr.value, scope)
        if owner is not scope or len(bindings) != 1 or bindings[0].kind != "assign":
            return None
        node = bindings[0].node
        if isinstance(node, cst.Call) and is_extract(node, scope, ctx):
            return node
    return None


def _has_fallback(call: cst.Call) -> bool:
    """``extract(carrier, context=fallback)`` or ``extract(carrier, fallback)`` (a ``getter=`` is no fallback;
    OpenTracing's ``extract(format, carrier)`` has none either)."""
    if any(a.keyword is not None and a.keyword.value == "context" for a in call.args):
        return True
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return len(positional) >= 2 and not _looks_like_format(positional[0].value)


def _checked(text: str, parent) -> bool:
    if "is_valid" in text or "traceparent" in text or "is_remote" in text:
        return True
    if isinstance(parent, cst.Name):
        name = re.escape(parent.value)
        return bool(re.search(rf"\bif\b[^\n:]*\b{name}\b|\b{name}\b\s+if\b|\b{name}\s+or\b", text))
    return False
