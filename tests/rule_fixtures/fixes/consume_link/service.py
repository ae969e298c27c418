from kafka import KafkaConsumer
from opentelemetry import trace

tracer = trace.get_tracer(__name__)
consumer = KafkaConsumer("orders", bootstrap_servers="kafka:9092")


def iterate():
    for record in consumer:
        with tracer.start_as_current_span("process"):  # error: CTX301
            print(record.value)
