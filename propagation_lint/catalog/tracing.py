"""Tracing APIs: what injects context into a carrier, what reads it back, what starts spans.

OpenTelemetry, ddtrace and OpenTracing (domain.md §C, §E). A Data Streams checkpoint
(``set_produce_checkpoint``) is deliberately absent: it is not trace propagation (M13).
"""
from .schema import Arg, Injector

INJECTORS = (
    Injector("opentelemetry.propagate.inject", Arg("carrier", 0)),
    Injector("opentelemetry.propagators.textmap.TextMapPropagator.inject", Arg("carrier", 0)),
    Injector("opentelemetry.trace.propagation.tracecontext.TraceContextTextMapPropagator.inject", Arg("carrier", 0)),
    Injector("opentelemetry.propagators.composite.CompositePropagator.inject", Arg("carrier", 0)),
    Injector("opentelemetry.baggage.propagation.W3CBaggagePropagator.inject", Arg("carrier", 0)),
    Injector("opentelemetry.propagators.aws.AwsXRayPropagator.inject", Arg("carrier", 0)),
    Injector("ddtrace.propagation.http.HTTPPropagator.inject", Arg("headers", 1), system="ddtrace"),
    Injector("opentracing.Tracer.inject", Arg("carrier", 2), system="opentracing"),
)

# A call to a method named like this on a value we cannot resolve is still taken as an inject
# (propagators are often module globals built elsewhere). Position of the carrier by argument
# count: OpenTracing's tracer.inject(span_context, format, carrier) has three.
INJECT_METHOD_NAMES = ("inject",)

# Calls whose result *is* an injected carrier or a serialised context (counts as carrying it).
CONTEXT_PRODUCING_CALLS = (
    "opentelemetry.trace.format_trace_id",
    "opentelemetry.trace.format_span_id",
    "opentelemetry.trace.get_current_span",
    "opentelemetry.trace.span.format_trace_id",
    "opentelemetry.trace.span.format_span_id",
    "opentelemetry.context.get_current",
    "ddtrace.tracer.current_trace_context",
)
# Attribute or method names that read a span context (``span.get_span_context().trace_id``).
CONTEXT_PRODUCING_MEMBERS = ("get_span_context", "current_trace_context", "get_current_span", "context")
# Keys in a dict literal that show the dict is a trace carrier when their value is computed.
CARRIER_KEYS = ("traceparent", "tracestate", "x-datadog-trace-id", "uber-trace-id", "b3", "x-amzn-trace-id", "_datadog")

# Modules whose import means "this project uses tracing or contextvars" (thread rules' scope).
TRACING_MODULES = ("opentelemetry", "ddtrace", "opentracing", "contextvars")
