import threading

from opentelemetry import context as otel_context
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def attaching_worker(parent, item):
    token = otel_context.attach(parent)
    try:
        with tracer.start_as_current_span("work"):
            return item
    finally:
        otel_context.detach(token)


def forgetful_worker(parent, item):
    with tracer.start_as_current_span("work"):
        return parent, item


def plain_worker(item):
    with tracer.start_as_current_span("work"):
        return item


class BaseWorker(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
