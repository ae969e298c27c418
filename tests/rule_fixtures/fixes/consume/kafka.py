"""Kafka consumers: kafka-python and aiokafka records carry a list of (str, bytes) headers,
confluent-kafka messages a `headers()` method that may return None."""
from aiokafka import AIOKafkaConsumer
from confluent_kafka import Consumer
from kafka import KafkaConsumer
from opentelemetry import trace
from opentelemetry.trace import SpanKind

tracer = trace.get_tracer(__name__)
consumer = KafkaConsumer("orders", bootstrap_servers="kafka:9092")
confluent = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "shipping"})


def iterate():
    for record in consumer:
        with tracer.start_as_current_span("reserve-inventory", kind=SpanKind.CONSUMER):  # error: CTX301
            print(record.value)


def manual_span():
    for record in consumer:
        span = tracer.start_span("reserve-inventory")  # error: CTX301
        span.end()


async def aio(aio_consumer: AIOKafkaConsumer):
    async for msg in aio_consumer:
        with tracer.start_as_current_span("ship-order"):  # error: CTX301
            print(msg.value)


def confluent_poll():
    while True:
        msg = confluent.poll(1.0)
        if msg is None or msg.error():
            continue
        with tracer.start_as_current_span("update-profile"):  # error: CTX301
            print(msg.value())


def confluent_poll_unchecked():
    while True:
        msg = confluent.poll(1.0)
        with tracer.start_as_current_span("update-profile"):  # error: CTX301 (no fix: poll() may return None)
            print(msg)


@tracer.start_as_current_span("decorated")
def decorated():
    for record in consumer:
        print(record.value)
