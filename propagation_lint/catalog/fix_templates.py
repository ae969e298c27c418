"""The code the automatic fixes of CTX101 and CTX301 write, per carrier kind, in each library's idiom.

Read by ``fixes_publish.py`` and ``fixes_consume.py``. A carrier kind without a row gets no fix
(the finding's suggestion still shows the code): Celery's ``delay()``, message objects
(aio-pika ``Message``, Service Bus, Event Hubs), batches, payload-embedded contexts...

Placeholders: ``{c}`` the injected carrier variable, ``{items}`` the elements of the literal carrier
the call already passes, ``{m}`` the received message variable, ``{carrier}`` a consumer's carrier expression; any
other ``{Name}`` is an imported name listed in ``names`` (or :data:`TRACING_NAMES`), written as the
file already imports it (an alias, a module attribute) or imported once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple


@dataclass(frozen=True)
class PublishFix:
    """How a publish call passes an injected dict ``{c}`` as its carrier argument."""

    value: str  # the carrier argument's value
    # carrier literals the call already passes, merged with the injected context:
    # (literal kind "dict" | "sequence", template with ``{items}``, the literal's elements, and ``{c}``).
    # The user's own keys win: a dict lists them after the injected ones (``{**carrier, "baggage":
    # user_value}``); a list of header pairs lists them first (propagators read a key's first value).
    merge: Tuple[Tuple[str, str], ...] = ()
    names: Tuple[Tuple[str, str], ...] = ()  # (placeholder, qualified name)
    spread: bool = False  # the carrier is ``**attrs``: pass ``**{c}``
    # receivers that may already hold a carrier of their own, which the argument would replace:
    # (receiver type, value merging it, with ``{receiver}`` the receiver's text). A receiver that is
    # not a plain name or attribute (it would be evaluated twice) gets no fix.
    receiver_merge: Tuple[Tuple[str, str], ...] = ()


_DICT_MERGE = (("dict", "{{**{c}, {items}}}"),)
_AWS_ATTRIBUTES = '{{k: {{"DataType": "String", "StringValue": v}} for k, v in {c}.items()}}'

PUBLISH_FIXES = {
    # kafka-python / aiokafka: a list of (str, bytes)
    "kafka-headers": PublishFix(
        "[(k, v.encode()) for k, v in {c}.items()]",
        merge=(("sequence", "[{items}, *((k, v.encode()) for k, v in {c}.items())]"),),
    ),
    # confluent-kafka takes a dict or a list of (str, str | bytes)
    "confluent-headers": PublishFix("{c}", merge=_DICT_MERGE + (("sequence", "[{items}, *{c}.items()]"),)),
    # nats / pulsar properties / kombu / FastStream / configured wrappers: a dict of str
    "dict": PublishFix("{c}", merge=_DICT_MERGE),
    # a Celery signature keeps the headers it was made with (``.set(headers=...)``, ``options=``):
    # ``apply_async(headers=...)`` replaces them, so they are merged in (and win)
    "celery-headers": PublishFix("{c}", merge=_DICT_MERGE, receiver_merge=(
        ("celery.canvas.Signature", '{{**{c}, **({receiver}.options.get("headers") or {{}})}}'),
    )),
    "redis-stream-fields": PublishFix("{c}", merge=_DICT_MERGE),
    # SQS / SNS: {name: {"DataType": "String", "StringValue": value}}
    "sqs-attributes": PublishFix(_AWS_ATTRIBUTES, merge=(("dict", "{{**" + _AWS_ATTRIBUTES + ", {items}}}"),)),
    "sns-attributes": PublishFix(_AWS_ATTRIBUTES, merge=(("dict", "{{**" + _AWS_ATTRIBUTES + ", {items}}}"),)),
    # pika: only when no properties are passed (existing properties would be replaced)
    "pika-properties": PublishFix("{BasicProperties}(headers={c})", names=(("BasicProperties", "pika.BasicProperties"),)),
    # Pub/Sub attributes are keyword arguments
    "pubsub-attributes": PublishFix("{c}", spread=True),
}

# The statements inserted before the publish (one per line, indented like it).
PUBLISH_CARRIER_STATEMENTS = ("{c} = {{}}", "{inject}({c})")
# The carrier variable's name, and the ones tried when it is taken in that scope.
CARRIER_NAMES = ("carrier", "trace_carrier", "otel_carrier") + tuple(f"carrier_{i}" for i in range(2, 10))

# ----------------------------------------------------------------------------- consumers
# A dict of str built from one received message, per message type (the same conversions as
# suggestions.CONSUME_SUGGESTIONS, on one line). Types whose context lives in the payload by a
# project convention (Kinesis, Redis pub/sub, EventBridge), tasks and dramatiq/rq have no row.
CONSUME_CARRIERS = {
    "kafka-headers": "{{k: v.decode() for k, v in ({m}.headers or [])}}",
    "confluent-headers": "{{k: v.decode() for k, v in ({m}.headers() or [])}}",
    "pika-properties": "{m}.headers or {{}}",
    "headers-dict": "{m}.headers or {{}}",
    "aiormq-message": "{m}.header.properties.headers or {{}}",
    "nats-msg": "{m}.headers or {{}}",
    "sqs-message": '{{k: v["StringValue"] for k, v in {m}.get("MessageAttributes", {{}}).items() if "StringValue" in v}}',
    "sqs-resource-message": '{{k: v["StringValue"] for k, v in ({m}.message_attributes or {{}}).items() if "StringValue" in v}}',
    "lambda-sqs": '{{k: v["stringValue"] for k, v in {m}.get("messageAttributes", {{}}).items() if "stringValue" in v}}',
    "lambda-sns": '{{k: v["Value"] for k, v in {m}["Sns"].get("MessageAttributes", {{}}).items()}}',
    "lambda-msk": '{{k: bytes(v).decode() for h in {m}.get("headers", []) for k, v in h.items()}}',
    "pubsub-message": "dict({m}.attributes)",
    "pubsub-received": "dict({m}.message.attributes)",
    "pulsar-message": "{m}.properties()",
    "mqtt-message": 'dict(getattr({m}.properties, "UserProperty", []))',
    "servicebus-message": (
        "{{(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v) "
        "for k, v in ({m}.application_properties or {{}}).items()}}"
    ),
    "eventhub-event": (
        "{{(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v) "
        "for k, v in ({m}.properties or {{}}).items()}}"
    ),
    "redis-stream": (
        "{{(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v) "
        "for k, v in {m}.items()}}"
    ),
}
# Handler kinds whose message variable is certain.
CONSUME_FIX_KINDS = ("loop", "callback", "lambda", "delegate", "received")
# (library, receive pattern) whose call returns None (or Nones) when no message came: the fix
# needs a test of what it returned before the span (``if msg is None: continue``, ``if method:``).
RECEIVE_MAY_RETURN_NONE = (
    ("confluent-kafka", "poll"),  # poll(timeout) -> None
    ("pika", "basic_get"),  # (None, None, None) on an empty queue
    ("aio-pika", "get"),  # get(fail=False) -> None
    ("redis-py", "pubsub"),  # get_message() -> None
)
# The span starts that take OpenTelemetry's ``context=`` and ``links=`` keywords.
CONSUME_FIX_SPAN_METHODS = ("start_as_current_span", "start_span")
# (keyword, value) added to the span start, per form; ``{carrier}`` is the message's carrier.
# The parent is extracted over the current context (the checked form CTX304 accepts): a message
# without ``traceparent`` leaves the span where it was (inside a poll loop's span) instead of
# making it a new root.
CONSUME_FORMS = {
    "parent": ("context", "{extract}({carrier}, context={get_current}())"),
    "link": ("links", "[{Link}({trace}.get_current_span({extract}({carrier})).get_span_context())]"),
}
# Imported names the templates above use.
TRACING_NAMES = (
    ("inject", "opentelemetry.propagate.inject"),
    ("extract", "opentelemetry.propagate.extract"),
    ("Link", "opentelemetry.trace.Link"),
    ("trace", "opentelemetry.trace"),
    ("get_current", "opentelemetry.context.get_current"),
)
