"""Runs under tests/test_thread_fixes.py: a pool worker's span, before and after the CTX201 fix."""
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def work(n, label="x"):
    with tracer.start_as_current_span("worker"):
        return n, label


def main():
    with ThreadPoolExecutor(max_workers=2) as ex:
        return ex.submit(work, 1, label="a").result()  # error: CTX201
