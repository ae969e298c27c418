"""Patterns from real producers: aiokafka batches, Service Bus batches on a sender passed in,
and message attributes converted from a carrier the caller built."""
import json

import boto3
from aiokafka import AIOKafkaProducer
from azure.servicebus import ServiceBusMessage
from opentelemetry.propagate import inject

sns = boto3.client("sns")


async def flush_readings(readings, topic):
    producer = AIOKafkaProducer(bootstrap_servers="kafka:9092")
    await producer.start()
    batch = producer.create_batch()
    for reading in readings:
        batch.append(key=None, value=json.dumps(reading).encode(), timestamp=None)
    await producer.send_batch(batch, topic, partition=0)  # error: CTX101


async def flush_traced(producer: AIOKafkaProducer, readings, topic):
    carrier = {}
    inject(carrier)
    headers = [(k, v.encode()) for k, v in carrier.items()]
    batch = producer.create_batch()
    for reading in readings:
        batch.append(key=None, value=reading, timestamp=None, headers=headers)
    await producer.send_batch(batch, topic, partition=0)


async def send_batch_of_events(sender, events):
    batch = await sender.create_message_batch()
    for event in events:
        batch.add_message(ServiceBusMessage(json.dumps(event)))
    await sender.send_messages(batch)  # error: CTX101


async def send_traced_batch(sender, events):
    carrier = {}
    inject(carrier)
    batch = await sender.create_message_batch()
    for event in events:
        batch.add_message(ServiceBusMessage(json.dumps(event), application_properties=carrier))
    await sender.send_messages(batch)


def publish_with_attributes(topic_arn, payload, attributes):
    # the caller's attributes (its publish hook injects the context) converted to SNS's shape
    message_attributes = {str(k): {"DataType": "String", "StringValue": str(v)} for k, v in attributes.items()}
    sns.publish(TopicArn=topic_arn, Message=payload, MessageAttributes=message_attributes)


def publish_order(topic_arn, order):
    fields = {"order_id": order.id, "region": order.region}
    message_attributes = {k: {"DataType": "String", "StringValue": v} for k, v in fields.items()}
    sns.publish(TopicArn=topic_arn, Message=json.dumps(order.to_dict()), MessageAttributes=message_attributes)  # error: CTX101
