"""Carriers that cross functions: merged with other headers, then converted, by the project's helpers."""
from kafka import KafkaProducer
from opentelemetry import trace
from opentelemetry.propagate import inject

tracer = trace.get_tracer(__name__)
producer = KafkaProducer()


def merge_headers(base, extra):
    return {**base, **extra}


def merge_into(base, extra):
    merged = dict(base)
    merged.update(extra)
    return merged


def merge_or(base, extra):
    merged = dict(base)
    merged |= extra
    return merged


def to_pairs(carrier):
    return [(k, v.encode()) for k, v in carrier.items()]


def only_defaults(carrier):
    defaults = {"kind": "order"}
    return defaults


def publish(order):
    with tracer.start_as_current_span("publish"):
        carrier = {}
        inject(carrier)
        producer.send("orders", order, headers=to_pairs(merge_headers({"kind": "order"}, carrier)))
        producer.send("orders", order, headers=to_pairs(merge_into({"kind": "order"}, carrier)))
        producer.send("orders", order, headers=to_pairs(merge_or({"kind": "order"}, carrier)))
        headers = merge_into({"kind": "order"}, carrier)
        producer.send("orders", order, headers=to_pairs(headers))
        producer.send("orders", order, headers=to_pairs(only_defaults(carrier)))  # error: CTX101
        producer.send("orders", order, headers=to_pairs(merge_into(carrier, {})))
        producer.send("orders", order, headers=to_pairs(merge_into({"kind": "order"}, {})))  # error: CTX101
