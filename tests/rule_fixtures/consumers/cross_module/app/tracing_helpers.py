from opentelemetry import context
from opentelemetry.propagate import extract


def continue_trace(properties):
    return context.attach(extract(properties.headers or {}))


def continue_trace_via(properties):
    return continue_trace(properties)
