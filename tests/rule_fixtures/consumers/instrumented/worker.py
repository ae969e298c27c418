import boto3
import pika
from confluent_kafka import Consumer, DeserializingConsumer
from kafka import KafkaConsumer
from opentelemetry import trace

tracer = trace.get_tracer(__name__)
channel = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq")).channel()


def on_order(ch, method, properties, body):
    # PikaInstrumentor runs the callback inside a span parented to the message: connected
    with tracer.start_as_current_span("reserve-stock"):
        ch.basic_ack(method.delivery_tag)


channel.basic_consume(queue="orders", on_message_callback=on_order)


def basic_get():
    method, properties, body = channel.basic_get("orders")
    with tracer.start_as_current_span("reserve-stock"):  # error: CTX301
        print(body)


def kafka_python_iteration():
    # KafkaInstrumentor ends its span before the record reaches this loop body
    for record in KafkaConsumer("orders"):
        with tracer.start_as_current_span("process"):  # error: CTX301
            print(record.value)


def confluent_poll(consumer: Consumer):
    while True:
        msg = consumer.poll(1.0)
        with tracer.start_as_current_span("process"):
            print(msg.value())


def confluent_deserializing(consumer: DeserializingConsumer):
    while True:
        msg = consumer.poll(1.0)
        with tracer.start_as_current_span("process"):  # error: CTX301
            print(msg.value())


def sqs_client():
    sqs = boto3.client("sqs")
    return sqs.receive_message(QueueUrl="https://q")


def sqs_resource():
    queue = boto3.resource("sqs").Queue("https://q")
    return queue.receive_messages(MaxNumberOfMessages=1)  # error: CTX305
