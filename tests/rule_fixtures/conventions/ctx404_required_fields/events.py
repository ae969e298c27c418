import json
import uuid

import boto3
from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")
sqs = boto3.client("sqs")


def direct_literal(order):
    producer.send("orders", value={"orderId": order.id})  # error: CTX404


def json_dumps_encoded(order):
    producer.send("orders", json.dumps({"eventId": str(uuid.uuid4()), "orderId": order.id}).encode())  # error: CTX404


def through_variable(order, incoming):
    event = {"orderId": order.id, "eventId": str(uuid.uuid4())}
    producer.send("orders", value=json.dumps(event).encode("utf-8"))  # error: CTX404


def sqs_body(order):
    body = json.dumps({"orderId": order.id})
    sqs.send_message(QueueUrl="https://q", MessageBody=body)  # error: CTX404


def near_miss_spelling(order):
    producer.send("orders", value={"event_id": "x", "correlation_id": "y"})  # error: CTX404


# --- silent: complete events


def complete(order, incoming):
    producer.send("orders", value={"eventId": str(uuid.uuid4()), "correlationId": incoming["correlationId"]})


def completed_by_stores(order, incoming):
    event = {"orderId": order.id}
    event["eventId"] = str(uuid.uuid4())
    event.update(correlationId=incoming["correlationId"])
    producer.send("orders", value=json.dumps(event).encode())


def nested_envelope(order, incoming):
    event = {"metadata": {"eventId": "e", "correlationId": "c"}, "data": {"orderId": order.id}}
    producer.send("orders", value=event)


# --- silent: the linter cannot see the whole event


def built_elsewhere(event):
    producer.send("orders", value=json.dumps(event).encode())


def spread(order, base):
    producer.send("orders", value={**base, "orderId": order.id})


def helper_may_add_fields(order):
    event = {"orderId": order.id}
    add_envelope(event)
    producer.send("orders", value=event)


def reassigned(order, flag):
    event = {"orderId": order.id}
    if flag:
        event = make_event(order)
    producer.send("orders", value=event)


def stored_after_publish(order):
    event = {"orderId": order.id}
    producer.send("orders", value=event)  # error: CTX404
    event["eventId"] = "too late"


def not_a_publish(order):
    cache.send("orders", value={"orderId": order.id})


def add_envelope(e):
    e["eventId"] = str(uuid.uuid4())


def make_event(order):
    return {}
