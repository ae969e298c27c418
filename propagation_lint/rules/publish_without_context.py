"""CTX101 publish-without-context: a message with a carrier leaves without the trace context."""
from __future__ import annotations

from dataclasses import replace

from ..catalog.suggestions import publish_suggestion
from ..consuming import message_context_only
from ..fixes_publish import build_publish_fix
from ..publishing import carrier_expr, kwargs_carrier, opaque_call, publish_candidate, publish_gap, publish_sites
from ..rule import Rule


class PublishWithoutContext(Rule):
    code = "CTX101"
    name = "publish-without-context"
    message = "message is published without the current trace context in its carrier"
    fixable = "sometimes"
    trigger_words = (
        "kafka", "confluent_kafka", "aiokafka", "pika", "aio_pika", "aiormq", "kombu", "celery",
        "dramatiq", "rq", "boto3", "aiobotocore", "aioboto3", "pubsub", "servicebus", "eventhub", "nats",
        "redis", "pulsar", "paho", "taskiq", "faststream", "send_message", "basic_publish", "produce",
        "send", "publish", "delay", "apply_async", "send_task", "kiq", "enqueue", "enqueue_call",
        "send_with_options", "send_messages", "send_event", "send_batch", "send_async", "xadd",
    )

    what_it_does = """
        Checks every publish call of a supported messaging library (Kafka, RabbitMQ, SQS/SNS,
        Pub/Sub, Service Bus, NATS, Pulsar, MQTT, Celery and other task queues, and your own
        wrappers declared in config) and reports the ones whose carrier (headers, message
        attributes, properties) does not receive the current trace context: no `inject` into it
        before the call, in the same function or through a project helper, and no
        auto-instrumentation that really covers this exact call. Context carried on purpose
        in the payload (a `trace_context` field, task kwargs, a serialized span link) counts.
        Celery's `delay()` cannot carry headers: use `apply_async(headers=...)` or the
        instrumentor. Transports without headers (Kinesis, EventBridge, Redis `PUBLISH`,
        MQTT 3.1.1...) are checked by CTX102 instead.
        """
    why_bad = """
        A message that leaves without `traceparent` starts a new, unrelated trace on the consumer
        side. The producer's trace ends at the broker, and nobody can tell whether the message was
        processed, delayed or dropped, nor measure its end-to-end latency.

        An inject that lands in another variable, after the publish, or on another branch does
        not count; neither does a Data Streams checkpoint, nor an instrumentor that does not
        cover this call (kafka-python's `poll()`, botocore's SQS `MessageAttributes`, an
        instrumentor enabled only in Celery worker processes...).
        """
    example = """
        ```python
        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers="kafka:9092")

        def order_placed(order):
            producer.send("orders", value=order.to_json())
        ```
        """
    use_instead = """
        ```python
        from kafka import KafkaProducer
        from opentelemetry.propagate import inject

        producer = KafkaProducer(bootstrap_servers="kafka:9092")

        def order_placed(order):
            carrier = {}
            inject(carrier)
            headers = [(k, v.encode()) for k, v in carrier.items()]
            producer.send("orders", value=order.to_json(), headers=headers)
        ```
        """
    fix_safety = """
        Where the call passes no carrier (or `None`, or a literal), it inserts `carrier = {}` and
        `inject(carrier)` before the publish statement (importing
        `from opentelemetry.propagate import inject` once, or reusing your import or alias) and
        passes the carrier in the library's idiom: kafka-python/aiokafka
        `headers=[(k, v.encode()) for k, v in carrier.items()]`, confluent-kafka/Celery/NATS/
        Pulsar/kombu `headers=carrier` (`properties=` for Pulsar), SQS/SNS
        `MessageAttributes={k: {"DataType": "String", "StringValue": v} ...}`, pika
        `properties=pika.BasicProperties(headers=carrier)` (only when no properties are passed),
        Pub/Sub `**carrier`; a literal carrier is merged with your own keys winning
        (`{**carrier, "source": "api"}`; a list of header pairs keeps yours first, where
        propagators read a key's first value), and a Celery signature's own headers are merged
        in, not replaced (`headers={**carrier, **(sig.options.get("headers") or {})}`). A call
        whose carrier sets a trace header itself (`{"traceparent": None}`, an explicit opt-out)
        is left alone.
        The fix is **safe** (applied by plain `--fix`) where the call passes no carrier, `None` or an
        empty literal, the publish is a simple statement, and every import it adds is from a
        package the file already imports: its only effect is the intended one, the trace headers
        on the message (`traceparent`, and `tracestate`/`baggage` when set: a few dozen bytes; none
        at all when no propagator is configured), and nothing of yours is rewritten. It is
        **unsafe** (`--fix --unsafe-fixes`) where it merges into a carrier you pass (your literal
        is rewritten on one line, and SQS/SNS allow at most 10 attributes), merges a Celery
        signature's headers, runs before a `with` statement whose header publishes (an earlier
        item of the header may start the span), or imports `opentelemetry` into a file that does
        not use it yet (a new dependency). Publishes
        whose carrier is a variable or an expression, inside a lambda or a comprehension, on a
        line with several statements, Celery's `delay()`, message objects (aio-pika `Message`,
        Service Bus, Event Hubs) and batches get no fix: the suggestion shows the code to write.
        """
    options = """
        - `auto-instrumented = ["kafka-python", ...]`: libraries your deployment instruments in a
          way the linter cannot see (an operator-injected agent, a vendor wrapper).
        - `[tool.propagation-lint.publishers]`: your own publish wrappers, e.g.
          `"myco.bus.publish" = { carrier = "headers", position = 2 }`.
        """

    def check(self, model, ctx):
        for ps in publish_sites(model, ctx):
            pub = ps.publisher
            if pub.carrier is None or opaque_call(ps):
                continue
            carrier = carrier_expr(ps)
            spread = kwargs_carrier(ps)
            if pub.payload_fallback and carrier is None:
                continue  # MQTT without properties: CTX102 asks for the payload instead
            gap = publish_gap(ps, ctx, carrier, spread)
            if gap is None:
                continue
            reach, related = gap
            message_only = message_context_only(ps.site, model, ctx)
            if message_only is not None:
                # inside a consume loop or callback that made no context of its own: a context is
                # current only where the consumer's instrumentation (or a helper) makes the
                # message's current; otherwise the break is the handler's (CTX103)
                ps = replace(ps, requires=tuple(ps.requires or ()) + (message_only,))
            if carrier is None and not spread:
                what = f"no `{pub.carrier.name}` argument is passed"
            else:
                what = f"`{pub.carrier.name}` does not receive the trace context"
            suggestion = publish_suggestion(pub.carrier_kind, ps.callee_text, pub.carrier.name)
            message = f"{pub.library} `{ps.callee_text}()` publishes without trace context: {what}"
            if pub.note:
                message += f" ({pub.note})"
            yield publish_candidate(self, ps, ctx, reach, related, message, suggestion,
                                    fix=build_publish_fix(ps, ctx, carrier, spread))
