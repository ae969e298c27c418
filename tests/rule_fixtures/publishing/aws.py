import json
from typing import TYPE_CHECKING

import boto3
from opentelemetry.propagate import inject

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs.client import SQSClient

sqs = boto3.client("sqs")
sns = boto3.client("sns")
kinesis = boto3.client("kinesis")
events = boto3.client("events")
lam = boto3.client("lambda")


def sqs_gap(url, body):
    sqs.send_message(QueueUrl=url, MessageBody=body)  # error: CTX101


def sqs_business_attributes_only(url, body, kind):
    sqs.send_message(  # error: CTX101
        QueueUrl=url, MessageBody=body,
        MessageAttributes={"type": {"DataType": "String", "StringValue": kind}},
    )


def sqs_converted(url, body):
    carrier = {}
    inject(carrier)
    attributes = {k: {"DataType": "String", "StringValue": v} for k, v in carrier.items()}
    sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)


def sqs_single_json_attribute(url, body):
    carrier = {}
    inject(carrier)
    sqs.send_message(
        QueueUrl=url, MessageBody=body,
        MessageAttributes={"tracing_context": {"DataType": "String", "StringValue": json.dumps(carrier)}},
    )


def sqs_batch(url, bodies):
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)])  # error: CTX101
    carrier = {}
    inject(carrier)
    attrs = {k: {"DataType": "String", "StringValue": v} for k, v in carrier.items()}
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b, "MessageAttributes": attrs} for i, b in enumerate(bodies)])


def sqs_resource(name, body):
    queue = boto3.resource("sqs").get_queue_by_name(QueueName=name)
    queue.send_message(MessageBody=body)  # error: CTX101


class Client:
    def __init__(self, client):
        self.client = client

    def send(self, url, body):
        self.client.send_message(QueueUrl=url, MessageBody=body)  # error: CTX101


def sns_publish(arn, message, phone):
    sns.publish(TopicArn=arn, Message=message)  # error: CTX101
    sns.publish(PhoneNumber=phone, Message="your code is 1234")
    carrier = {}
    inject(carrier)
    sns.publish(TopicArn=arn, Message=message,
                MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in carrier.items()})


def kinesis_gap(order):
    kinesis.put_record(StreamName="orders", Data=json.dumps({"id": order.id}), PartitionKey=order.id)  # error: CTX102


def kinesis_ok(order):
    carrier = {}
    inject(carrier)
    kinesis.put_record(StreamName="orders", Data=json.dumps({"id": order.id, "trace_context": carrier}), PartitionKey=order.id)


def kinesis_payload_from_caller(data, key):
    kinesis.put_record(StreamName="orders", Data=data, PartitionKey=key)


def kinesis_records(orders):
    kinesis.put_records(StreamName="orders", Records=[{"Data": json.dumps(o), "PartitionKey": "k"} for o in orders])  # error: CTX102


def eventbridge(detail):
    events.put_events(Entries=[{"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"id": detail.id})}])  # error: CTX102
    carrier = {}
    inject(carrier)
    events.put_events(Entries=[{"Source": "shop", "DetailType": "OrderPlaced",
                                "Detail": json.dumps({"id": detail.id, "trace_context": carrier})}])


def lambda_invoke(order_id):
    lam.invoke(FunctionName="f", Payload=json.dumps({"order_id": order_id}))  # error: CTX102
    headers = {}
    inject(headers)
    lam.invoke(FunctionName="f", Payload=json.dumps({"order_id": order_id, "headers": headers}))


def wrong_branch(url, body, traced):
    carrier = {}
    if traced:
        inject(carrier)
    else:
        sqs.send_message(QueueUrl=url, MessageBody=body,  # error: CTX101
                         MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in carrier.items()})


def typed_with_the_stubs(client: "SQSClient", topics: SNSClient, url, body):
    # mypy-boto3's names for the clients are the clients
    client.send_message(QueueUrl=url, MessageBody=body)  # error: CTX101
    topics.publish(TopicArn=url, Message=body)  # error: CTX101
