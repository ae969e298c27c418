"""Consumers of every library: where each names what it consumes (the map's consume edges)."""
import asyncio
import pika
import aio_pika
import boto3
import nats
import redis
import pulsar
import paho.mqtt.client as mqtt
from confluent_kafka import Consumer
from kafka import KafkaConsumer, KafkaProducer
from kombu import Connection, Queue
from google.cloud import pubsub_v1
from celery import Celery
from opentelemetry import trace

from .names import ORDERS

app = Celery("svc")
tracer = trace.get_tracer(__name__)
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/1/jobs"
TOPICS = ["a", "b"]
REGION = "eu"


def on_pika(ch, method, properties, body):
    print(body)


def pika_main():
    channel = pika.BlockingConnection().channel()
    channel.basic_consume(queue="pika-q", on_message_callback=on_pika)
    for method, props, body in channel.consume(f"work.{REGION}"):
        print(body)


def confluent_main():
    consumer = Consumer({"group.id": "g"})
    consumer.subscribe(TOPICS)
    while True:
        msg = consumer.poll(1.0)
        print(msg)


class Worker:
    def __init__(self):
        self.consumer = KafkaConsumer(bootstrap_servers="k")
        self.consumer.subscribe(topics=[ORDERS, "x." + REGION])
        self.producer = KafkaProducer()

    def run(self):
        for record in self.consumer:
            self.handle(record)

    def handle(self, record):
        self.producer.send("forwarded", value=record.value)


async def aio_main():
    connection = await aio_pika.connect_robust("amqp://localhost/")
    channel = await connection.channel()
    queue = await channel.declare_queue("aio-q")
    async with queue.iterator() as it:
        async for message in it:
            print(message)
    q2 = await channel.declare_queue("aio-cb")
    await q2.consume(on_aio)


async def on_aio(message):
    print(message)


def sqs_main():
    sqs = boto3.client("sqs")
    resp = sqs.receive_message(QueueUrl=QUEUE_URL, MessageAttributeNames=["All"])
    for m in resp["Messages"]:
        print(m)


def on_pubsub(message):
    message.ack()


def pubsub_main():
    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path("proj", "orders-sub")
    subscriber.subscribe(path, callback=on_pubsub)


async def on_nats(msg):
    print(msg)


async def nats_main():
    nc = await nats.connect()
    await nc.subscribe("updates", cb=on_nats)
    sub = await nc.subscribe("events.*")
    async for msg in sub.messages:
        print(msg)


def on_redis(message):
    print(message)


def redis_main():
    r = redis.Redis()
    p = r.pubsub()
    p.subscribe("news")
    for message in p.listen():
        print(message)
    p2 = r.pubsub()
    p2.subscribe(alerts=on_redis, audit=on_audit)


def on_audit(message):
    print(message)


def kafka_param(consumer: KafkaConsumer):
    for record in consumer:
        print(record)


def pulsar_main():
    client = pulsar.Client("pulsar://x")
    consumer = client.subscribe("persistent://t/ns/orders", "sub")
    while True:
        msg = consumer.receive()
        print(msg)


def on_mqtt(client, userdata, msg):
    print(msg)


def mqtt_main():
    client = mqtt.Client()
    client.on_message = on_mqtt
    client.subscribe([("sensors/#", 0)])


def on_kombu(body, message):
    message.ack()


def kombu_main():
    with Connection("amqp://") as conn:
        with conn.Consumer([Queue("kombu-q")], callbacks=[on_kombu]):
            conn.drain_events()


@app.task(name="svc.send")
def send_email(x):
    print(x)


@app.task
def charge(x):
    send_email.delay(x)


def lambda_handler(event, context):
    for record in event["Records"]:
        print(record["body"], record["messageAttributes"])
