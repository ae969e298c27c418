"""A script whose publish runs at import, in a span; `carrier` is taken in the module."""
from kafka import KafkaProducer
from opentelemetry import propagate, trace

producer = KafkaProducer(bootstrap_servers="kafka:9092")

with trace.get_tracer(__name__).start_as_current_span("startup"):
    producer.send("startup", b"ready")  # error: CTX101


def forward(value, carrier):
    propagate.inject(carrier)
    producer.send("orders", value, headers=[(k, v.encode()) for k, v in carrier.items()])
