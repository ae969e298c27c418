from kafka import KafkaProducer
from opentelemetry import trace
from opentelemetry.propagate import inject

from app import tracing_helpers, util

tracer = trace.get_tracer(__name__)
producer = KafkaProducer()


def on_order(ch, method, properties, body):
    with tracer.start_as_current_span("reserve-stock"):  # error: CTX301
        ch.basic_ack(method.delivery_tag)


def on_payment(ch, method, properties, body):
    tracing_helpers.continue_trace(properties)
    with tracer.start_as_current_span("capture-payment"):
        ch.basic_ack(method.delivery_tag)


def on_payment_two_levels(ch, method, properties, body):
    tracing_helpers.continue_trace_via(properties)
    with tracer.start_as_current_span("capture-payment"):
        ch.basic_ack(method.delivery_tag)


def on_refund(ch, method, properties, body):
    util.log_message(properties)
    with tracer.start_as_current_span("refund"):  # error: CTX301
        ch.basic_ack(method.delivery_tag)


def on_shipment(ch, method, properties, body):
    carrier = {}
    inject(carrier)
    producer.send("shipped", body, headers=[(k, v.encode()) for k, v in carrier.items()])  # error: CTX103


def process_record(record):
    with tracer.start_as_current_span("process-record"):  # error: CTX301
        print(record.value)


def not_registered(ch, method, properties, body):
    with tracer.start_as_current_span("helper"):
        ch.basic_ack(method.delivery_tag)
