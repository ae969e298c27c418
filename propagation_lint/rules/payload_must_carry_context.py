"""CTX102 payload-must-carry-context: a header-less transport publishes a payload without the context."""
from __future__ import annotations

from ..catalog.suggestions import publish_suggestion
from ..publishing import carrier_expr, publish_candidate, publish_gap, payload_expr, publish_sites
from ..rule import Rule


class PayloadMustCarryContext(Rule):
    code = "CTX102"
    name = "payload-must-carry-context"
    message = "this transport has no headers and the payload does not carry the trace context"
    fixable = "never"
    trigger_words = (
        "put_record", "put_records", "put_events", "invoke", "publish", "spublish", "enqueue_job",
        "produce_batch", "single", "boto3", "redis", "paho", "arq", "confluent_kafka",
    )

    what_it_does = """
        Checks publishes on transports that have no message headers (Kinesis `put_record(s)`,
        EventBridge `put_events`, Lambda `invoke`, Redis `PUBLISH`, MQTT 3.1.1 `publish`, arq
        `enqueue_job`, confluent-kafka `produce_batch`) and reports the ones whose payload does not
        carry the current trace context: the only way the context can travel there is inside the
        payload itself (a `trace_context` field filled by `inject`, a serialized span link, the
        carrier passed as a job argument).
        """
    why_bad = """
        With no headers to put it in, a context that is not in the payload is simply lost: the
        consumer (a Lambda, a stream processor, a subscriber) starts a new, unrelated trace, and the
        path of the event through the system cannot be followed nor its latency measured.

        An `inject` into a dict that is never serialized into the payload, or one made after the
        publish, does not count.
        """
    example = """
        ```python
        import json

        import boto3

        kinesis = boto3.client("kinesis")

        def order_placed(order):
            kinesis.put_record(
                StreamName="orders",
                PartitionKey=order.id,
                Data=json.dumps({"id": order.id, "total": order.total}),
            )
        ```
        """
    use_instead = """
        ```python
        import json

        import boto3
        from opentelemetry.propagate import inject

        kinesis = boto3.client("kinesis")

        def order_placed(order):
            carrier = {}
            inject(carrier)
            kinesis.put_record(
                StreamName="orders",
                PartitionKey=order.id,
                Data=json.dumps({"id": order.id, "total": order.total, "trace_context": carrier}),
            )
        ```

        The consumer extracts it from the payload: `extract(json.loads(data)["trace_context"])`.
        """
    fix_safety = """
        No automatic fix: adding a field changes the payload's schema, which every consumer of the
        stream or channel must accept.
        """
    options = """
        - `auto-instrumented = ["boto3-kinesis", ...]`: transports your deployment instruments in a
          way the linter cannot see (ddtrace's botocore integration embeds `_datadog` in Kinesis
          `Data` and EventBridge `Detail`, and counts when `ddtrace-run` or `import ddtrace.auto`
          is found).
        """

    def check(self, model, ctx):
        for ps in publish_sites(model, ctx):
            pub = ps.publisher
            if pub.carrier is not None and not (pub.payload_fallback and carrier_expr(ps) is None):
                continue
            payload = payload_expr(ps)
            if payload is None and pub.payload is not None and not pub.payload.kwargs:
                continue  # nothing published we can see (e.g. `publish(*args)`)
            gap = publish_gap(ps, ctx, payload)
            if gap is None:
                continue
            reach, related = gap
            where = f"`{pub.payload.name}`" if pub.payload is not None and not pub.payload.kwargs else "the job's arguments"
            message = (f"{pub.library} `{ps.callee_text}()` has no message headers, and {where} does not carry "
                       f"the trace context: embed an injected carrier in the payload")
            if pub.note:
                message += f" ({pub.note})"
            suggestion = publish_suggestion(pub.carrier_kind if pub.carrier is None else "payload-mqtt",
                                            ps.callee_text, pub.payload.name if pub.payload else "payload")
            related = [r for r in related if "is passed here without injected context" not in r.message]
            if payload is not None:
                related.insert(0, ctx.related(payload, f"the payload {where} is built without the trace context"))
            yield publish_candidate(self, ps, ctx, reach, related, message, suggestion)
