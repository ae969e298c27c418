"""CTX202: threads, timers, Thread subclasses."""
import contextvars
import threading
from threading import Thread, Timer

from opentelemetry import context as otel_context
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def send_receipt(order_id):
    with tracer.start_as_current_span("send-receipt"):
        return order_id


def plain_thread(order):
    threading.Thread(target=send_receipt, args=(order.id,)).start()  # error: CTX202


def thread_variable(order):
    t = Thread(target=send_receipt, args=(order.id,), daemon=True)  # error: CTX202
    t.start()
    t.join()


def timer(order):
    Timer(5.0, send_receipt, args=[order.id]).start()  # error: CTX202


def thread_with_fresh_copy(order):
    threading.Thread(target=contextvars.copy_context().run, args=(send_receipt, order.id)).start()


def thread_314_context(order):
    threading.Thread(target=send_receipt, args=(order.id,), context=contextvars.copy_context()).start()


def thread_314_context_none(order):
    threading.Thread(target=send_receipt, args=(order.id,), context=None).start()  # error: CTX202


# A thread that receives the span context as an argument but never attaches it is still a gap;
# its sibling that attaches it is not.
def forgets_to_attach(parent, order_id):
    with tracer.start_as_current_span("forgets"):
        return parent, order_id


def attaches(parent, order_id):
    token = otel_context.attach(parent)
    try:
        with tracer.start_as_current_span("attaches"):
            return order_id
    finally:
        otel_context.detach(token)


def hand_over_context(order):
    parent = otel_context.get_current()
    Thread(target=forgets_to_attach, args=(parent, order.id)).start()  # error: CTX202
    Thread(target=attaches, args=(parent, order.id)).start()


def starts_span_with_parent(parent, order_id):
    with tracer.start_as_current_span("child", context=parent):
        return order_id


def hand_over_to_span_parent(order):
    Thread(target=starts_span_with_parent, args=(otel_context.get_current(), order.id)).start()


def hand_over_to_unknown_worker(order, worker):
    # the context goes as an argument to a worker we cannot see: assume it attaches it
    Thread(target=worker, args=(otel_context.get_current(), order.id)).start()


class ReceiptSender(threading.Thread):
    """Started per order to do that order's work: it needs the starter's context."""

    def __init__(self, order_id):
        super().__init__(daemon=True)
        self.order_id = order_id

    def run(self):  # error: CTX202
        with tracer.start_as_current_span("send-receipt"):
            send_receipt(self.order_id)


class Poller(threading.Thread):
    """A long-lived poll loop started once: it serves work arriving later, and the context of whoever
    started it would be wrong for all of that work (each item must carry its own)."""

    def __init__(self, queue):
        super().__init__(daemon=True)
        self.queue = queue

    def run(self):
        while True:
            with tracer.start_as_current_span("poll"):
                self.queue.get()


class ContextThread(Thread):
    """Captures the creator's context and enters it in run(): fine."""

    def __init__(self, work):
        super().__init__()
        self._context = contextvars.copy_context()
        self._work = work

    def run(self):
        self._context.run(self._work)


class OtelThread(Thread):
    def start(self):
        self._otel_ctx = otel_context.get_current()
        super().start()

    def run(self):
        token = otel_context.attach(self._otel_ctx)
        try:
            self._do()
        finally:
            otel_context.detach(token)

    def _do(self):
        pass


class NoRun(Thread):
    """No run() override: constructing it with target= is an ordinary Thread."""


class NotAThread:
    def run(self):
        pass


def service_loops(server, loop):
    # a server or an event loop serves work that arrives later with its own context
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Thread(target=loop.run_forever, daemon=True).start()


def no_target():
    t = threading.Thread()
    t.start()
