"""CTX205: one copy_context() entered by two concurrent hand-offs raises RuntimeError."""
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace

tracer = trace.get_tracer(__name__)
IMPORT_TIME = contextvars.copy_context()


def process(item):
    with tracer.start_as_current_span("process"):
        return item


def copy_outside_loop(executor: ThreadPoolExecutor, items):
    ctx = contextvars.copy_context()
    for item in items:
        executor.submit(ctx.run, process, item)  # error: CTX205


def copy_outside_comprehension(executor: ThreadPoolExecutor, items):
    ctx = contextvars.copy_context()
    return [executor.submit(ctx.run, process, i) for i in items]  # error: CTX205


def two_threads(a, b):
    ctx = contextvars.copy_context()
    t1 = threading.Thread(target=ctx.run, args=(process, a))
    t2 = threading.Thread(target=ctx.run, args=(process, b))  # error: CTX205
    t1.start()
    t2.start()


def map_with_one_copy(executor: ThreadPoolExecutor, items):
    return list(executor.map(contextvars.copy_context().run, [process] * len(items), items))  # error: CTX205


def module_level_copy(executor: ThreadPoolExecutor, item):
    executor.submit(IMPORT_TIME.run, process, item)  # error: CTX205


# ---- not flagged
def sequential(executor: ThreadPoolExecutor, a, b):
    ctx = contextvars.copy_context()
    executor.submit(ctx.run, process, a).result()
    executor.submit(ctx.run, process, b).result()


def fresh_each_time(executor: ThreadPoolExecutor, items):
    for item in items:
        ctx = contextvars.copy_context()
        executor.submit(ctx.run, process, item)


def one_submit(executor: ThreadPoolExecutor, item):
    ctx = contextvars.copy_context()
    return executor.submit(ctx.run, process, item)
