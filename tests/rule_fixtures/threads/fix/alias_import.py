import contextvars as cv
import threading
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace  # noqa: F401  (the service traces: a context can exist)

POOL = ThreadPoolExecutor()


def handle(f, x):
    POOL.submit(f, x)  # error: CTX201
    threading.Thread(target=f, args=(x,)).start()  # error: CTX202
