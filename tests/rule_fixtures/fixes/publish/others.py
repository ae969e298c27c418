import nats
import pulsar
from google.cloud import pubsub_v1
from kombu import Connection
from opentelemetry.propagate import inject as otel_inject

client = pulsar.Client("pulsar://pulsar:6650")
pulsar_producer = client.create_producer("orders")
publisher = pubsub_v1.PublisherClient()
TOPIC = "projects/shop/topics/orders"


async def nats_absent(payload):
    nc = await nats.connect("nats://nats:4222")
    await nc.publish("orders", payload)  # error: CTX101


def pulsar_absent(payload):
    pulsar_producer.send(payload)  # error: CTX101


def pulsar_positional_literal(payload):
    pulsar_producer.send(payload, {"origin": "api"})  # error: CTX101


def kombu_absent(body):
    with Connection("amqp://rabbit") as conn:
        producer = conn.Producer()
        producer.publish(body, routing_key="orders")  # error: CTX101


def pubsub_absent(data):
    return publisher.publish(TOPIC, data)  # error: CTX101


def pubsub_business_attributes(data):
    publisher.publish(TOPIC, data, origin="api")  # error: CTX101


def already_injected(data):
    attrs = {}
    otel_inject(attrs)
    publisher.publish(TOPIC, data, **attrs)
