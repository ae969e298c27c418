"""Consumes invoices, ships them, publishes shipments; audits the shipments (two hops)."""
from kafka import KafkaConsumer, KafkaProducer
from opentelemetry import trace
from opentelemetry.propagate import extract, inject

from common.topics import INVOICES

REGION = "eu"

tracer = trace.get_tracer("shipping")
producer = KafkaProducer(bootstrap_servers="kafka:9092")


def run():
    consumer = KafkaConsumer(bootstrap_servers="kafka:9092", group_id="shipping")
    consumer.subscribe([INVOICES])
    for record in consumer:
        parent = extract({k: v.decode() for k, v in record.headers or []})
        with tracer.start_as_current_span("ship", context=parent):
            carrier = {}
            inject(carrier)
            producer.send("shipments", value=record.value, headers=[(k, v.encode()) for k, v in carrier.items()])


def audit():
    consumer = KafkaConsumer("shipments", bootstrap_servers="kafka:9092", group_id="audit")
    for record in consumer:
        with tracer.start_as_current_span("audit"):
            producer.send(f"audit.{REGION}", value=record.value)
