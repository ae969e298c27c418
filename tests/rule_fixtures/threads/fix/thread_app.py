"""Runs under tests/test_thread_fixes.py: a thread's and a timer's spans, before and after the CTX202 fix."""
import threading

from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def work(n, label="x"):
    with tracer.start_as_current_span("worker"):
        return n, label


def main():
    t = threading.Thread(target=work, args=(1,), kwargs={"label": "a"})  # error: CTX202
    t.start()
    t.join()
    timer = threading.Timer(0.01, work, args=[2])  # error: CTX202
    timer.start()
    timer.join()
