from opentelemetry import trace
from opentelemetry.propagate import extract

from worker import bus

tracer = trace.get_tracer(__name__)


def run_job(job):
    with tracer.start_as_current_span("run-job"):  # error: CTX301
        print(job)


def run_other_job(job):
    with tracer.start_as_current_span("not-declared"):
        print(job)


def on_event(event):
    with tracer.start_as_current_span("on-event"):  # error: CTX301
        print(event)


def on_event_connected(event):
    with tracer.start_as_current_span("on-event", context=extract(event.headers)):
        print(event)


bus.subscribe("orders", on_event)
bus.subscribe("orders", handler=on_event_connected)
