import json

from kafka import KafkaConsumer, KafkaProducer
from opentelemetry import trace
from opentelemetry.propagate import extract, inject

tracer = trace.get_tracer(__name__)
consumer = KafkaConsumer("orders")
producer = KafkaProducer()


def relay_without_extract():
    for record in consumer:
        carrier = {}
        inject(carrier)
        producer.send("shipments", record.value, headers=[(k, v.encode()) for k, v in carrier.items()])  # error: CTX103


def relay_with_extract():
    for record in consumer:
        ctx = extract({k: v.decode() for k, v in record.headers})
        with tracer.start_as_current_span("ship", context=ctx):
            carrier = {}
            inject(carrier)
            producer.send("shipments", record.value, headers=[(k, v.encode()) for k, v in carrier.items()])


def relay_passes_incoming_headers():
    for record in consumer:
        producer.send("audit", record.value, headers=record.headers)


def relay_inside_unlinked_span():
    for record in consumer:
        with tracer.start_as_current_span("ship"):  # error: CTX301
            carrier = {}
            inject(carrier)
            producer.send("shipments", json.dumps({"id": 1}).encode(), headers=[(k, v.encode()) for k, v in carrier.items()])  # error: CTX103


def publish_outside_handlers(order):
    carrier = {}
    inject(carrier)
    producer.send("orders", order, headers=[(k, v.encode()) for k, v in carrier.items()])
