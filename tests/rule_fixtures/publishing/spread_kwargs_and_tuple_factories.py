"""``client.send_message(**message_kwargs)`` with the dict built here or by a helper of this file,
and clients unpacked from a factory's returned tuple."""
import boto3
from google.cloud import pubsub_v1
from opentelemetry.propagate import inject


def get_sqs_client():
    return boto3.client("sqs")


def message_kwargs_without_context(url, body, domain):
    attributes = {"Domain": {"DataType": "String", "StringValue": domain}}
    kwargs = {"QueueUrl": url, "MessageAttributes": attributes, "MessageBody": body}
    if domain:
        kwargs["MessageGroupId"] = domain
    return kwargs


def message_kwargs_with_context(url, body):
    carrier = {}
    inject(carrier)
    attributes = {k: {"DataType": "String", "StringValue": v} for k, v in carrier.items()}
    return {"QueueUrl": url, "MessageAttributes": attributes, "MessageBody": body}


def send_helper_kwargs(url, body, domain):
    client = get_sqs_client()
    message_kwargs = message_kwargs_without_context(url, body, domain)
    client.send_message(**message_kwargs)  # error: CTX101


def send_helper_kwargs_injected(url, body):
    client = get_sqs_client()
    client.send_message(**message_kwargs_with_context(url, body))


def send_local_kwargs_without_attributes(url, body):
    client = get_sqs_client()
    kwargs = {"QueueUrl": url, "MessageBody": body}
    client.send_message(**kwargs)  # error: CTX101


def send_local_kwargs_injected(url, body):
    carrier = {}
    inject(carrier)
    client = get_sqs_client()
    kwargs = {"QueueUrl": url, "MessageBody": body}
    kwargs["MessageAttributes"] = {k: {"DataType": "String", "StringValue": v} for k, v in carrier.items()}
    client.send_message(**kwargs)


def send_kwargs_updated_elsewhere(url, body, extra):
    client = get_sqs_client()
    kwargs = {"QueueUrl": url, "MessageBody": body}
    kwargs.update(extra)  # keys we cannot list: silent
    client.send_message(**kwargs)


def get_publisher_and_retry():
    client = pubsub_v1.PublisherClient()
    retry = object()
    return client, retry


def publish_from_tuple_factory(topic, data, domain):
    client, retry = get_publisher_and_retry()
    client.publish(topic, data, domain=domain, retry=retry)  # error: CTX101


def publish_from_tuple_factory_injected(topic, data):
    carrier = {}
    inject(carrier)
    client, retry = get_publisher_and_retry()
    client.publish(topic, data, retry=retry, **carrier)


def retry_is_not_a_client(topic, data):
    client, retry = get_publisher_and_retry()
    retry.publish(topic, data)
