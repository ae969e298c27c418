import boto3
from ddtrace.propagation.http import HTTPPropagator
from ddtrace.trace import tracer
from opentelemetry.propagate import inject
from opentelemetry.propagators.textmap import Setter

from shop.kafka import producer
from tracing.headers import add_request_id, current_headers, inject_into, kafka_headers

sqs = boto3.client("sqs")


class SqsSetter(Setter):
    def set(self, carrier, key, value):
        carrier[key] = {"DataType": "String", "StringValue": value}


def helper_returns_carrier(order):
    producer.send("orders", value=order, headers=list(current_headers().items()))


def helper_two_levels(order):
    producer.send("orders", value=order, headers=kafka_headers())


def helper_injects_into_passed_carrier(order):
    headers = {}
    inject_into(headers)
    producer.send("orders", value=order, headers=[(k, v.encode()) for k, v in headers.items()])


def helper_that_does_not_inject(order, request_id):
    headers = {}
    add_request_id(headers, request_id)
    producer.send("orders", value=order, headers=[(k, v.encode()) for k, v in headers.items()])  # error: CTX101


def imported_producer_gap(order):
    producer.send("orders", value=order)  # error: CTX101


def ddtrace_inject(url, body):
    headers = {}
    HTTPPropagator.inject(tracer.current_trace_context(), headers)
    sqs.send_message(QueueUrl=url, MessageBody=body,
                     MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in headers.items()})


def custom_setter(url, body):
    attributes = {}
    inject(attributes, setter=SqsSetter())
    sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)


def opentracing_inject(url, body, opentracing_tracer, span):
    from opentracing.propagation import Format

    carrier = {}
    opentracing_tracer.inject(span.context, Format.TEXT_MAP, carrier)
    sqs.send_message(QueueUrl=url, MessageBody=body,
                     MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in carrier.items()})


def data_streams_checkpoint_is_not_propagation(order):
    from ddtrace.data_streams import set_produce_checkpoint

    headers = {}
    set_produce_checkpoint("kafka", "orders", headers.setdefault)
    producer.send("orders", value=order, headers=list(headers.items()))  # error: CTX101
