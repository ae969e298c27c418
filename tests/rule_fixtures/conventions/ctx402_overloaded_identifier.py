import uuid
from typing import TypedDict
from unittest import mock
from unittest.mock import ANY

import pika
from opentelemetry import trace
from opentelemetry.trace import format_trace_id


def trace_id_as_event_id(order):
    span = trace.get_current_span()
    trace_id = format_trace_id(span.get_span_context().trace_id)
    return {"eventId": trace_id, "orderId": order.id}  # error: CTX402


def trace_id_as_correlation_header(channel, body):
    ctx = trace.get_current_span().get_span_context()
    props = pika.BasicProperties(correlation_id=str(ctx.trace_id))  # error: CTX402
    channel.basic_publish("", "orders", body, props)


def hex_trace_id_in_store(event):
    tid = "{:032x}".format(trace.get_current_span().get_span_context().trace_id)
    event["correlation_id"] = tid  # error: CTX402
    return event


def span_attribute(span, incoming):
    span.set_attribute("messaging.message.conversation_id", format_trace_id(span.get_span_context().trace_id))  # error: CTX402


def span_id_as_message_id(span):
    return {"message_id": f"{span.get_span_context().span_id:016x}"}  # error: CTX402


def same_variable_two_roles(order):
    ident = str(uuid.uuid4())
    return {
        "eventId": ident,
        "correlationId": ident,  # error: CTX402
        "orderId": order.id,
    }


def same_attribute_two_roles_keywords(msg):
    return Envelope(event_id=msg.id, correlation_id=msg.id)  # error: CTX402


def same_variable_in_stores(event, incoming):
    key = incoming["id"]
    event["event_id"] = key
    event["correlation_id"] = key  # error: CTX402
    return event


# --- silent


def distinct_ids(order, incoming):
    span = trace.get_current_span()
    return {
        "eventId": str(uuid.uuid4()),
        "correlationId": incoming.get("correlationId") or str(uuid.uuid4()),
        "traceId": format_trace_id(span.get_span_context().trace_id),
        "spanId": span.get_span_context().span_id,
        "orderId": order.id,
    }


def two_fresh_uuids():
    return {"eventId": str(uuid.uuid4()), "correlationId": str(uuid.uuid4())}


def trace_id_in_trace_field(span):
    trace_id = span.get_span_context().trace_id
    span.set_attribute("app.trace_id", trace_id)
    return {"trace_id": trace_id, "x-trace-id": format_trace_id(trace_id)}


def derived_not_same(trace_id):
    # a value derived from the trace id by a real function is a different value
    return {"eventId": str(uuid.uuid5(uuid.NAMESPACE_URL, trace_id))}


def unrelated_fields(order):
    value = order.id
    return {"orderId": value, "customer": value, "eventId": str(uuid.uuid4())}


def causation_is_not_a_role(incoming):
    return {"correlationId": incoming["correlationId"], "causationId": incoming["eventId"]}


def none_defaults():
    return {"eventId": None, "correlationId": None}


class Envelope:
    def __init__(self, event_id, correlation_id):
        self.event_id = event_id
        self.correlation_id = correlation_id


# a schema and a test's matchers name types and wildcards, not values
EventJSON = TypedDict("EventJSON", {"trace_id": str, "span_id": str, "event_id": str})


def expected_span_record():
    return {"trace_id": mock.ANY, "span_id": mock.ANY, "correlation_id": ANY}


def same_variable_twice(token):
    return {"eventId": token, "correlationId": token}  # error: CTX402
