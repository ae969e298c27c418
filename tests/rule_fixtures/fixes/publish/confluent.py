from opentelemetry import trace  # noqa: F401  (the service traces: a context can exist)
from confluent_kafka import Producer

producer = Producer({"bootstrap.servers": "kafka:9092"})


def absent(order):
    producer.produce("orders", value=order)  # error: CTX101


def literal_dict(order):
    producer.produce("orders", order, headers={"source": "api"})  # error: CTX101


def literal_list(order):
    producer.produce("orders", order, headers=[("source", b"api")])  # error: CTX101
    producer.flush()
