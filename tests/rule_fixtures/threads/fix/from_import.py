from __future__ import annotations

from contextvars import copy_context
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace  # noqa: F401  (the service traces: a context can exist)

POOL = ThreadPoolExecutor()


def handle(f, x):
    POOL.submit(f, x)  # error: CTX201
    return copy_context()
