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

# Modules whose import means "this project uses tracing or contextvars" (which files are read).
TRACING_MODULES = ("opentelemetry", "ddtrace", "opentracing", "contextvars", "logfire")
# Libraries whose import means a trace context can exist in the process (publishes and, under
# `thread-scope = "auto"`, hand-offs are judged there). Sentry is not one: its SDK propagates its
# own trace through Celery and HTTP by itself.
TRACE_CONTEXT_MODULES = ("opentelemetry", "ddtrace", "opentracing", "jaeger_client", "logfire")
# Parts of those libraries that are not tracing: metrics and logs (`from opentelemetry import
# metrics`, `opentelemetry.sdk.metrics`, an OTLP metric exporter), and what every signal shares
# (`opentelemetry.sdk.resources`, semantic-convention names): a tracing setup imports more.
NOT_TRACE_PARTS = frozenset(("metrics", "_metrics", "_logs", "logs", "metric_exporter", "_log_exporter",
                             "prometheus", "resources", "semconv"))


def is_trace_import(dotted: str) -> bool:
    """Does importing ``dotted`` (a module, or ``module.name`` for ``from module import name``)
    mean tracing, not only metrics or logs?"""
    parts = dotted.split(".")
    return parts[0] in TRACE_CONTEXT_MODULES and not NOT_TRACE_PARTS.intersection(parts[1:])

# ----------------------------------------------------------------------------- consumer side
# (domain.md §C.1, §C.2, §E, §G.2; read by ``consuming.py`` and the CTX3xx rules)

# Functions that read a trace context back out of a carrier: qname -> position of the carrier.
EXTRACT_FUNCTIONS = {
    "opentelemetry.propagate.extract": 0,
    "ddtrace.propagation.http.HTTPPropagator.extract": 0,
}
# Methods named like this extract when their receiver is a propagator or a tracer (resolved to
# one of these prefixes, or named like one in a file that imports a tracing module). OpenTracing's
# ``tracer.extract(format, carrier)`` takes the carrier second.
EXTRACT_METHOD = "extract"
PROPAGATOR_TYPES = (
    "opentelemetry.propagators", "opentelemetry.trace.propagation", "opentelemetry.baggage.propagation",
    "opentelemetry.propagate.get_global_textmap", "opentelemetry.propagators.textmap",
    "ddtrace.propagation", "opentracing",
)
PROPAGATOR_NAME = r"(?i)propagat|textmap|tracer|^tc$|^prop$"

# Starting a span: method names on a tracer, and the keyword (or position) of each way to connect
# it to another context. ``parent`` keywords take a context/span (OTel ``context=``, ddtrace and
# OpenTracing ``child_of=``), ``links`` a list of links, ``references`` OpenTracing references.
SPAN_START_METHODS = {
    # OpenTelemetry: start_span(name, context=None, kind=..., attributes=None, links=None, ...)
    "start_as_current_span": {"parent": (("context", 1),), "links": (("links", 4),)},
    "start_span": {"parent": (("context", 1), ("child_of", None)), "links": (("links", 4),),
                   "references": (("references", None),)},
    # OpenTracing scope-manager form
    "start_active_span": {"parent": (("child_of", None),), "references": (("references", None),)},
    # ddtrace tracer.trace(name, service=None, resource=None, span_type=None): child of the active span
    "trace": {},
    # Logfire (Pydantic's OpenTelemetry distribution): logfire.span(msg_template, ..., _links=[...])
    "span": {"links": (("_links", None),)},
}
# Span-start methods that only one library's objects have (the name alone says nothing):
# `logfire.span(...)`, `@logfire.instrument(...)`; ddtrace's `trace`/`wrap` have their own test.
SPAN_METHOD_LIBRARY = {"span": "logfire", "instrument": "logfire"}
# `tracer.trace(...)` is ddtrace only: its receiver must resolve to (or be named like) a ddtrace tracer.
DDTRACE_TRACER = ("ddtrace.tracer", "ddtrace.trace.tracer", "ddtrace.Tracer", "ddtrace.trace.Tracer")
# Decorators that start a span around the whole function.
SPAN_DECORATOR_METHODS = ("start_as_current_span", "wrap", "instrument")
# Module functions whose use starts a span but that are not a tracing library's (Sentry...): a
# span-start method called on a module reference outside ``TRACING_MODULES`` is not a span here.

