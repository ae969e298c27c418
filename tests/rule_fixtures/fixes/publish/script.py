from kafka import KafkaProducer
from opentelemetry import trace
with trace.get_tracer("script").start_as_current_span("startup"):
    KafkaProducer(bootstrap_servers="kafka:9092").send("startup", b"ready")  # error: CTX101
