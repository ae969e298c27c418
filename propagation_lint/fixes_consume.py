"""The automatic fix of CTX301: connect the handler's first span to the message it handles.

Adds to the span start, per ``consumer-link-mode``::

    context=extract(<the message's carrier>, context=get_current())            # "either", "parent"
    links=[Link(trace.get_current_span(extract(<carrier>)).get_span_context())]  # "link"

where the carrier is built from the message variable in its library's idiom
(``catalog/fix_templates.CONSUME_CARRIERS``: kafka-python's ``record.headers`` list of
(str, bytes) becomes ``{k: v.decode() for k, v in (record.headers or [])}``, SQS nests
``StringValue``...). The parent is extracted over the current context, the checked form CTX304
accepts (a message without ``traceparent`` leaves the span inside the current one instead of
making it a new root). ``extract``, ``get_current``, ``Link`` and ``trace`` are the file's own
imports (aliases and module attributes count) or are imported once, under a free name.

No fix when the handler's message variable is not known (tasks, handlers registered in another
module, batches), when its type has no template (contexts embedded in the payload by a project
convention), when the span is a decorator, a ddtrace/OpenTracing span, or already passes a parent
or links (or any positional argument after its name), and after a receive call that returns None
when no message came (confluent ``poll()``, pika ``basic_get()``...) unless a test of what it
returned precedes the span.
"""
from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from .catalog.fix_templates import (CONSUME_CARRIERS, CONSUME_FIX_KINDS, CONSUME_FIX_SPAN_METHODS, CONSUME_FORMS,
                                    RECEIVE_MAY_RETURN_NONE, TRACING_NAMES)
from .findings import Fix
from .fixbuilder import imported_name, insert_after, join_insertions, make_fix, used_names

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def build_consume_fix(h, span, ctx, mode: str) -> Optional[Fix]:
    """The fix of a CTX301 finding on ``span``, the first span of handler ``h``, or None."""
    template = CONSUME_CARRIERS.get(h.carrier_kind)
    if template is None or h.kind not in CONSUME_FIX_KINDS or h.batch or not h.message.isidentifier():
        return None
    if span.decorator or span.site is None or span.method not in CONSUME_FIX_SPAN_METHODS:
        return None
    call = span.node
    if span.parent is not None or span.links is not None or span.references is not None or not call.args:
        return None
    if any(a.star for a in call.args) or sum(1 for a in call.args if a.keyword is None) > 1:
        return None
    keyword, value = CONSUME_FORMS["link" if mode == "link" else "parent"]
    present = {a.keyword.value for a in call.args if a.keyword is not None}
    if present & {kw for kw, _ in CONSUME_FORMS.values()}:
        return None  # `context=None`: we would repeat the keyword
    if not _otel_span(span, ctx) or not _message_visible(h, span, ctx):
        return None
    names = {"carrier": template.format(m=h.message)}
    edits = []
    qnames = dict(TRACING_NAMES)
    for placeholder in dict.fromkeys(_PLACEHOLDER.findall(value)):
        if placeholder == "carrier":
            continue
        got = imported_name(ctx, h.scope, qnames[placeholder])
        if got is None:
            return None
        names[placeholder], edit = got
        edits.append(edit)
    text = value.format(**names)
    edits.append(insert_after(ctx, call.args[-1], f", {keyword}={text}"))
    what = "link the span to" if keyword == "links" else "parent the span to"
    return make_fix("unsafe", f"Extract the context of `{h.message}` and {what} it", join_insertions(edits), ctx)


def _otel_span(span, ctx) -> bool:
    """An OpenTelemetry span start (ddtrace's and OpenTracing's ``start_span`` take ``child_of``)."""
    if not ctx.model.imports_any(("opentelemetry",)):
        return False
    func = span.node.func
    if not isinstance(func, cst.Attribute):
        return False
    v = ctx.resolver.resolve(func.value, span.site.scope)
    return not (v.qname and v.qname.split(".")[0] in ("ddtrace", "opentracing"))


def _message_visible(h, span, ctx) -> bool:
    """The message variable is the handler's own at the span (and was tested after a poll())."""
    owner, bindings = ctx.resolver.lookup(h.message, span.site.scope)
    if owner is not h.scope or not bindings:
        return False
    if h.kind != "received" or (h.library, h.pattern) not in RECEIVE_MAY_RETURN_NONE:
        return True
    received = {h.message} | {
        name for name, bl in h.scope.bindings.items() for b in bl
        if b.node is h.anchor or (isinstance(b.node, cst.Await) and b.node.expression is h.anchor)
    }
    anchor_line = ctx.location(h.anchor).end_line
    span_line = ctx.location(span.node).line
    tests = []

    class _Tests(cst.CSTVisitor):
        def visit_If(self, node: cst.If) -> None:
            tests.append(node.test)

        def visit_While(self, node: cst.While) -> None:
            tests.append(node.test)

        def visit_Assert(self, node: cst.Assert) -> None:
            tests.append(node.test)

    h.scope.node.visit(_Tests())
    for test in tests:
        line = ctx.location(test).line
        if anchor_line <= line < span_line and received & used_names(ctx, test):
            return True
    return False
