"""Celery canvas: groups, chains, chords, pipes and signatures kept in a variable or built by a
helper publish like the task itself."""
from celery import Celery, chain, chord, group, signature
from opentelemetry import trace
from opentelemetry.propagate import inject

tracer = trace.get_tracer(__name__)
app = Celery("shop")


@app.task
def add(x, y):
    return x + y


@app.task(name="shop.total")
def total(values):
    return sum(values)


def build_sig(x):
    return add.s(x, 1)


def build_chain(x):
    sig = add.s(x, 1) | add.s(2)
    return sig


def fanout(xs):
    with tracer.start_as_current_span("fanout"):
        group(add.s(x, 1) for x in xs).apply_async()  # error: CTX101
        chain(add.s(1, 2), add.s(3)).apply_async()  # error: CTX101
        chord([add.s(x, 1) for x in xs], total.s()).apply_async()  # error: CTX101
        (add.s(1, 2) | add.s(3)).apply_async()  # error: CTX101
        app.send_task("shop.total", args=([1, 2],))  # error: CTX101
        signature("shop.total", args=([1],)).apply_async()  # error: CTX101
        sig = add.s(1, 2)
        sig.apply_async()  # error: CTX101
        built = build_sig(1)
        built.apply_async()  # error: CTX101
        chained = build_chain(1)
        chained.apply_async()  # error: CTX101


def fanout_with_headers(xs):
    with tracer.start_as_current_span("fanout"):
        carrier = {}
        inject(carrier)
        group(add.s(x, 1) for x in xs).apply_async(headers=carrier)
        sig = build_sig(1)
        sig.apply_async(headers=carrier)
        app.send_task("shop.total", args=([1, 2],), headers=carrier)
