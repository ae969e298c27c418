import functools

import pika
from opentelemetry import context, trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)
connection = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq"))
channel = connection.channel()


def on_order(ch, method, properties, body):
    with tracer.start_as_current_span("reserve-stock"):  # error: CTX301
        ch.basic_ack(delivery_tag=method.delivery_tag)


def on_payment(ch, method, properties, body):
    ctx = extract(properties.headers or {})
    with tracer.start_as_current_span("capture-payment", context=ctx):
        ch.basic_ack(delivery_tag=method.delivery_tag)


def on_refund(ch, method, props, body, extra):
    with tracer.start_as_current_span("refund"):  # error: CTX301
        pass


def not_registered(ch, method, properties, body):
    with tracer.start_as_current_span("helper"):
        pass


channel.basic_consume(queue="orders", on_message_callback=on_order)
channel.basic_consume("payments", on_payment, auto_ack=False)
channel.basic_consume(queue="refunds", on_message_callback=functools.partial(on_refund, extra=1))


class Listener:
    def __init__(self):
        self.connection = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq"))
        self.channel = self.connection.channel()

    def start(self):
        self.channel.basic_consume(queue="emails", on_message_callback=self.on_message)
        self.channel.start_consuming()

    def on_message(self, channel, method, properties, body):
        token = context.attach(extract(properties.headers))
        try:
            with tracer.start_as_current_span("send-email"):
                pass
        finally:
            context.detach(token)


class UnlinkedListener:
    def __init__(self, channel):
        self.channel = channel

    def start(self):
        self.channel.basic_consume(queue="sms", on_message_callback=self.handle)

    def handle(self, channel, method, properties, body):
        with tracer.start_as_current_span("send-sms"):  # error: CTX301
            pass


def generator_consumer():
    for method, properties, body in channel.consume("audit", inactivity_timeout=1):
        if method is None:
            continue
        with tracer.start_as_current_span("write-audit"):  # error: CTX301
            channel.basic_ack(method.delivery_tag)


def generator_consumer_connected():
    for method, properties, body in channel.consume("audit"):
        with tracer.start_as_current_span("write-audit", context=extract(properties.headers or {})):
            channel.basic_ack(method.delivery_tag)


def basic_get_once():
    method, properties, body = channel.basic_get("reports")
    if method:
        with tracer.start_as_current_span("render-report"):  # error: CTX301
            channel.basic_ack(method.delivery_tag)
