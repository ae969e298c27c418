"""Lambda handlers whose records are read by a helper of the same module."""
import json

from opentelemetry import trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer("readings")


def readings(event):
    for record in event["Records"]:
        yield json.loads(record["body"])


@tracer.start_as_current_span("ingest-readings")  # error: CTX302
def handler(event, context):
    for reading in readings(event):
        store(reading)
    return {"statusCode": 200}


def process_record(record):
    attrs = record.get("messageAttributes") or {}
    carrier = {k: v.get("stringValue") for k, v in attrs.items()}
    with tracer.start_as_current_span("process-reading", context=extract(carrier)):
        store(json.loads(record["body"]))


def sqs_handler(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            process_record(record)
        except ValueError:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def store(reading):
    return reading
