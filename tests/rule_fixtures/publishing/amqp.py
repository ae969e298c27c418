import aio_pika
import aiormq
import kombu
import pika
from opentelemetry.propagate import inject

connection = pika.BlockingConnection(pika.ConnectionParameters("localhost"))
channel = connection.channel()


def pika_gap(body):
    channel.basic_publish(exchange="", routing_key="q", body=body)  # error: CTX101


def pika_properties_without_headers(body):
    props = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    channel.basic_publish("", "q", body, props)  # error: CTX101


def pika_ok(body):
    headers = {}
    inject(headers)
    channel.basic_publish("", "q", body, pika.BasicProperties(headers=headers))


def pika_ok_positional_headers(body):
    headers = {}
    inject(headers)
    channel.basic_publish("", "q", body, properties=pika.BasicProperties("application/json", None, headers))


def pika_ok_mutated_properties(body):
    props = pika.BasicProperties(headers={})
    inject(props.headers)
    channel.basic_publish("", "q", body, props)


async def aio_pika_publish(body):
    conn = await aio_pika.connect_robust("amqp://")
    ch = await conn.channel()
    await ch.default_exchange.publish(aio_pika.Message(body=body), routing_key="q")  # error: CTX101
    exchange = await ch.declare_exchange("events", aio_pika.ExchangeType.TOPIC)
    headers = {}
    inject(headers)
    await exchange.publish(aio_pika.Message(body, headers=headers), routing_key="q")
    msg = aio_pika.Message(body, content_type="application/json")
    await exchange.publish(msg, "q")  # error: CTX101
    msg2 = aio_pika.Message(body)
    inject(msg2.headers)
    await exchange.publish(msg2, "q")


async def aiormq_publish(body):
    conn = await aiormq.connect("amqp://")
    ch = await conn.channel()
    await ch.basic_publish(body, routing_key="q")  # error: CTX101
    headers = {}
    inject(headers)
    await ch.basic_publish(body, routing_key="q", properties=aiormq.spec.Basic.Properties(headers=headers))


def kombu_publish(body):
    with kombu.Connection("amqp://") as conn:
        producer = conn.Producer()
        producer.publish(body, routing_key="q")  # error: CTX101
        headers = {}
        inject(headers)
        producer.publish(body, routing_key="q", headers=headers)
