import time

import pika
from kafka import KafkaConsumer
from opentelemetry import trace
from tenacity import Retrying, retry, stop_after_attempt, wait_exponential

tracer = trace.get_tracer(__name__)
consumer = KafkaConsumer("orders")


def on_payment(ch, method, properties, body):
    for attempt in range(3):  # error: CTX405
        try:
            charge(body)
            break
        except TimeoutError:
            time.sleep(2 ** attempt)
    ch.basic_ack(method.delivery_tag)


def kafka_loop():
    for record in consumer:
        for attempt in Retrying(stop=stop_after_attempt(3)):  # error: CTX405
            with attempt:
                charge(record.value)


@retry(stop=stop_after_attempt(5), wait=wait_exponential())  # error: CTX405
def store_order(body):
    save(body)


def on_order(ch, method, properties, body):
    store_order(body)


channel = pika.BlockingConnection().channel()
channel.basic_consume("payments", on_payment)
channel.basic_consume("orders", on_order)
channel.basic_consume("refunds", on_refund)


# --- silent


def on_refund(ch, method, properties, body):
    span = trace.get_current_span()
    for attempt in range(3):
        try:
            refund(body)
            break
        except TimeoutError as exc:
            span.record_exception(exc)


def kafka_loop_span_per_attempt():
    for record in consumer:
        for attempt in Retrying(stop=stop_after_attempt(3)):
            with attempt, tracer.start_as_current_span("charge-card") as span:
                span.set_attribute("messaging.retry.attempt", attempt.retry_state.attempt_number)
                charge(record.value)


def kafka_retry_via_traced_helper():
    for record in consumer:
        for attempt in range(3):
            try:
                traced_charge(record.value)
                break
            except TimeoutError:
                pass


@tracer.start_as_current_span("charge-card")
def traced_charge(value):
    charge(value)


def retry_outside_the_consumer_loop():
    for attempt in range(3):
        try:
            connect()
            break
        except ConnectionError:
            time.sleep(1)
    for record in consumer:
        charge(record.value)


@retry(stop=stop_after_attempt(3))
def not_called_by_a_handler():
    save(None)


def charge(x):
    pass


def save(x):
    pass


def refund(x):
    pass


def connect():
    pass
