"""Work items that hold their caller's span context and re-attach it where they run."""
from typing import TYPE_CHECKING, Protocol

from opentelemetry import context, trace
from opentelemetry.trace import NonRecordingSpan

if TYPE_CHECKING:
    from opentelemetry.trace import SpanContext

tracer = trace.get_tracer(__name__)


class TaskProtocol(Protocol):
    def __call__(self): ...

    def get_tracing_span_context(self) -> "SpanContext": ...


class RenderTask:
    def __init__(self, page: int, span_context: "SpanContext"):
        self.page = page
        self._span_context = span_context

    def __call__(self):
        token = context.attach(trace.set_span_in_context(NonRecordingSpan(self._span_context)))
        try:
            with tracer.start_as_current_span("render"):
                return self.page
        finally:
            context.detach(token)


class PlainTask:
    def __init__(self, page: int):
        self.page = page

    def __call__(self):
        with tracer.start_as_current_span("render"):
            return self.page
