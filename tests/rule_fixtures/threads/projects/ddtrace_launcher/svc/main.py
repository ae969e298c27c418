"""Launched under ddtrace-run: the futures and gevent integrations are on; raw threads are not covered."""
import threading
from concurrent.futures import ThreadPoolExecutor

import gevent
from ddtrace.trace import tracer

POOL = ThreadPoolExecutor()


def job(x):
    with tracer.trace("job"):
        return x


def handle(x):
    POOL.submit(job, x)
    gevent.spawn(job, x)
    threading.Thread(target=job, args=(x,)).start()  # error: CTX202
