import json

import boto3
from confluent_kafka import Producer

sqs = boto3.client("sqs")
kinesis = boto3.client("kinesis")
producer = Producer({"bootstrap.servers": "x"})


def covered_by_botocore_integration(url, body, order):
    sqs.send_message(QueueUrl=url, MessageBody=body)
    kinesis.put_record(StreamName="s", Data=json.dumps({"id": order}), PartitionKey="k")


def kafka_propagation_is_off_by_default(order):
    producer.produce("orders", value=order)  # error: CTX101
