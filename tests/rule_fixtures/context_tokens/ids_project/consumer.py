"""Reads them back: the trace id as hex (wrong), the span id as hex (right)."""
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags


def callback(message):
    attributes = message.attributes
    trace_id = int(attributes["trace_id"], 16)  # error: CTX307
    span_id = int(attributes.get("span_id"), 16)
    parent = SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(1))
    return trace.set_span_in_context(NonRecordingSpan(parent))


def from_datadog(headers):
    trace_id = int(headers["x-datadog-trace-id"])
    parent_id = int(headers.get("x-datadog-parent-id"), 16)  # error: CTX307
    b3 = int(headers["x-b3-traceid"], 16)
    return trace_id, parent_id, b3


def unrelated(row):
    return int(row["count"]), int(row["colour"], 16)


def colour_of(row):
    return int(row["colour"])
