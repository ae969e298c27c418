import json

import pika
from celery import Celery
from kafka import KafkaConsumer
from opentelemetry import trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)
consumer = KafkaConsumer("orders")
app = Celery("shop")


def reserve_inventory(ch, method, properties, body):
    with tracer.start_as_current_span("rabbitmq.consume", context=extract(properties.headers or {})):  # error: CTX403
        reserve(json.loads(body))


def kafka_loop():
    for record in consumer:
        ctx = extract({k: v.decode() for k, v in record.headers or []})
        with tracer.start_as_current_span("process", context=ctx):  # error: CTX403
            authorize_payment(record.value)


def generic_handler(ch, method, properties, body):
    span = tracer.start_span("handle_message", context=extract(properties.headers or {}))  # error: CTX403
    try:
        reserve(body)
    finally:
        span.end()


@app.task
@tracer.start_as_current_span("celery.task")  # error: CTX403
def send_invoice(order_id):
    pass


channel = pika.BlockingConnection().channel()
channel.basic_consume("reservations", reserve_inventory)
channel.basic_consume("other", generic_handler)


# --- silent


def business_named(ch, method, properties, body):
    with tracer.start_as_current_span("reserve-inventory", context=extract(properties.headers or {})):
        reserve(json.loads(body))


def destination_named():
    for record in consumer:
        ctx = extract({k: v.decode() for k, v in record.headers or []})
        with tracer.start_as_current_span("process orders", context=ctx):
            authorize_payment(record.value)


def dynamic_name():
    for record in consumer:
        with tracer.start_as_current_span(f"process {record.topic}"):
            authorize_payment(record.value)


def not_a_handler(order):
    with tracer.start_as_current_span("process"):
        reserve(order)


def before_the_loop():
    with tracer.start_as_current_span("process"):
        setup()


channel.basic_consume("biz", business_named)


def reserve(x):
    pass


def authorize_payment(x):
    pass


def setup():
    pass
