import json

import boto3
from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Link

tracer = trace.get_tracer(__name__)
sqs = boto3.client("sqs", region_name="eu-west-1")
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123/orders"


def poll_unlinked():
    while True:
        resp = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10, WaitTimeSeconds=20)  # error: CTX305
        for msg in resp.get("Messages", []):
            with tracer.start_as_current_span("fulfil-order"):  # error: CTX301
                print(json.loads(msg["Body"]))
            sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=msg["ReceiptHandle"])


def poll_connected():
    while True:
        resp = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        for msg in resp.get("Messages", []):
            carrier = {k: v["StringValue"] for k, v in msg.get("MessageAttributes", {}).items()}
            with tracer.start_as_current_span("fulfil-order", context=extract(carrier)):
                print(json.loads(msg["Body"]))


def poll_only_business_attributes():
    resp = sqs.receive_message(QueueUrl=QUEUE_URL, MessageAttributeNames=["OrderType"])  # error: CTX305
    for msg in resp["Messages"]:
        print(msg["Body"])


def poll_xray_only():
    resp = sqs.receive_message(QueueUrl=QUEUE_URL, MessageSystemAttributeNames=["AWSTraceHeader"])
    for msg in resp.get("Messages", []):
        print(msg["Attributes"].get("AWSTraceHeader"))


def poll_names_from_config(names):
    return sqs.receive_message(QueueUrl=QUEUE_URL, MessageAttributeNames=names)


def poll_batch_span():
    resp = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10, MessageAttributeNames=["traceparent", "tracestate"])
    messages = resp.get("Messages", [])
    with tracer.start_as_current_span("fulfil-orders"):  # error: CTX302
        for msg in messages:
            print(msg["Body"])


def poll_batch_links():
    resp = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    messages = resp.get("Messages", [])
    links = [
        Link(trace.get_current_span(extract({k: v["StringValue"] for k, v in m["MessageAttributes"].items()})).get_span_context())
        for m in messages
    ]
    with tracer.start_as_current_span("fulfil-orders", links=links):
        for msg in messages:
            print(msg["Body"])


def resource_api():
    queue = boto3.resource("sqs").Queue(QUEUE_URL)
    for message in queue.receive_messages(WaitTimeSeconds=10):  # error: CTX305
        with tracer.start_as_current_span("resource-handle"):  # error: CTX301
            message.delete()


def resource_api_connected():
    queue = boto3.resource("sqs").get_queue_by_name(QueueName="orders")
    for message in queue.receive_messages(MessageAttributeNames=["All"]):
        carrier = {k: v["StringValue"] for k, v in (message.message_attributes or {}).items()}
        with tracer.start_as_current_span("resource-handle", context=extract(carrier)):
            message.delete()
