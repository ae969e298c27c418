from opentelemetry import context, trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)


def unchecked(headers):
    ctx = extract(headers)
    with tracer.start_as_current_span("process", context=ctx):  # error: CTX304
        pass


def inline_unchecked(headers):
    with tracer.start_as_current_span("process", context=extract(headers)):  # error: CTX304
        pass


def checked(headers):
    ctx = extract(headers)
    parent = ctx if trace.get_current_span(ctx).get_span_context().is_valid else None
    with tracer.start_as_current_span("process", context=parent):
        pass


def with_fallback(headers):
    ctx = extract(headers, context=context.get_current())
    with tracer.start_as_current_span("process", context=ctx):
        pass


def guarded_by_carrier(headers):
    if "traceparent" in headers:
        with tracer.start_as_current_span("process", context=extract(headers)):
            pass
