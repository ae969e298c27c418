"""CTX308 handoff-loses-message-context: each message's work is handed to a pool without its context."""
from __future__ import annotations

import libcst as cst

from ..consuming import _names_in, _with_body_calls, derived_names, extract_calls, handlers, is_attach, span_starts
from ..handoffs import covered_unless, handoff_sites, short
from ..rule import Rule
from ..tokens import holds_call

# how the caller's context crosses the hand-off: it does for these, it does not for "drops"
_CARRIES = ("copied", "attached", "explicit", "safe")


class HandoffLosesMessageContext(Rule):
    code = "CTX308"
    name = "handoff-loses-message-context"
    message = "a message's work is handed to another thread without that message's trace context"
    trigger_words = ("submit", "Thread", "run_in_executor", "spawn", "apply_async", "map")
    needs_library_import = False

    what_it_does = """
        Inside a loop over received messages (any consumer the catalog knows: a Kafka poll batch, SQS
        `Messages`, a Lambda's `Records`, a Pub/Sub pull response...), reports a hand-off to another
        thread, greenlet or process (`executor.submit(process, message)`, `Thread(target=...)`,
        `loop.run_in_executor`, `executor.map(process, messages)` over the batch) that gives the worker
        the message but not the message's own context, when the worker does not extract it either.

        Only in projects that use tracing (import `opentelemetry`, `ddtrace`, `opentracing` or
        `contextvars`, or run under an instrumenting launcher): elsewhere no message carries a
        context to lose. Not reported: the extracted context passed along (`submit(process, message, extract(message.headers))`),
        a worker that extracts or attaches a context itself (also in another module), and a hand-off
        that carries the caller's context (`copy_context().run`, `ThreadingInstrumentor`) from code
        where the message's context is current (attached, a span parented to it around the hand-off,
        or a consumer instrumentation that keeps its span current).
        """
    why_bad = """
        The worker runs in its own thread: without the message's context its spans start new
        traces, joined neither to the producer's trace nor to the batch being processed. Copying
        the caller's context (the CTX201 fix) does not help by itself: in a batch loop the caller's
        context is the poll loop's, the same for every message.

        This is a consumer rule (CTX3xx), not a hand-off rule (CTX2xx): the context lost is the
        message's, which exists whether or not the consuming code runs in a span, so it is reported
        even where CTX201-CTX204 are out of scope (`thread-scope`); where both apply at one call,
        CTX201's finding carries this one.
        """
    example = """
        ```python
        response = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])
        for message in response.get("Messages", []):
            executor.submit(process, message)

        def process(message):
            with tracer.start_as_current_span("process"):
                ...
        ```
        """
    use_instead = """
        ```python
        def process(message):
            ctx = extract(message["MessageAttributes"], getter=sqs_getter)
            with tracer.start_as_current_span("process", context=ctx):
                ...
        ```

        or extract in the loop and pass it: `executor.submit(process, message, extract(carrier))`.
        """
    fix_safety = "No automatic fix: where to extract (the loop or the worker) is a design decision."

    def check(self, model, ctx):
        sites = handoff_sites(model, ctx)
        if not sites:
            return
        for h in handlers(model, ctx):
            per_message = h.kind == "loop" and h.message
            per_batch = h.batch and h.batch_var and h.kind in ("received", "callback", "lambda")
            if not (per_message or per_batch):
                continue
            derived = None
            for hs in sites:
                worker, values = _worker_and_values(hs, ctx)
                if not h.contains(hs.site) or not worker:
                    continue
                if per_batch and not per_message and not hs.row.per_item:
                    continue
                if derived is None:
                    derived = derived_names(h, ctx)
                handed = set()
                for value in values:
                    handed |= _names_in(value)
                if per_message and not handed & derived:
                    continue
                if not per_message and h.batch_var not in handed:
                    continue
                if _passes_extracted(values, h, handed, ctx):
                    continue
                unless = [("attaches", worker)]
                current = _message_context_current(hs, h, derived, ctx)
                if current is True or current is None:
                    reaches = hs.carry in _CARRIES
                    if current is True and reaches:
                        continue
                    covered = covered_unless(hs) if hs.carry == "drops" else ()
                    if current is True:
                        unless += covered
                    elif reaches:
                        unless.append(h.instrumented)
                    else:
                        unless += [("all", h.instrumented, c) for c in covered]
                target = f"{hs.row.label}:{worker}"
                worker = worker.rsplit(".", 1)[-1]
                what = f"the message `{h.message}`" if per_message else f"every message of `{h.batch_var}`"
                call = short(ctx, hs.site.node.func)
                yield ctx.candidate(
                    self, hs.site.node, scope=hs.site.scope, target=target,
                    statement=hs.site.statement, unless=tuple(unless), confidence=h.confidence,
                    requires=(("uses-tracing",),),
                    message=(f"`{call}({worker}, ...)` hands {what} to another thread without its trace context, "
                             f"and `{worker}` does not extract it: its spans join neither the producer's trace nor this batch"),
                    related=[ctx.related(h.anchor, "the messages come from here")],
                    suggestion=(f"extract in the worker: `ctx = extract(<the message's carrier>)` at the start of `{worker}`, "
                                "then start its span with `context=ctx`\n"
                                f"or pass it: {call}({worker}, ..., extract(<the message's carrier>))"),
                )


def _worker_and_values(hs, ctx):
    """The function that runs on the other side and the values handed to it: through
    ``copy_context().run, fn, *args`` the worker is ``fn``."""
    values = _values(hs)
    worker = hs.worker
    c = hs.callable
    if not worker and isinstance(c, cst.Attribute) and c.attr.value == "run" and values:
        v = ctx.resolver.resolve(values[0], hs.site.scope)
        if v.kind == "ref" and v.qname:
            return v.qname, values[1:]
    return worker, values


def _values(hs) -> list:
    call = hs.site.node
    out = [a.value for a in hs.rest_args]
    if hs.row.per_item and not out:  # executor.map(fn, items): the items after the callable
        out = [a.value for a in call.args if a.keyword is None and not a.star][1:]
    if hs.args_arg is not None:
        out.append(hs.args_arg.value)
    out += [a.value for a in call.args if a.keyword is not None and a.keyword.value in ("kwargs", "kwds")]
    if isinstance(hs.callable, cst.Call):  # functools.partial(process, message)
        out += [a.value for a in hs.callable.args[1:]]
    return out


def _passes_extracted(values, h, handed, ctx) -> bool:
    """An extracted context (a call of extract, or a name bound to one) is among the values handed over."""
    extracted = {id(ex.site.node) for ex in extract_calls(h.scope, ctx)}
    if not extracted:
        return False
    for value in values:
        if holds_call(value, extracted):
            return True
    for name in handed:
        for b in h.scope.bindings.get(name, ()):
            if b.kind == "assign" and b.node is not None and holds_call(b.node, extracted):
                return True
    return False


def _message_context_current(hs, h, derived, ctx):
    """Is the message's context current at the hand-off? True (attached, or a current span parented
    to it encloses the hand-off), None (only if the consumer's instrumentation keeps its span
    current), False."""
    for site in h.calls():
        if site.order >= hs.site.order:
            break
        if is_attach(site.node, h.scope, ctx) and any(_names_in(a.value) & derived for a in site.node.args):
            return True
    for span in span_starts(h.scope, ctx):
        if span.site is None or not h.contains(span.site) or span.order >= hs.site.order:
            continue
        if span.method != "start_as_current_span" or span.parent is None or span.site.with_item is None:
            continue
        if _names_in(span.parent) & derived and id(hs.site.node) in _with_body_calls(span, h.scope):
            return True
    return None
