from kafka import KafkaConsumer
from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Link

tracer = trace.get_tracer(__name__)
consumer = KafkaConsumer("orders")


def parented():
    for record in consumer:
        ctx = extract({k: v.decode() for k, v in record.headers})
        with tracer.start_as_current_span("process", context=ctx):  # error: CTX301
            print(record.value)


def linked():
    for record in consumer:
        span_ctx = trace.get_current_span(extract({k: v.decode() for k, v in record.headers})).get_span_context()
        with tracer.start_as_current_span("process", links=[Link(span_ctx)]):
            print(record.value)