# Connecting the current span afterwards: OTel Span.add_link(context), ddtrace span.link_span(context)
# and span.set_link(trace_id, span_id, ...).
ADD_LINK_METHODS = ("add_link", "link_span", "set_link")
# Building a link: opentelemetry.trace.Link(context), OpenTracing follows_from(span_context).
LINK_CONSTRUCTORS = ("opentelemetry.trace.Link", "opentelemetry.trace.span.Link", "opentelemetry.sdk.trace.Link",
                     "ddtrace.trace.SpanLink", "ddtrace._trace._span_link.SpanLink")
# OpenTracing references: child_of(ctx) is a parent, follows_from(ctx) a link.
OPENTRACING_CHILD_OF = ("opentracing.child_of", "opentracing.ext.references.child_of")
OPENTRACING_FOLLOWS_FROM = ("opentracing.follows_from",)
# Making a context current before spans start: OTel attach(ctx), ddtrace
# tracer.context_provider.activate(ctx), OpenTracing tracer.scope_manager.activate(span, ...).
ATTACH_FUNCTIONS = ("opentelemetry.context.attach",)
ACTIVATE_METHODS = ("activate",)  # on `<tracer>.context_provider` / `<tracer>.scope_manager`
# ``trace.use_span(span)`` makes a span built from an extracted context current.
USE_SPAN_FUNCTIONS = ("opentelemetry.trace.use_span",)
# Carriers of an incoming HTTP request (``extract(request.headers)``, WSGI ``environ``): a server
# span parented to them is the documented server pattern, not a message's consumer span (CTX304
# is about messages whose missing ``traceparent`` silently drops the ambient span).
HTTP_REQUEST_CARRIER_ROOTS = ("request", "req", "environ", "http_request", "web_request")
# Expressions that check an extracted context before it is used as a parent (domain.md §1.2).
VALIDITY_MEMBERS = ("is_valid", "is_remote", "trace_id")

# ----------------------------------------------------------------------------- contexts made by hand
# (CTX306 attach-without-detach, CTX307 hand-rolled-span-context; verified with opentelemetry-api 1.45)

# Making a context current hands back a token that must be given back on every path, in the same
# thread. ``form``: "argument" (``detach(token)``) or "method" (``scope.close()``).
# - OpenTelemetry: ``opentelemetry.context.attach(ctx) -> Token``, ``opentelemetry.context.detach(token)``
#   (``opentelemetry/context/__init__.py``; detaching a token twice logs "Failed to detach context").
# - OpenTracing: ``tracer.scope_manager.activate(span, finish_on_close) -> Scope``, ``scope.close()``.
# - ddtrace has no token: ``tracer.context_provider.activate(ctx)`` replaces the active context
#   (``ddtrace/_trace/provider.py``) and is undone by activating the previous one; nothing to pair.
TOKEN_PAIRS = (
    ("opentelemetry.context.attach", "opentelemetry.context.detach", "argument"),
    ("opentracing.ScopeManager.activate", "close", "method"),
)
DETACH_FUNCTIONS = tuple(close for _, close, form in TOKEN_PAIRS if form == "argument")
# a receiver of ``.attach``/``.detach`` written like the OpenTelemetry context module
CONTEXT_MODULE_NAMES = ("context", "otel_context", "ctx_api", "context_api", "otel_ctx", "context_module", "otelcontext")
# ``activate`` returns a closable scope only on an OpenTracing scope manager
SCOPE_MANAGER_ATTRIBUTE = "scope_manager"

# Modules a process imports to set tracing up (an SDK's tracer provider, a distribution, an agent,
# a vendor's configurator, an exporter). A process that imports none of them, is started by no
# launcher and enables no instrumentation makes no trace: the tracing API's spans there record
# nothing and carry no valid context.
TRACING_SETUP_MODULES = (
    "opentelemetry.sdk", "opentelemetry.distro", "opentelemetry.instrumentation.auto_instrumentation",
    "opentelemetry.exporter", "azure.monitor.opentelemetry", "logfire", "sentry_sdk", "ddtrace", "newrelic",
    "traceloop.sdk", "openlit", "phoenix.otel", "arize.otel", "langfuse", "elasticapm", "honeycomb",
    "lightstep", "uptrace", "splunk_otel", "aws_xray_sdk", "jaeger_client", "opencensus", "agentops",
    "openinference.instrumentation", "google.cloud.trace",
)

