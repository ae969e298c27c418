"""Real consume loops open a span for a broker error (or in an `except`) before the message's own
span: the span that processes the message is the one to judge."""
import json
import logging

from confluent_kafka import Consumer
from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import SpanKind

tracer = trace.get_tracer("notifier")
log = logging.getLogger(__name__)


def notify_loop(conf):
    consumer = Consumer(conf)
    consumer.subscribe(["notifications"])
    while True:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            with tracer.start_as_current_span("broker-error", kind=SpanKind.CONSUMER) as span:
                span.set_attribute("error", str(msg.error()))
            continue
        try:
            carrier = {k: v.decode() for k, v in msg.headers() or []}
            with tracer.start_as_current_span("notify", context=extract(carrier), kind=SpanKind.CONSUMER):
                deliver(json.loads(msg.value()))
        except ValueError:
            with tracer.start_as_current_span("bad-payload"):
                log.warning("undecodable notification")


def notify_loop_unlinked(conf):
    consumer = Consumer(conf)
    consumer.subscribe(["notifications"])
    while True:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        if not msg.value():
            with tracer.start_as_current_span("empty-message"):
                log.info("skipping tombstone")
            continue
        with tracer.start_as_current_span("notify"):  # error: CTX301
            deliver(json.loads(msg.value()))


def only_error_span(conf):
    consumer = Consumer(conf)
    while True:
        msg = consumer.poll(0.5)
        if msg.error():
            with tracer.start_as_current_span("broker-error"):  # error: CTX301
                log.error("%s", msg.error())
            continue
        deliver(json.loads(msg.value()))


def deliver(payload):
    log.info("deliver %s", payload)
