"""CTX202: gevent and eventlet green threads start with an empty context (domain.md §D.5)."""
import contextvars

import eventlet
import gevent
from gevent.pool import Pool
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def fetch(url):
    with tracer.start_as_current_span("fetch"):
        return url


def fan_out(urls):
    jobs = [gevent.spawn(fetch, u) for u in urls]  # error: CTX202
    later = gevent.spawn_later(1, fetch, urls[0])  # error: CTX202
    pool = Pool(10)
    pool.spawn(fetch, urls[0])  # error: CTX202
    eventlet.spawn(fetch, urls[0])  # error: CTX202
    eventlet.spawn_n(fetch, urls[0])  # error: CTX202
    gevent.joinall(jobs + [later])


def copied(urls):
    jobs = [gevent.spawn(contextvars.copy_context().run, fetch, u) for u in urls]
    gevent.joinall(jobs)