# Context managers whose exit gives the context back its value from before the block (OpenTelemetry's
# `start_as_current_span`/`use_span` detach their own token; OpenTracing's scope restores the previous)
CURRENT_SPAN_BLOCKS = ("start_as_current_span", "use_span", "start_active_span")
# Calls that return the current context, to attach it again later (restoring it).
SAVE_CURRENT_CONTEXT = ("opentelemetry.context.get_current",)

# Setting tracing up for a whole process: a context attached there is meant to stay.
SET_TRACER_PROVIDER = ("opentelemetry.trace.set_tracer_provider",)

# A span context built by hand. ``SpanContext(trace_id, span_id, is_remote, trace_flags=..., trace_state=...)``
# stores ``trace_flags`` as given: an ``int`` (``TraceFlags.DEFAULT`` and ``TraceFlags.SAMPLED``
# are plain ints) makes the SDK's ParentBased sampler raise AttributeError ('int' object has no
# attribute 'sampled'). ddtrace's ``Context(trace_id=, span_id=, sampling_priority=)`` takes ints
# and ``tracer.context_provider.activate(Context(...))`` accepts it: no equivalent mistake.
SPAN_CONTEXT_TYPES = ("opentelemetry.trace.SpanContext", "opentelemetry.trace.span.SpanContext")
SPAN_CONTEXT_TRACE_FLAGS = Arg("trace_flags", 3)
TRACE_FLAGS_TYPES = ("opentelemetry.trace.TraceFlags", "opentelemetry.trace.span.TraceFlags")
# members of TraceFlags that are plain ints, and the values that are real TraceFlags
TRACE_FLAGS_INT_MEMBERS = ("DEFAULT", "SAMPLED", "RANDOM_TRACE_ID")
TRACE_FLAGS_VALUES = ("opentelemetry.trace.span.DEFAULT_TRACE_OPTIONS", "opentelemetry.trace.DEFAULT_TRACE_OPTIONS")
# ``set_span_in_context(span, context=None)`` stores its first argument as the current span, but
# ``get_current_span`` returns INVALID_SPAN for anything that is not a ``Span``: a SpanContext
# there is ignored and the next span starts a new trace. ``NonRecordingSpan(span_context)`` wraps it.
SET_SPAN_IN_CONTEXT = {
    "opentelemetry.trace.set_span_in_context": Arg("span", 0),
    "opentelemetry.trace.propagation.set_span_in_context": Arg("span", 0),
}
NON_RECORDING_SPAN = "opentelemetry.trace.NonRecordingSpan"
NON_RECORDING_SPAN_TYPES = (NON_RECORDING_SPAN, "opentelemetry.trace.span.NonRecordingSpan")
# calls and methods whose result is a SpanContext (not a Span)
SPAN_CONTEXT_METHODS = ("get_span_context",)

# Trace and span ids: the members that hold them as ints, and how they are written as text.
ID_MEMBERS = ("trace_id", "span_id")
# calls that write an id as hex: format_trace_id(x) / format_span_id(x) / hex(x)
HEX_ID_FUNCTIONS = ("opentelemetry.trace.format_trace_id", "opentelemetry.trace.format_span_id",
                    "opentelemetry.trace.span.format_trace_id", "opentelemetry.trace.span.format_span_id", "hex")
# Methods that record a key and a value on a span, not in a carrier: an id written there is
# never read back (``writer.add_tag("trace_id", ...)``, ``carrier.set(...)`` are carriers).
SPAN_ATTRIBUTE_METHODS = ("set_attribute", "set_tag", "set_attributes", "add_event", "log_kv", "set_baggage_item")
# Carrier keys whose id format is fixed by their propagation format, whoever writes them:
# Datadog headers carry decimal ids (ddtrace/propagation/http.py ``str(span_context.trace_id)``),
# B3 and X-Ray hex.
KNOWN_ID_KEYS = {
    "x-datadog-trace-id": "decimal",
    "x-datadog-parent-id": "decimal",
    "x-b3-traceid": "hex",
    "x-b3-spanid": "hex",
    "x-b3-parentspanid": "hex",
}
