"""CTX307: span contexts made by hand."""
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context
from opentelemetry.trace.span import DEFAULT_TRACE_OPTIONS

SAMPLED = 1


def parent_from_ids(trace_id, span_id):
    parent = SpanContext(trace_id=trace_id, span_id=span_id, is_remote=True, trace_flags=TraceFlags.DEFAULT)  # error: CTX307
    return trace.set_span_in_context(parent)  # error: CTX307


def positional_int(trace_id, span_id):
    sc = SpanContext(trace_id, span_id, True, 0x01)  # error: CTX307
    return set_span_in_context(NonRecordingSpan(sc))


def flags_by_name(trace_id, span_id, sampled):
    flags = TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT
    sc = SpanContext(trace_id, span_id, is_remote=True, trace_flags=flags)  # error: CTX307
    return set_span_in_context(NonRecordingSpan(sc))


def current_context_copy(span):
    return set_span_in_context(span.get_span_context())  # error: CTX307


def annotated(sc: SpanContext):
    return trace.set_span_in_context(sc)  # error: CTX307


def int_of_flags(trace_id, span_id, raw):
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=int(raw))  # error: CTX307


# ----------------------------------------------------------------------------- clean
def wrapped(trace_id, span_id):
    sc = SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    return trace.set_span_in_context(NonRecordingSpan(sc))


def default_options(trace_id, span_id):
    sc = SpanContext(trace_id, span_id, is_remote=True, trace_flags=DEFAULT_TRACE_OPTIONS)
    return set_span_in_context(NonRecordingSpan(sc))


def flags_of_another(trace_id, span_id, other):
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=other.trace_flags)


def get_default(trace_id, span_id):
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags.get_default())


def a_real_span(span):
    return trace.set_span_in_context(span)


def unknown_flags(trace_id, span_id, flags):
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=flags)
