import json
import time

import boto3
import pika
from google.cloud import pubsub_v1
from kafka import KafkaConsumer
from opentelemetry import trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)
consumer = KafkaConsumer("orders")
sqs = boto3.client("sqs")


def kafka_loop():
    for record in consumer:
        carrier = {k: v.decode() for k, v in record.headers or []}
        with tracer.start_as_current_span("reserve-inventory", context=extract(carrier)):  # error: CTX401
            reserve(record.value)


def sqs_loop():
    resp = sqs.receive_message(QueueUrl="q", MessageAttributeNames=["All"])
    for m in resp.get("Messages", []):
        carrier = {k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()}
        with tracer.start_as_current_span("charge-card", context=extract(carrier)) as span:  # error: CTX401
            span.set_attribute("order.id", json.loads(m["Body"])["id"])


def on_order(message):
    with tracer.start_as_current_span("ship-order", context=extract(message.attributes)):  # error: CTX401
        ship(message.data)
    message.ack()


subscriber = pubsub_v1.SubscriberClient()
subscriber.subscribe("projects/p/subscriptions/s", callback=on_order)


from celery import Celery  # noqa: E402

app = Celery("shop")


@app.task(bind=True)
def send_invoice(self, order_id):
    with tracer.start_as_current_span("send-invoice"):  # error: CTX401
        pass


@app.task(bind=True)
def send_receipt(self, order_id):
    with tracer.start_as_current_span("send-receipt") as span:
        span.set_attribute("app.queue_delay_s", time.time() - float(self.request.get("sent_at", 0)))


# --- silent: the wait is recorded


def kafka_loop_recorded():
    for record in consumer:
        carrier = {k: v.decode() for k, v in record.headers or []}
        with tracer.start_as_current_span("reserve-inventory", context=extract(carrier)) as span:
            span.set_attribute("messaging.message.wait_time_ms", time.time() * 1000 - record.timestamp)
            reserve(record.value)


def kafka_loop_attributes_kwarg():
    for record in consumer:
        carrier = {k: v.decode() for k, v in record.headers or []}
        with tracer.start_as_current_span(
            "reserve-inventory", context=extract(carrier),
            attributes={"app.queue_lag_ms": time.time() * 1000 - record.timestamp},
        ):
            reserve(record.value)


def kafka_loop_raw_timestamp():
    for record in consumer:
        carrier = {k: v.decode() for k, v in record.headers or []}
        with tracer.start_as_current_span("reserve-inventory", context=extract(carrier)) as span:
            span.set_attribute("kafka.record.ts", record.timestamp)
            reserve(record.value)


def kafka_loop_helper_elsewhere():
    for record in consumer:
        carrier = {k: v.decode() for k, v in record.headers or []}
        with tracer.start_as_current_span("reserve-inventory", context=extract(carrier)) as span:
            annotate_message(span, record)
            reserve(record.value)


def on_delivery(ch, method, properties, body):
    with tracer.start_as_current_span("pick-items", context=extract(properties.headers or {})) as span:
        record_delay(span, properties)
        pick(body)


def record_delay(span, properties):
    span.set_attribute("app.delay_s", time.time() - properties.timestamp)


channel = pika.BlockingConnection().channel()
channel.basic_consume("picks", on_delivery)


# --- silent: not a message handler, or no span


def not_a_handler(order):
    with tracer.start_as_current_span("reserve-inventory"):
        reserve(order)


def handler_without_span():
    for record in consumer:
        reserve(record.value)


def reserve(value):
    pass


def ship(data):
    pass


def pick(body):
    pass


from shop.telemetry import annotate_message  # noqa: E402
