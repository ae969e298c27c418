"""CTX301 consumer-starts-unlinked-trace: a message handler's first span ignores the producer's trace."""
from __future__ import annotations

from ..catalog.suggestions import consume_suggestion
from ..consuming import FUNCTION_KINDS, connection, extract_calls, handlers, unconnected_function_span
from ..fixes_consume import build_consume_fix
from ..rule import Rule

CONSUMER_WORDS = (
    "consumer", "poll", "getone", "getmany", "basic_consume", "basic_get", "consume", "iterator", "receive_message",
    "receive_messages", "get_records", "Records", "subscribe", "on_message", "on_message_callback", "message_listener",
    "callbacks", "on_event", "on_event_batch", "receive", "batch_receive", "listen", "get_message", "xread", "xreadgroup",
    "next_msg", "fetch", "task", "shared_task", "actor", "handler", "lambda_handler", "message_callback_add",
    "register_callback", "ConsumerMixin", "SimpleQueue", "pull",
)
SPAN_WORDS = ("start_as_current_span", "start_span", "start_active_span", "trace", "tracer", "wrap")


class ConsumerStartsUnlinkedTrace(Rule):
    code = "CTX301"
    name = "consumer-starts-unlinked-trace"
    message = "message handler starts a span with neither the producer's context as parent nor a link to it"
    fixable = "sometimes"
    trigger_words = CONSUMER_WORDS + SPAN_WORDS

    what_it_does = """
        Finds the first span started while handling a received message (a Kafka/SQS/RabbitMQ/...
        consume loop body, a callback registered with `basic_consume`, `subscribe`, `on_message`...,
        a Celery/dramatiq task, an AWS Lambda handler fed SQS/SNS/Kinesis/EventBridge/MSK records)
        and reports it when it is connected to the message in no way: no `context=` (ddtrace and
        OpenTracing `child_of=`) extracted from the message's carrier, no `links=[Link(...)]`, no
        later `span.add_link(...)` / ddtrace `link_span(...)`, no `context.attach(extract(...))` or
        `tracer.context_provider.activate(...)` before it, and no auto-instrumentation that really
        wraps this processing. Helpers of the project that extract or attach count, across modules.

        With `consumer-link-mode = "link"` a span parented to the extracted context is reported
        (and with `"parent"` a span that only links), with the reason.
        """
    why_bad = """
        The consumer's span starts a new trace: the producer's trace ends at the broker, and the two
        halves of the workflow cannot be found together, nor the message's end-to-end latency measured.

        Parent or link? A parent gives one trace and a clean waterfall: best when one team owns both
        sides and the message is processed soon after it is sent. Links keep each consumer in its own
        trace that points back at the producer: best for long delays (spans fall outside a query's
        time window), many consumers (huge traces), fan-in, and consumers already inside another span;
        OpenTelemetry's messaging conventions default to links. With links, tail-based sampling may
        keep one trace of a linked pair and drop the other.
        """
    example = """
        ```python
        for record in consumer:
            with tracer.start_as_current_span("reserve-inventory"):
                reserve(record.value)
        ```
        """
    use_instead = """
        ```python
        from opentelemetry import trace
        from opentelemetry.propagate import extract
        from opentelemetry.trace import Link, SpanKind

        for record in consumer:
            carrier = {k: v.decode() for k, v in (record.headers or [])}
            span_ctx = trace.get_current_span(extract(carrier)).get_span_context()
            links = [Link(span_ctx)] if span_ctx.is_valid else []
            with tracer.start_as_current_span("reserve-inventory", kind=SpanKind.CONSUMER, links=links):
                reserve(record.value)
        ```
        """
    fix_safety = """
        The fix is **unsafe** (applied with `--fix --unsafe-fixes` only). When the handler's
        message variable is known and its type has a carrier idiom, it adds
        `context=extract(<carrier>, context=get_current())` to the first span start (the checked
        form CTX304 accepts: a message without `traceparent` leaves the span inside the current
        one instead of making it a new root; with `consumer-link-mode = "link"`:
        `links=[Link(trace.get_current_span(extract(<carrier>)).get_span_context())]`), building
        the carrier from the message as its library needs it (kafka-python
        `{k: v.decode() for k, v in (record.headers or [])}`, confluent `msg.headers()`, SQS
        `MessageAttributes[...]["StringValue"]`, Lambda `stringValue`, pika `properties.headers`...),
        and imports `extract` and `get_current` (or `Link`, `trace`) once unless the file already
        does, under a free name. Unsafe because it changes which trace the span joins: as a
        parent, the span leaves the trace it was part of (a poll loop's span) when the message
        carries `traceparent`, and with OpenTelemetry's default `ParentBased` sampler the
        producer's sampling decision then decides whether the handler's spans are recorded at all;
        parent or link is a design decision (see Options). It also adds an import,
        and a header that is not UTF-8 makes `decode()` raise. Decorator spans, ddtrace and
        OpenTracing spans, tasks, batches, handlers registered in another module, and payload-
        embedded contexts get no fix: the suggestion shows the code to write.
        """
    options = """
        - `consumer-link-mode = "either" | "link" | "parent"` (also per file, in `[[per-file]]`):
          `either` accepts both forms; `link` reports spans parented to the message's context;
          `parent` reports spans that only link.
        - `handlers = ["myco.workers.handle"]`: your own consumer entry points.
        - `[tool.propagation-lint.consumers]`: your own subscribe functions, e.g.
          `"myco.bus.subscribe" = { callback = "handler", position = 1, carrier = "message.headers" }`.
        - `auto-instrumented = [...]`: libraries instrumented in a way the linter cannot see.
        """

    def check(self, model, ctx):
        mode = getattr(ctx.settings, "consumer_link_mode", "either") or "either"
        done = set()
        ordered = sorted(handlers(model, ctx), key=lambda h: (h.loop is None, h.start < 0))
        for h in ordered:
            if h.batch:
                continue  # a span over several messages: CTX302
            span = h.first_span(ctx)
            if span is None or id(span.node) in done:
                continue
            done.add(id(span.node))
            conn = connection(h, span, ctx)
            if conn.unknown:
                continue
            where = _where(h)
            related = [ctx.related(h.anchor, f"the {h.library} message{' `' + h.message + '`' if h.message else ''} is received here")]
            span_label = f"`{span.name}`" if span.name else "its first span"
            if not conn.parent and not conn.link:
                for ex in extract_calls(h.scope, ctx):
                    if h.contains(ex.site) and ex.site.order < span.order:
                        related.append(ctx.related(ex.site.node, "a context is extracted here but the span does not use it"))
                message = (f"{where} starts {span_label} with neither the producer's context as parent nor a link to it: "
                           f"a new, unrelated trace begins here")
                form = {"link": "link", "parent": "parent"}.get(mode, "either")
                yield ctx.candidate(
                    self, span.node, scope=h.scope, target=f"{h.library}:{h.pattern}", message=message,
                    suggestion=consume_suggestion(h.carrier_kind, h.message, span.name or "process", form),
                    fix=build_consume_fix(h, span, ctx, mode),
                    related=related, confidence=h.confidence, requires=h.requires,
                    unless=tuple(conn.conditions) + (h.instrumented,),
                    statement=span.site.statement if span.site is not None else None,
                )
            elif mode == "link" and conn.parent:
                message = (f"{where} parents {span_label} to the message's context, but this project's "
                           f"consumer-link-mode is \"link\": link to the producer's span instead (traces stay small "
                           f"and bounded in time, fan-in and delayed processing stay readable)")
                yield ctx.candidate(
                    self, span.node, scope=h.scope, target=f"policy:{h.library}:{h.pattern}", message=message,
                    suggestion=consume_suggestion(h.carrier_kind, h.message, span.name or "process", "link"),
                    related=related + [ctx.related(n, m) for n, m in conn.evidence[:2]], confidence=h.confidence,
                    requires=h.requires, statement=span.site.statement if span.site is not None else None,
                )
            elif mode == "parent" and conn.link and not conn.parent:
                message = (f"{where} only links {span_label} to the producer's span, but this project's "
                           f"consumer-link-mode is \"parent\": continue the producer's trace (one trace, one waterfall)")
                yield ctx.candidate(
                    self, span.node, scope=h.scope, target=f"policy:{h.library}:{h.pattern}", message=message,
                    suggestion=consume_suggestion(h.carrier_kind, h.message, span.name or "process", "parent"),
                    related=related, confidence=h.confidence, requires=h.requires,
                    statement=span.site.statement if span.site is not None else None,
                )
        # functions registered as handlers in another module (decided by the project pass)
        local = {id(h.scope) for h in handlers(model, ctx) if h.kind in FUNCTION_KINDS}
        for scope in model.functions():
            if id(scope) in local:
                continue
            found = unconnected_function_span(scope, ctx)
            if found is None:
                continue
            span, conditions = found
            if id(span.node) in done:
                continue
            span_label = f"`{span.name}`" if span.name else "its first span"
            yield ctx.candidate(
                self, span.node, scope=scope, target="registered-handler",
                message=(f"`{scope.name}()` is registered as a message handler and starts {span_label} with neither "
                         f"the producer's context as parent nor a link to it: a new, unrelated trace begins here"),
                suggestion=consume_suggestion("dict", "message", span.name or "process",
                                              {"link": "link", "parent": "parent"}.get(mode, "either")),
                requires=(("handler", scope.qname),), unless=conditions,
                statement=span.site.statement if span.site is not None else None,
            )


def _where(h) -> str:
    if h.kind == "loop":
        return f"{h.library} consume loop over `{h.message}`"
    if h.kind == "received":
        return f"{h.library} handler of `{h.message}`"
    if h.kind == "task":
        return f"{h.library} task `{h.scope.name}()`"
    if h.kind == "lambda":
        return f"Lambda handler `{h.scope.name}()`"
    return f"{h.library} handler `{h.scope.name}()`"
