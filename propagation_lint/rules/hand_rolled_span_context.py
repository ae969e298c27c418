"""CTX307 hand-rolled-span-context: a span context built by hand that silently starts a new trace."""
from __future__ import annotations

import libcst as cst

from ..catalog import tracing as tc
from ..fixbuilder import imported_name, insert_after, insert_before, make_fix
from ..flow import arg_value
from ..idformats import id_reads, id_writes
from ..model import dotted
from ..rule import Rule

_OTHER = {"hex": "decimal", "decimal": "hex"}


class HandRolledSpanContext(Rule):
    code = "CTX307"
    name = "hand-rolled-span-context"
    message = "a span context built by hand silently starts a new trace"
    fixable = "sometimes"
    # specific words: a helper handed a span writes its ids without importing a tracing library
    trigger_words = ("set_span_in_context", "SpanContext", "get_span_context", "format_trace_id")

    what_it_does = """
        Reports three mistakes of code that carries a span context by hand instead of with a
        propagator:

        - `trace.set_span_in_context(<a SpanContext>)` (a `SpanContext(...)`, a `get_span_context()`
          result, or a name holding one) instead of `set_span_in_context(NonRecordingSpan(span_context))`;
        - `SpanContext(..., trace_flags=<an int>)`: `TraceFlags.DEFAULT`, `TraceFlags.SAMPLED`, a
          number, `int(...)` or arithmetic on flags, instead of `TraceFlags(...)`;
        - an id read back in the other base than it was written: `int(carrier["trace_id"], 16)` where
          every place in the project that writes `trace_id` writes `str(span_context.trace_id)`
          (decimal), or `int(value)` where they write hex (`format(..., "032x")`,
          `format_trace_id(...)`, `f"{...:032x}"`, `hex(...)`). Writers and readers are joined across
          the project's modules; keys whose format a propagation format fixes (`x-datadog-trace-id`
          decimal, `x-b3-traceid` hex) are checked where they are written or read.
        """
    why_bad = """
        Each one makes the consumer's spans start a new trace with no error:

        - `get_current_span()` returns the invalid span for anything stored that is not a `Span`, so
          the next span started in that context has no parent and becomes a root;
        - `TraceFlags.DEFAULT` and `TraceFlags.SAMPLED` are plain ints: the SDK's default sampler
          (`ParentBased`) reads `trace_flags.sampled` and raises `AttributeError` once the context is
          really used as a parent, which is why the first mistake often hides this one;
        - `str()` of a trace id is decimal and `int(value, 16)` reads it as hex: a different (often
          out of range, hence invalid) id, so the span joins a trace nobody started.

        The three were seen together in public code and confirmed with the OpenTelemetry SDK.
        """
    example = """
        ```python
        attributes = {"trace_id": str(span_context.trace_id), "span_id": str(span_context.span_id)}
        ...
        parent = SpanContext(
            trace_id=int(attributes["trace_id"], 16),
            span_id=int(attributes["span_id"], 16),
            is_remote=True,
            trace_flags=TraceFlags.SAMPLED,
        )
        ctx = trace.set_span_in_context(parent)
        ```
        """
    use_instead = """
        ```python
        carrier = {}
        inject(carrier)          # traceparent / tracestate, whatever the configured propagator
        ...
        ctx = extract(carrier)
        ```

        or, where the ids must be carried by hand, write them as hex and wrap the context:

        ```python
        attributes = {"trace_id": format_trace_id(sc.trace_id), "span_id": format_span_id(sc.span_id)}
        parent = SpanContext(
            trace_id=int(attributes["trace_id"], 16),
            span_id=int(attributes["span_id"], 16),
            is_remote=True,
            trace_flags=TraceFlags(TraceFlags.SAMPLED),
        )
        ctx = trace.set_span_in_context(NonRecordingSpan(parent))
        ```
        """
    fix_safety = """
        `trace_flags=TraceFlags.SAMPLED` becomes `trace_flags=TraceFlags(TraceFlags.SAMPLED)` (the same
        value, as the type the SDK reads): **safe**. `set_span_in_context(sc)` becomes
        `set_span_in_context(NonRecordingSpan(sc))`: **unsafe**, because the span context now really is
        the parent: spans that were roots join its trace, and wrong `trace_flags` start to raise in
        the sampler. Id formats are not fixed: which side to change depends on who else reads them.
        """

    def check(self, model, ctx):
        for site in model.all_calls:
            call, scope = site.node, site.scope
            q = ctx.resolver.callee_name(call, scope)
            if not q:
                continue
            q = ctx.catalog.canonical(q)
            if q in tc.SET_SPAN_IN_CONTEXT:
                arg = tc.SET_SPAN_IN_CONTEXT[q]
                value = arg_value(call, arg.name, arg.position)
                if value is not None and _is_span_context(value, scope, ctx):
                    yield ctx.candidate(
                        self, value, scope=scope, target="set_span_in_context", statement=site.statement,
                        message=(f"`{_short(ctx, call.func)}()` is given a SpanContext, not a Span: the current-span "
                                 "lookup ignores it, so the next span starts a new trace"),
                        suggestion="trace.set_span_in_context(NonRecordingSpan(span_context))",
                        fix=_wrap_fix(ctx, scope, value, tc.NON_RECORDING_SPAN, "unsafe",
                                      "Wrap the span context in `NonRecordingSpan`"),
                    )
            elif q in tc.SPAN_CONTEXT_TYPES:
                flags = arg_value(call, tc.SPAN_CONTEXT_TRACE_FLAGS.name, tc.SPAN_CONTEXT_TRACE_FLAGS.position)
                if flags is not None and _int_flags(flags, scope, ctx):
                    yield ctx.candidate(
                        self, flags, scope=scope, target="trace_flags", statement=site.statement,
                        message=(f"`trace_flags={_short(ctx, flags)}` is an int, not `TraceFlags`: the SDK's sampler "
                                 "raises AttributeError ('int' object has no attribute 'sampled') when this context "
                                 "becomes a parent"),
                        suggestion=f"trace_flags=TraceFlags({_short(ctx, flags)})",
                        fix=_wrap_fix(ctx, scope, flags, tc.TRACE_FLAGS_TYPES[0], "safe", "Make the flags a `TraceFlags`"),
                    )
        yield from self._id_formats(model, ctx)

    def _id_formats(self, model, ctx):
        writes = id_writes(model, ctx)
        for use in writes:
            known = tc.KNOWN_ID_KEYS.get(use.key)
            if known is not None and known != use.fmt:
                yield ctx.candidate(
                    self, use.node, scope=use.scope, target=f"id-write:{use.key}",
                    message=f"`{use.key}` carries a {known} id, and is written here in {use.fmt}: the reader gets another id",
                    suggestion=_format_suggestion(known),
                )
        for use in id_reads(model, ctx):
            known = tc.KNOWN_ID_KEYS.get(use.key)
            if known is not None:
                if known != use.fmt:
                    yield ctx.candidate(
                        self, use.node, scope=use.scope, target=f"id-read:{use.key}",
                        message=(f"`{use.key}` carries a {known} id, and is read here as {use.fmt}: the span joins "
                                 "a trace nobody started"),
                        suggestion=_read_suggestion(known),
                    )
                continue
            other = _OTHER[use.fmt]
            yield ctx.candidate(
                self, use.node, scope=use.scope, target=f"id-read:{use.key}",
                message=(f"`{use.key}` is written as a {other} id and read here as {use.fmt}: "
                         "the span joins a trace nobody started"),
                suggestion=_read_suggestion(other) + "\nor carry the context with inject()/extract() instead of by hand",
                requires=(("id-written-as", use.key, other),),
            )


