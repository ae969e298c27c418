"""CTX308: a batch loop hands each message's work to a pool without that message's context."""
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
from confluent_kafka import Consumer
from opentelemetry import context, trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)
executor = ThreadPoolExecutor(max_workers=8)
sqs = boto3.client("sqs")
consumer = Consumer({"group.id": "g"})


def process(message):
    with tracer.start_as_current_span("process"):
        return message


def process_with_context(message, parent):
    with tracer.start_as_current_span("process", context=parent):
        return message


def process_extracting(message):
    ctx = extract(dict(message.headers() or []))
    with tracer.start_as_current_span("process", context=ctx):
        return message


def sqs_batch(url):
    response = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])
    for message in response.get("Messages", []):
        executor.submit(contextvars.copy_context().run, process, message)  # error: CTX308


def kafka_batch():
    messages = consumer.consume(100, 1.0)
    for msg in messages:
        threading.Thread(target=process, args=(msg,)).start()  # error: CTX308


def kafka_map():
    messages = consumer.consume(100, 1.0)
    list(executor.map(process, messages))  # error: CTX308


# ----------------------------------------------------------------------------- clean
def passes_the_context():
    messages = consumer.consume(100, 1.0)
    for msg in messages:
        parent = extract(dict(msg.headers() or []))
        executor.submit(process_with_context, msg, parent)


def worker_extracts():
    messages = consumer.consume(100, 1.0)
    for msg in messages:
        executor.submit(process_extracting, msg)


def attached_and_copied():
    messages = consumer.consume(100, 1.0)
    for msg in messages:
        token = context.attach(extract(dict(msg.headers() or [])))
        try:
            executor.submit(contextvars.copy_context().run, process, msg)
        finally:
            context.detach(token)


def span_around_and_copied():
    messages = consumer.consume(100, 1.0)
    for msg in messages:
        with tracer.start_as_current_span("handle", context=extract(dict(msg.headers() or []))):
            executor.submit(contextvars.copy_context().run, process, msg)


def not_the_message(url):
    response = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])
    for message in response.get("Messages", []):
        executor.submit(contextvars.copy_context().run, process, url)
