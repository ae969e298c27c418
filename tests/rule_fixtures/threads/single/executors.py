"""CTX201: thread pools, held every way real code holds them."""
import concurrent.futures
import contextvars
import functools
from concurrent.futures import Executor, ThreadPoolExecutor

import grpc
from opentelemetry import context as otel_context
from opentelemetry import trace

tracer = trace.get_tracer(__name__)
POOL = ThreadPoolExecutor(max_workers=4)


def charge(order_id, amount=0):
    with tracer.start_as_current_span("charge"):
        return order_id, amount


def module_level(order):
    POOL.submit(charge, order.id, amount=order.total)  # error: CTX201
    POOL.map(charge, order.ids)  # error: CTX201


def with_as(orders):
    with concurrent.futures.ThreadPoolExecutor() as ex:
        for o in orders:
            ex.submit(charge, o)  # error: CTX201


def local_variable(order):
    executor = ThreadPoolExecutor(2)
    future = executor.submit(charge, order)  # error: CTX201
    return future.result()


def annotated(executor: ThreadPoolExecutor, order):
    executor.submit(charge, order)  # error: CTX201


def annotated_base(executor: Executor, order):
    executor.submit(charge, order)  # error: CTX201


def annotated_optional(executor: "ThreadPoolExecutor | None", order):
    executor.submit(charge, order)  # error: CTX201


class Service:
    def __init__(self):
        self._executor = ThreadPoolExecutor(max_workers=8)
        self.server = grpc.server(self._executor)  # handed to a framework: not our hand-off

    def handle(self, order):
        self._executor.submit(self._work, order)  # error: CTX201

    def handle_attached(self, order):
        self._executor.submit(self._attached_work, otel_context.get_current(), order)

    def _work(self, order):
        return charge(order)

    def _attached_work(self, parent, order):
        token = otel_context.attach(parent)
        try:
            return charge(order)
        finally:
            otel_context.detach(token)


# ---- not flagged: the context goes along
def fresh_copy_per_submit(orders):
    with ThreadPoolExecutor() as ex:
        for o in orders:
            ex.submit(contextvars.copy_context().run, charge, o)


def fresh_copy_in_loop_variable(orders):
    with ThreadPoolExecutor() as ex:
        for o in orders:
            ctx = contextvars.copy_context()
            ex.submit(ctx.run, charge, o)


def partial_of_run(order):
    POOL.submit(functools.partial(contextvars.copy_context().run, charge, order))


def lambda_with_captured_context(order):
    ctx = contextvars.copy_context()
    POOL.submit(lambda: ctx.run(charge, order))


def worker_attaches_captured_context(order):
    parent = otel_context.get_current()

    def work():
        token = otel_context.attach(parent)
        try:
            charge(order)
        finally:
            otel_context.detach(token)

    POOL.submit(work)


def wrapped_by_unknown_helper(order, wrap):
    POOL.submit(wrap(charge), order)


def named_like_an_executor(executor, order):
    executor.submit(charge, order)  # error: CTX201


def pool_name_is_not_enough(pool, order):
    pool.submit(charge, order)  # a connection pool, a process pool...: not reported


def unknown_receiver(client, order):
    client.submit(charge, order)  # dask-like: not a thread pool we know


def star_args(job):
    POOL.submit(*job)