def _short(ctx, node, limit: int = 40) -> str:
    text = " ".join(ctx.code_for(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _format_suggestion(fmt: str) -> str:
    if fmt == "hex":
        return "write it with format_trace_id(span_context.trace_id) / format_span_id(span_context.span_id)"
    return "write it with str(span_context.trace_id)"


def _read_suggestion(fmt: str) -> str:
    return "read it with int(value, 16)" if fmt == "hex" else "read it with int(value)"


def _is_span_context(expr, scope, ctx, depth: int = 0) -> bool:
    if isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value in tc.SPAN_CONTEXT_METHODS:
            return True
        q = ctx.resolver.callee_name(expr, scope)
        return bool(q) and ctx.catalog.canonical(q) in tc.SPAN_CONTEXT_TYPES
    if isinstance(expr, cst.Name) and depth < 2:
        owner, bindings = ctx.resolver.lookup(expr.value, scope)
        if owner is None or not bindings:
            return False
        if all(b.kind == "assign" and b.node is not None and _is_span_context(b.node, owner, ctx, depth + 1) for b in bindings):
            return True
        if len(bindings) == 1 and bindings[0].kind == "param" and bindings[0].annotation is not None:
            q = ctx.resolver.qualify(bindings[0].annotation, owner)
            return bool(q) and ctx.catalog.canonical(q) in tc.SPAN_CONTEXT_TYPES
    return False


def _is_flags_type(expr, scope, ctx) -> bool:
    q = ctx.resolver.qualify(expr, scope)
    if q:
        return ctx.catalog.canonical(q) in tc.TRACE_FLAGS_TYPES
    return dotted(expr).split(".")[-1] == "TraceFlags"


def _int_flags(expr, scope, ctx, depth: int = 0) -> bool:
    """The expression is an int where a TraceFlags is needed."""
    if isinstance(expr, cst.Integer):
        return True
    if isinstance(expr, cst.UnaryOperation):
        return _int_flags(expr.expression, scope, ctx, depth)
    if isinstance(expr, cst.Attribute) and expr.attr.value in tc.TRACE_FLAGS_INT_MEMBERS:
        return _is_flags_type(expr.value, scope, ctx)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "int":
        return True
    if isinstance(expr, cst.BinaryOperation):  # int.__or__ returns an int, TraceFlags or not
        return _int_flags(expr.left, scope, ctx, depth) or _int_flags(expr.right, scope, ctx, depth) \
            or _flags_call(expr.left, scope, ctx) or _flags_call(expr.right, scope, ctx)
    if isinstance(expr, cst.IfExp):
        return _int_flags(expr.body, scope, ctx, depth) or _int_flags(expr.orelse, scope, ctx, depth)
    if isinstance(expr, cst.Name) and depth < 2:
        owner, bindings = ctx.resolver.lookup(expr.value, scope)
        if owner is scope and len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].node is not None:
            return _int_flags(bindings[0].node, scope, ctx, depth + 1)
    return False


def _flags_call(expr, scope, ctx) -> bool:
    return isinstance(expr, cst.Call) and _is_flags_type(expr.func, scope, ctx)


def _wrap_fix(ctx, scope, node, qname: str, applicability: str, title: str):
    got = imported_name(ctx, scope, qname)
    if got is None:
        return None
    name, import_edit = got
    edits = [insert_before(ctx, node, f"{name}("), insert_after(ctx, node, ")"), import_edit]
    return make_fix(applicability, title, edits)
