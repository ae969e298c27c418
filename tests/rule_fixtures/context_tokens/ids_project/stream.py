"""A stream writer's tags: `trace_id` in decimal again (consumer.py reads it as hex); span attributes
are not carriers."""
from opentelemetry import trace


def forward(events, payload, tracer):
    with tracer.start_as_current_span("forward") as span:
        span_context = span.get_span_context()
        span.set_attribute("colour", str(span_context.trace_id))
        events.add_value("data", payload).add_tag("trace_id", str(span_context.trace_id)).publish()
