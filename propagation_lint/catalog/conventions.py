"""Conventions the CTX4xx rules check, as data: identifier roles, message timestamps per library,
generic span names, retry decorators and wait-time attribute names.

Sources: ``../shared/domain.md`` §B (where each library's received message keeps its timestamp)
and §F (semantic-convention attributes: there is NO generic time-in-queue attribute; only
``messaging.eventhubs.message.enqueued_time`` and ``messaging.servicebus.message.enqueued_time``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

# ------------------------------------------------------------------ identifier roles (CTX402)
# Field names are compared after ``normalize_field`` (lower case, letters and digits only), so
# ``traceId``, ``trace_id``, ``trace-id`` and ``X-Trace-Id`` are one spelling.
IDENTIFIER_FIELDS = {
    "trace": ("traceid", "xtraceid", "otteltraceid", "ddtraceid", "xdatadogtraceid"),
    "span": ("spanid", "xspanid", "parentspanid", "otelspanid", "ddspanid", "xdatadogparentid"),
    "correlation": ("correlationid", "xcorrelationid", "corrid", "conversationid",
                    "messagingmessageconversationid"),
    "event": ("eventid", "xeventid", "messageid", "xmessageid", "msgid", "messagingmessageid"),
}
ROLE_LABELS = {"trace": "trace id", "span": "span id", "correlation": "correlation id", "event": "event id"}

# Expressions that produce a trace or span id (the value side of CTX402): attributes of a span
# context (``span.get_span_context().trace_id``, ddtrace ``span.trace_id``) and formatting helpers.
ID_ATTRIBUTES = {"trace_id": "trace", "span_id": "span"}
ID_FORMATTERS = {
    "opentelemetry.trace.format_trace_id": "trace",
    "opentelemetry.trace.span.format_trace_id": "trace",
    "opentelemetry.trace.format_span_id": "span",
    "opentelemetry.trace.span.format_span_id": "span",
}
# Calls that keep a value's identity (``str(trace_id)`` is still the trace id; ``uuid5(ns, t)`` is not).
VALUE_PRESERVING_CALLS = ("str", "hex", "format", "builtins.str", "builtins.hex", "builtins.format")
# Values that are not identifiers, so two fields "sharing" them share nothing: type names (a
# ``TypedDict`` schema ``{"trace_id": str, "span_id": str}``) and test matchers (``mock.ANY``).
NOT_ID_VALUES = (
    "builtins.str", "builtins.int", "builtins.bytes", "builtins.float", "builtins.bool", "builtins.object",
    "typing.Any", "uuid.UUID", "unittest.mock.ANY", "mock.ANY",
)
NOT_ID_NAMES = ("str", "int", "bytes", "float", "bool", "object", "Any", "ANY")
# Calls that record a span attribute: ``span.set_attribute(key, value)``.
SET_ATTRIBUTE_METHODS = ("set_attribute", "set_tag")


def normalize_field(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def field_role(name: str) -> str:
    """The identifier role a field or variable name plays ('' when none)."""
    norm = normalize_field(name)
    for role, spellings in IDENTIFIER_FIELDS.items():
        if norm in spellings:
            return role
    return ""


def variable_role(name: str) -> str:
    """Role of a variable from its name: ``trace_id``, ``current_trace_id``, ``traceIdHex`` -> trace.

    Only trace and span ids are recognised by name: a variable named ``event_id`` may well be
    the right value for a correlation id of a first event, so business ids are judged by fields.
    """
    norm = normalize_field(name)
    if "traceid" in norm:
        return "trace"
    if "spanid" in norm and "parent" not in norm:
        return "span"
    return ""


# ------------------------------------------------------------------ message timestamps (CTX401)
@dataclass(frozen=True)
class MessageTimestamp:
    library: str
    where: str  # how the received message exposes it (documentation)
    unit: str  # ms | s | datetime | iso
    # The suggestion: how to compute the wait, with ``{msg}`` for the message variable.
    compute: str
    attribute: str = "messaging.message.wait_time_ms"  # what the suggestion records
    note: str = ""


MESSAGE_TIMESTAMPS: Tuple[MessageTimestamp, ...] = (
    MessageTimestamp("kafka-python", "record.timestamp (epoch ms)", "ms",
                     "time.time() * 1000 - {msg}.timestamp"),
    MessageTimestamp("aiokafka", "msg.timestamp (epoch ms)", "ms",
                     "time.time() * 1000 - {msg}.timestamp"),
    MessageTimestamp("confluent-kafka", "msg.timestamp() -> (type, epoch ms)", "ms",
                     "time.time() * 1000 - {msg}.timestamp()[1]"),
    MessageTimestamp("boto3-sqs", 'm["Attributes"]["SentTimestamp"] (epoch ms, string)', "ms",
                     'time.time() * 1000 - int({msg}["Attributes"]["SentTimestamp"])',
                     note='receive with MessageSystemAttributeNames=["SentTimestamp"] (or AttributeNames=["All"]), '
                          "otherwise Attributes is absent"),
    MessageTimestamp("aws-lambda-sqs", 'record["attributes"]["SentTimestamp"] (epoch ms, string)', "ms",
                     'time.time() * 1000 - int({msg}["attributes"]["SentTimestamp"])'),
    MessageTimestamp("google-cloud-pubsub", "message.publish_time (aware datetime)", "datetime",
                     "(datetime.now(timezone.utc) - {msg}.publish_time).total_seconds() * 1000"),
    MessageTimestamp("azure-servicebus", "msg.enqueued_time_utc (aware datetime)", "datetime",
                     "(datetime.now(timezone.utc) - {msg}.enqueued_time_utc).total_seconds() * 1000",
                     note="also record messaging.servicebus.message.enqueued_time = "
                          "int({msg}.enqueued_time_utc.timestamp())"),
    MessageTimestamp("azure-eventhub", "event.enqueued_time (aware datetime)", "datetime",
                     "(datetime.now(timezone.utc) - {msg}.enqueued_time).total_seconds() * 1000",
                     note="also record messaging.eventhubs.message.enqueued_time = "
                          "int({msg}.enqueued_time.timestamp())"),
    MessageTimestamp("pika", "properties.timestamp (epoch seconds, only if the publisher set it)", "s",
                     "(time.time() - {msg}.timestamp) * 1000",
                     note="set BasicProperties(timestamp=int(time.time())) when publishing"),
    MessageTimestamp("aio-pika", "message.timestamp (datetime, only if the publisher set it)", "datetime",
                     "(datetime.now(timezone.utc) - {msg}.timestamp).total_seconds() * 1000"),
    MessageTimestamp("nats-jetstream", "msg.metadata.timestamp (datetime; JetStream messages only)", "datetime",
                     "(datetime.now(timezone.utc) - {msg}.metadata.timestamp).total_seconds() * 1000",
                     note="core NATS messages carry no timestamp: publish one in a header"),
    MessageTimestamp("pulsar-client", "msg.publish_timestamp() (epoch ms)", "ms",
                     "time.time() * 1000 - {msg}.publish_timestamp()"),
    MessageTimestamp("redis-streams", 'entry id "<epoch ms>-<seq>"', "ms",
                     'time.time() * 1000 - int({msg}.split("-")[0])'),
    MessageTimestamp("boto3-kinesis", 'record["ApproximateArrivalTimestamp"] (aware datetime)', "datetime",
                     '(datetime.now(timezone.utc) - {msg}["ApproximateArrivalTimestamp"]).total_seconds() * 1000'),
    MessageTimestamp("aws-lambda-kinesis", 'record["kinesis"]["approximateArrivalTimestamp"] (epoch s, float)', "s",
                     '(time.time() - {msg}["kinesis"]["approximateArrivalTimestamp"]) * 1000'),
    MessageTimestamp("aws-lambda-msk", 'record["timestamp"] (epoch ms)', "ms",
                     'time.time() * 1000 - {msg}["timestamp"]'),
    MessageTimestamp("aws-lambda-sns", 'record["Sns"]["Timestamp"] (ISO 8601 string)', "iso",
                     '(datetime.now(timezone.utc) - datetime.fromisoformat({msg}["Sns"]["Timestamp"].replace("Z", "+00:00")))'
                     '.total_seconds() * 1000'),
    MessageTimestamp("celery", "no enqueue time by default: send one in the headers", "s",
                     '(time.time() - float(self.request.get("sent_at", time.time()))) * 1000',
                     note='publish with apply_async(headers={"sent_at": time.time()})'),
)
TIMESTAMPS_BY_LIBRARY = {t.library: t for t in MESSAGE_TIMESTAMPS}
# Library names the consumer catalog may use for the same thing.
TIMESTAMP_ALIASES = {"sqs": "boto3-sqs", "aws-sqs": "boto3-sqs", "lambda-sqs": "aws-lambda-sqs",
                     "pubsub": "google-cloud-pubsub", "servicebus": "azure-servicebus",
                     "eventhub": "azure-eventhub", "eventhubs": "azure-eventhub", "nats": "nats-jetstream",
                     "pulsar": "pulsar-client", "confluent": "confluent-kafka", "kafka": "kafka-python",
                     "nats-py": "nats-jetstream"}


def timestamp_for(library: str):
    return TIMESTAMPS_BY_LIBRARY.get(library) or TIMESTAMPS_BY_LIBRARY.get(TIMESTAMP_ALIASES.get(library, ""))


# Attribute names that record a wait (default of ``wait-time-attributes``): a name counts when,
# normalised, it contains one of these.
WAIT_TIME_WORDS = ("wait", "lag", "queue-time", "queued-time", "time-in-queue", "enqueued", "delay")
# Message members read to compute a wait: any use of them in a span attribute counts too.
TIMESTAMP_MEMBERS = ("timestamp", "SentTimestamp", "publish_time", "enqueued_time_utc", "enqueued_time",
                     "publish_timestamp", "ApproximateFirstReceiveTimestamp")

# ------------------------------------------------------------------ span names (CTX403)
# Exact names (compared case-insensitively), the default of ``generic-span-names``.
GENERIC_SPAN_NAMES = (
    "process", "processing", "consume", "consumer", "handle", "handler", "receive", "message",
    "on_message", "on-message", "callback", "run", "execute", "task", "job", "work", "worker",
    "event", "process_message", "handle_message", "process-message", "handle-message",
    "consume_message", "consume-message", "message_handler", "process_event", "handle_event",
)
TRANSPORT_WORDS = ("kafka", "sqs", "sns", "rabbitmq", "rabbit", "amqp", "pubsub", "gcp_pubsub",
                   "servicebus", "eventhub", "eventhubs", "nats", "redis", "pulsar", "mqtt", "celery",
                   "kinesis", "queue", "topic", "broker", "messaging", "message", "msg", "consumer")
VERB_WORDS = ("process", "processing", "consume", "handle", "receive", "poll", "message", "msg",
              "handler", "callback", "run", "execute", "task", "job", "deliver", "on_message", "event")
# ``kafka.consume``, ``sqs receive``, ``rabbitmq-process``, ``consume message``: transport and/or
# verb words only, joined by separators.
GENERIC_SPAN_PATTERN = (
    r"(?i)(?:(?:{t})[ ._:/-]+)?(?:{v})(?:[ ._:/-]+(?:message|msg|messages|event|record|batch))?"
).format(t="|".join(TRANSPORT_WORDS), v="|".join(VERB_WORDS))

# Words that do not name a business step (a suggested span name is never built from them).
NON_BUSINESS_WORDS = frozenset(TRANSPORT_WORDS + VERB_WORDS + (
    "loop", "listener", "listen", "main", "on", "generic", "subscriber", "cb", "worker", "consumer",
    "handle", "messages", "events", "records", "batch", "incoming", "inbound", "dispatch", "default",
))

# ------------------------------------------------------------------ retries (CTX405)
# Decorators that re-run the function they wrap.
RETRY_DECORATORS = (
    "tenacity.retry", "tenacity.Retrying", "backoff.on_exception", "backoff.on_predicate",
    "retry.retry", "retrying.retry", "retry.api.retry", "stamina.retry", "backoff.on_exception",
    "opnieuw.retry_async", "opnieuw.retry", "redo.retriable",
)
# Keyword arguments of a retry decorator that install a hook run on each attempt: the hook may
# record the attempt, so the linter stays silent when one is passed.
RETRY_HOOK_KEYWORDS = ("before", "after", "before_sleep", "retry_error_callback", "on_backoff",
                       "on_giveup", "on_success", "wait_func", "before_attempts", "after_attempts")
# Names whose use in a span attribute / event records the attempt number.
ATTEMPT_WORDS = ("attempt", "retry", "retries", "tries", "try_number", "redelivery", "delivery_count",
                 "deliverycount", "redelivered")
# Celery: ``self.retry(...)`` in a bound task, or a task decorator with ``autoretry_for=``.
CELERY_RETRY_METHOD = "retry"
CELERY_AUTORETRY_KEYWORDS = ("autoretry_for",)
CELERY_TASK_DECORATORS = ("celery.shared_task", "celery.task", "celery.Celery.task")
SPAN_EVENT_METHODS = ("add_event", "record_exception")
