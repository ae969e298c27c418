import json

import boto3
from opentelemetry import propagate, trace

tracer = trace.get_tracer(__name__)
sqs = boto3.client("sqs")
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123/orders"


def poll():
    while True:
        resp = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        for msg in resp.get("Messages", []):
            with tracer.start_as_current_span("fulfil-order"):  # error: CTX301
                print(json.loads(msg["Body"]))


def sqs_handler(event, context):
    for record in event["Records"]:
        with tracer.start_as_current_span("process-order"):  # error: CTX301
            print(json.loads(record["body"]))
