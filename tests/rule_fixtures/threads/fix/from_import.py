from __future__ import annotations

from contextvars import copy_context
from concurrent.futures import ThreadPoolExecutor

POOL = ThreadPoolExecutor()


def handle(f, x):
    POOL.submit(f, x)  # error: CTX201
    return copy_context()
