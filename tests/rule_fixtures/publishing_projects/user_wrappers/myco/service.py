import pika
from opentelemetry.propagate import inject

from myco import bus
from myco.bus import publish as bus_publish

channel = pika.BlockingConnection().channel()


def gaps(order):
    bus.publish("orders", order)  # error: CTX101
    bus_publish("orders", order, {"x-request-id": "1"})  # error: CTX101


def ok(order):
    headers = {}
    inject(headers)
    bus.publish("orders", order, headers)
    bus_publish("orders", order, headers=headers)


def auto_instrumented_in_config(order):
    channel.basic_publish("", "q", order)
