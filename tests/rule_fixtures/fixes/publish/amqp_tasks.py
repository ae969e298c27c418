from opentelemetry import trace  # noqa: F401  (the service traces: a context can exist)
import pika
from celery import Celery

app = Celery("shop", broker="amqp://rabbit")
channel = pika.BlockingConnection(pika.ConnectionParameters("rabbit")).channel()


@app.task
def charge(order_id):
    return order_id


def pika_absent(body):
    channel.basic_publish(exchange="", routing_key="orders", body=body)  # error: CTX101


def pika_properties_without_headers(body):
    props = pika.BasicProperties(content_type="application/json")
    channel.basic_publish("", "orders", body, props)  # error: CTX101 (no fix: properties exist)


def celery_apply_async(order_id):
    charge.apply_async((order_id,))  # error: CTX101


def celery_literal_headers(order_id):
    charge.apply_async(args=(order_id,), headers={"origin": "api"})  # error: CTX101


def celery_send_task(order_id):
    app.send_task("shop.charge", args=(order_id,))  # error: CTX101


def celery_delay(order_id):
    charge.delay(order_id)  # error: CTX101 (no fix: delay() cannot carry headers)
