from kafka import KafkaProducer
from opentelemetry.instrumentation.kafka import KafkaInstrumentor

# KafkaInstrumentor().instrument()
# we use the KafkaInstrumentor for tracing

producer = KafkaProducer()


def publish(order):
    producer.send("orders", value=order)  # error: CTX101
