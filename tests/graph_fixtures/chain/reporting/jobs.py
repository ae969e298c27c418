"""Reporting: work handed to a thread pool, with and without the caller's context."""
import contextvars
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace

tracer = trace.get_tracer("reporting")


def render(name):
    with tracer.start_as_current_span("render"):
        return name


def build(names):
    with tracer.start_as_current_span("build"):
        with ThreadPoolExecutor() as pool:
            lost = pool.submit(render, names[0])
            kept = pool.submit(contextvars.copy_context().run, render, names[1])
            return lost.result() + kept.result()
