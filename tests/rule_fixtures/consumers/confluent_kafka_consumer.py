import json

from confluent_kafka import Consumer, DeserializingConsumer, KafkaError
from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Link

tracer = trace.get_tracer("billing")


class BillingConsumer:
    def __init__(self, conf):
        self.consumer = Consumer(conf)
        self.consumer.subscribe(["invoices"])

    def run(self):
        while True:
            msg = self.consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError(msg.error())
            with tracer.start_as_current_span("charge-invoice"):  # error: CTX301
                self.charge(json.loads(msg.value()))

    def run_connected(self):
        while True:
            msg = self.consumer.poll(timeout=1.0)
            if msg is None or msg.error():
                continue
            headers = {k: v.decode("utf-8") for k, v in (msg.headers() or [])}
            with tracer.start_as_current_span("charge-invoice", context=extract(headers)):
                self.charge(json.loads(msg.value()))

    def charge(self, payload):
        pass


def consume_batches(consumer: Consumer):
    while True:
        msgs = consumer.consume(num_messages=100, timeout=1.0)
        with tracer.start_as_current_span("bulk-index"):  # error: CTX302
            for m in msgs:
                print(m.value())


def consume_batches_linked(consumer: Consumer):
    while True:
        msgs = consumer.consume(100, 1.0)
        links = [Link(trace.get_current_span(extract(dict(m.headers() or []))).get_span_context()) for m in msgs]
        with tracer.start_as_current_span("bulk-index", links=links):
            for m in msgs:
                print(m.value())


def consume_one_at_a_time(consumer: Consumer):
    while True:
        for m in consumer.consume(timeout=1.0):
            with tracer.start_as_current_span("index"):  # error: CTX301
                print(m.value())


def deserializing(conf):
    consumer = DeserializingConsumer(conf)
    while True:
        record = consumer.poll(0.5)
        if record is None:
            continue
        with tracer.start_as_current_span("update-profile"):  # error: CTX301
            print(record.value())
