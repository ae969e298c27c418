"""CTX101 publish-without-context: a message with a carrier leaves without the trace context."""
from __future__ import annotations

from ..catalog.suggestions import publish_suggestion
from ..flow import CONDITIONAL, NO, UNKNOWN, YES
from ..publishing import any_argument_reaches, carrier_expr, opaque_call, publish_sites
from ..rule import Rule


class PublishWithoutContext(Rule):
    code = "CTX101"
    name = "publish-without-context"
    message = "message is published without the current trace context in its carrier"
    fixable = "never"
    trigger_words = (
        "kafka", "confluent_kafka", "aiokafka", "pika", "aio_pika", "aiormq", "kombu", "celery",
        "dramatiq", "rq", "boto3", "aiobotocore", "aioboto3", "pubsub", "servicebus", "eventhub", "nats",
        "redis", "pulsar", "paho", "taskiq", "faststream", "send_message", "basic_publish", "produce",
    )

    what_it_does = """
        Checks every publish call of a supported messaging library (Kafka, RabbitMQ, SQS/SNS,
        Pub/Sub, Service Bus, NATS, Pulsar, MQTT, Celery and other task queues, and your own
        wrappers declared in config) and reports the ones whose carrier (headers, message
        attributes, properties) does not receive the current trace context: no `inject` into it
        before the call, in the same function or through a project helper, and no
        auto-instrumentation that really covers this exact call.
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
        No automatic fix: where the carrier is built and how it is encoded depends on the
        library; the finding's suggestion shows the exact code for it.
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
            site = ps.site
            carrier = carrier_expr(ps)
            related = []
            if carrier is None:
                reach = any_argument_reaches(ps, ctx)
                if reach.status == YES:
                    continue
                what = f"no `{pub.carrier.name}` argument is passed"
            else:
                reach = ctx.flow.reaches(carrier, site)
                if reach.status in (YES, UNKNOWN):
                    continue
                other = any_argument_reaches(ps, ctx, skip=carrier)
                if other.status == YES:
                    continue
                reach = reach | other
                what = f"`{pub.carrier.name}` does not receive the trace context"
                related.append(ctx.related(carrier, f"the carrier `{pub.carrier.name}` is passed here without injected context"))
            for node, msg in reach.evidence:
                related.append(ctx.related(node, msg))
            unless = tuple(reach.conditions) if reach.status == CONDITIONAL else ()
            process = "celery-worker" if _in_celery_task(site.scope, ctx) else "main"
            unless += (("instrumented", _library_key(pub), pub.method, pub.receiver, process),)
            suggestion = publish_suggestion(pub.carrier_kind, ps.callee_text, pub.carrier.name)
            library = pub.library
            message = f"{library} `{ps.callee_text}()` publishes without trace context: {what}"
            if pub.note:
                message += f" ({pub.note})"
            yield ctx.candidate(
                self, site.node, scope=site.scope, target=f"{library}:{pub.method}",
                message=message, suggestion=suggestion, related=related,
                confidence=ps.confidence, unless=unless, statement=site.statement,
            )


def _library_key(pub) -> str:
    return pub.library


def _in_celery_task(scope, ctx) -> bool:
    import libcst as cst

    s = scope
    while s is not None and s.kind != "module":
        for dec in s.decorators:
            target = dec.func if isinstance(dec, cst.Call) else dec
            if isinstance(target, cst.Attribute) and target.attr.value == "task":
                return True
            q = ctx.resolver.qualify(target, s.parent or s)
            if q in ("celery.shared_task", "celery.task"):
                return True
        s = s.parent
    return False
