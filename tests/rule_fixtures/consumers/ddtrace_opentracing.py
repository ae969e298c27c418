import opentracing
from confluent_kafka import Consumer
from ddtrace import tracer
from ddtrace.propagation.http import HTTPPropagator
from opentracing import Format, child_of, follows_from

consumer = Consumer({"group.id": "g"})
ot_tracer = opentracing.global_tracer()


def dd_unlinked():
    while True:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        with tracer.trace("kafka.process", service="billing"):  # error: CTX301
            print(msg.value())


def dd_child_of():
    while True:
        msg = consumer.poll(1.0)
        ctx = HTTPPropagator.extract(dict(msg.headers() or []))
        span = tracer.start_span("kafka.process", child_of=ctx, activate=True)
        span.finish()


def dd_activate():
    while True:
        msg = consumer.poll(1.0)
        tracer.context_provider.activate(HTTPPropagator.extract({k: v.decode() for k, v in msg.headers() or []}))
        with tracer.trace("kafka.process"):
            print(msg.value())


def dd_link_span():
    while True:
        msg = consumer.poll(1.0)
        with tracer.trace("kafka.process") as span:
            span.link_span(HTTPPropagator.extract(dict(msg.headers() or [])))
            print(msg.value())


def ot_child_of():
    for msg in consumer.consume(num_messages=1):
        parent = ot_tracer.extract(Format.TEXT_MAP, dict(msg.headers() or []))
        with ot_tracer.start_active_span("process", child_of=parent):
            print(msg.value())


def ot_references():
    for msg in consumer.consume(num_messages=1):
        producer_ctx = ot_tracer.extract(Format.TEXT_MAP, dict(msg.headers() or []))
        with ot_tracer.start_active_span("process", references=[follows_from(producer_ctx)]):
            print(msg.value())
        with ot_tracer.start_active_span("again", references=[child_of(producer_ctx)]):
            print(msg.value())


def ot_unlinked():
    for msg in consumer.consume(num_messages=1):
        with ot_tracer.start_active_span("process"):  # error: CTX301
            print(msg.value())
