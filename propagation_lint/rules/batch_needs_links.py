"""CTX302 batch-needs-links: a span over several messages must link every message's context (M6)."""
from __future__ import annotations

import libcst as cst

from ..catalog.suggestions import consume_suggestion
from ..consuming import connection, derived_names, handlers, links_per_message, span_starts
from ..rule import Rule
from .consumer_starts_unlinked_trace import CONSUMER_WORDS, SPAN_WORDS


class BatchNeedsLinks(Rule):
    code = "CTX302"
    name = "batch-needs-links"
    message = "a span covering a batch of messages does not link every message's context"
    trigger_words = CONSUMER_WORDS + SPAN_WORDS

    what_it_does = """
        Finds spans that cover several received messages at once: around a batch from
        `consumer.consume(num_messages=n)`, `getmany()`, `poll()` (kafka-python),
        `receive_message(MaxNumberOfMessages=n)`, `fetch(n)`, `batch_receive()`, Event Hubs
        `on_event_batch` callbacks, or the records of an AWS Lambda event. Such a span must carry
        one link per message (`links=[Link(...) for m in batch]`, or `span.add_link(...)` in the
        loop over the messages). A batch span parented to one message's context, or connected to
        none, is reported.
        """
    why_bad = """
        A span has exactly one parent, but a batch has many producers: parenting it to one message
        hides every other producer, and no connection at all starts an unrelated trace. Links are
        the only structure that represents fan-in (OpenTelemetry's messaging conventions: "the only
        option for batches").
        """
    example = """
        ```python
        def handler(event, context):
            with tracer.start_as_current_span("process-orders"):
                for record in event["Records"]:
                    process(record)
        ```
        """
    use_instead = """
        ```python
        def link_for(record):
            carrier = {k: v["stringValue"] for k, v in record.get("messageAttributes", {}).items()}
            return Link(trace.get_current_span(extract(carrier)).get_span_context())

        def handler(event, context):
            links = [link_for(r) for r in event["Records"]]
            with tracer.start_as_current_span("process-orders", links=links):
                for record in event["Records"]:
                    process(record)
        ```
        """
    fix_safety = "No automatic fix: the carrier of each message depends on the library (see the suggestion)."
    options = "- `auto-instrumented = [...]`: libraries instrumented in a way the linter cannot see."

    def check(self, model, ctx):
        for h in handlers(model, ctx):
            if not h.batch:
                continue
            span = _batch_span(h, ctx)
            if span is None:
                continue
            per_message = links_per_message(span, h, ctx)
            if per_message is not False:
                continue
            conn = connection(h, span, ctx)
            if conn.unknown:
                continue
            label = f"`{span.name}`" if span.name else "this span"
            if span.links is not None:
                why = "links a fixed list, not one link per message"
            elif conn.parent:
                why = "is parented to a single context, but a span has one parent and the batch has many producers"
            else:
                why = "is connected to none of them"
            message = f"{label} covers a batch of {h.library} messages and {why}: link every message's context"
            related = [ctx.related(h.anchor, "the batch is received here")]
            for loop in h.message_loops[:1]:
                related.append(ctx.related(loop.anchor, "its messages are processed here"))
            yield ctx.candidate(
                self, span.node, scope=h.scope, target=f"{h.library}:{h.pattern}", message=message,
                suggestion=consume_suggestion(h.carrier_kind, "message", span.name or "process", "batch", _batch_text(h, ctx)),
                related=related, confidence=h.confidence, requires=h.requires,
                unless=(h.instrumented,), statement=span.site.statement if span.site is not None else None,
            )


def _batch_text(h, ctx) -> str:
    """How the code names the batch: the first loop's iterable, else the batch variable."""
    for loop in h.message_loops:
        text = ctx.code_for(loop.anchor)
        if "\n" not in text and len(text) < 60:
            return text
    return h.batch_var or "messages"


def _batch_span(h, ctx):
    """The first span in the batch's region, outside its per-message loops, that covers messages."""
    loops = h.message_loops
    derived = derived_names(h, ctx)
    for span in sorted(span_starts(h.scope, ctx), key=lambda s: s.order):
        if span.decorator:
            if h.loop is None and h.start < 0:
                return span
            continue
        site = span.site
        if site is None or not h.contains(site) or any(l.contains(site) for l in loops):
            continue
        if _covers(h, span, loops, derived, ctx):
            return span
    return None


def _covers(h, span, loops, derived, ctx) -> bool:
    site = span.site
    if site.with_item is not None and isinstance(site.statement, cst.With):
        body = site.statement.body
        loop_ids = _ids(body, (cst.For,))
        if any(id(l.loop) in loop_ids for l in loops):
            return True
        call_ids = _ids(body, (cst.Call,))
        return any(id(s.node) in call_ids and _uses(s.node, derived) for s in h.calls())
    if any(l.loop is not None and _order(l) > span.order for l in loops):
        return True
    return any(s.order > span.order and _uses(s.node, derived) for s in h.calls())


def _order(loop_handler) -> int:
    calls = loop_handler.calls()
    return calls[0].order if calls else -1


def _uses(call, names) -> bool:
    from ..consuming import _names_in

    return any(_names_in(a.value) & names for a in call.args)


def _ids(node, types) -> set:
    out = set()

    class V(cst.CSTVisitor):
        def on_visit(self, n) -> bool:
            if isinstance(n, types):
                out.add(id(n))
            return not isinstance(n, (cst.FunctionDef, cst.Lambda))

    node.visit(V())
    return out
