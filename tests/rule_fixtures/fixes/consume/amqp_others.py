import aio_pika
import pika
from google.cloud import pubsub_v1
from nats.aio.client import Client as NATS
from opentelemetry import trace
from opentelemetry.propagate import extract as otel_extract

tracer = trace.get_tracer(__name__)
channel = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq")).channel()


def on_order(ch, method, properties, body):
    with tracer.start_as_current_span("reserve-stock"):  # error: CTX301
        ch.basic_ack(delivery_tag=method.delivery_tag)


channel.basic_consume(queue="orders", on_message_callback=on_order)


def basic_get_once():
    method, properties, body = channel.basic_get("reports")
    if method:
        with tracer.start_as_current_span("render-report"):  # error: CTX301
            channel.basic_ack(method.delivery_tag)


async def aio_pika_iterate():
    connection = await aio_pika.connect_robust("amqp://rabbitmq/")
    async with connection:
        queue = await (await connection.channel()).declare_queue("signups")
        async with queue.iterator() as messages:
            async for message in messages:
                async with message.process():
                    with tracer.start_as_current_span("welcome-mail"):  # error: CTX301
                        print(message.body)


async def nats_main():
    nc = NATS()
    await nc.connect("nats://nats:4222")

    async def handler(msg):
        with tracer.start_as_current_span("nats-handle"):  # error: CTX301
            print(msg.data)

    await nc.subscribe("orders", cb=handler)


def pubsub_callback(message):
    with tracer.start_as_current_span("pubsub-handle"):  # error: CTX301
        message.ack()


def subscribe():
    subscriber = pubsub_v1.SubscriberClient()
    return subscriber.subscribe("projects/shop/subscriptions/orders", callback=pubsub_callback)
