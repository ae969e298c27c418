"""A producer and a consumer of one Kafka topic; the tests run it against a stand-in broker."""
from kafka import KafkaConsumer, KafkaProducer
from opentelemetry import trace

tracer = trace.get_tracer(__name__)
producer = KafkaProducer(bootstrap_servers="kafka:9092")
consumer = KafkaConsumer("orders", bootstrap_servers="kafka:9092")


def place_order(order):
    with tracer.start_as_current_span("place-order"):
        producer.send("orders", value=order)  # error: CTX101


def reserve_inventory():
    for record in consumer:
        with tracer.start_as_current_span("reserve-inventory"):  # error: CTX301
            return record.value
