import base64
import json

from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Link

tracer = trace.get_tracer(__name__)


def sqs_handler(event, context):
    for record in event["Records"]:
        with tracer.start_as_current_span("process-order"):  # error: CTX301
            print(json.loads(record["body"]))


def sqs_handler_connected(event, context):
    for record in event["Records"]:
        carrier = {k: v["stringValue"] for k, v in record.get("messageAttributes", {}).items()}
        with tracer.start_as_current_span("process-order", context=extract(carrier)):
            print(json.loads(record["body"]))


def lambda_handler(event, context):
    with tracer.start_as_current_span("process-batch"):  # error: CTX302
        for record in event["Records"]:
            print(record["body"], record["receiptHandle"])


def batch_handler_linked(event, context):
    links = []
    for record in event["Records"]:
        carrier = {k: v["stringValue"] for k, v in record["messageAttributes"].items()}
        links.append(Link(trace.get_current_span(extract(carrier)).get_span_context()))
    with tracer.start_as_current_span("process-batch", links=links):
        for record in event["Records"]:
            print(record["body"])


@tracer.start_as_current_span("sns-handler")  # error: CTX302
def sns_handler(event, context):
    for record in event["Records"]:
        print(record["Sns"]["Message"])


def kinesis_handler(event, context):
    for record in event["Records"]:
        payload = json.loads(base64.b64decode(record["kinesis"]["data"]))
        with tracer.start_as_current_span("ingest-click"):  # error: CTX301
            print(payload)


def kinesis_handler_connected(event, context):
    for record in event["Records"]:
        payload = json.loads(base64.b64decode(record["kinesis"]["data"]))
        with tracer.start_as_current_span("ingest-click", context=extract(payload.get("trace_context", {}))):
            print(payload)


def eventbridge_handler(event, context):
    detail = event["detail"]
    with tracer.start_as_current_span(event["detail-type"]):  # error: CTX301
        print(detail)


def msk_handler(event, context):
    for topic_partition, records in event["records"].items():
        for record in records:
            headers = {k: bytes(v).decode() for h in record.get("headers", []) for k, v in h.items()}
            with tracer.start_as_current_span("consume", context=extract(headers)):
                print(record["value"])


def s3_handler(event, context):
    # S3 notifications carry no propagated context: nothing to extract
    for record in event["Records"]:
        with tracer.start_as_current_span("thumbnail"):
            print(record["s3"]["object"]["key"])


def api_handler(event, context):
    with tracer.start_as_current_span("api"):
        return {"statusCode": 200, "body": event.get("body")}


# Recognised by shape, whatever the name and whether or not a serverless/SAM file names it
def process_orders(event, context):
    for record in event["Records"]:
        attributes = record["messageAttributes"]
        with tracer.start_as_current_span("process-order"):  # error: CTX301
            print(record["body"], attributes)


def process_orders_linked(event, context):
    for record in event["Records"]:
        carrier = {k: v["stringValue"] for k, v in record["messageAttributes"].items()}
        span_ctx = trace.get_current_span(extract(carrier)).get_span_context()
        with tracer.start_as_current_span("process-order", links=[Link(span_ctx)]):
            print(record["body"])


def summarise(event, context):
    # not a Lambda shape: no event source key
    for record in event["Records"]:
        with tracer.start_as_current_span("summarise"):
            print(record["body"])
