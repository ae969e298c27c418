import json

import aiokafka
from confluent_kafka import Producer, SerializingProducer
from kafka import KafkaProducer as KP
from opentelemetry import propagate
from opentelemetry.propagate import inject

producer = KP(bootstrap_servers="x")
conf_producer = Producer({"bootstrap.servers": "x"})
ser_producer = SerializingProducer({"bootstrap.servers": "x"})


def aliased_import_gap(order):
    producer.send("orders", json.dumps(order).encode())  # error: CTX101


def converted_list_of_tuples(order):
    carrier = {}
    inject(carrier)
    headers = [(k, v.encode()) for k, v in carrier.items()]
    producer.send("orders", value=order, headers=headers)


def merged_dict(order):
    carrier = {}
    propagate.inject(carrier)
    headers = {"content-type": "json", **carrier}
    conf_producer.produce("orders", value=order, headers=headers)


def headers_without_context(order, request_id):
    headers = {"x-request-id": request_id}
    conf_producer.produce("orders", value=order, headers=headers)  # error: CTX101


def positional_headers_index_7(order):
    carrier = {}
    inject(carrier)
    # topic, value, key, partition, on_delivery, callback, timestamp, headers
    conf_producer.produce("orders", order, None, -1, None, None, 0, carrier)


def positional_index_6_is_not_headers_for_the_c_producer(order):
    carrier = {}
    inject(carrier)
    conf_producer.produce("orders", order, None, -1, None, None, carrier)  # error: CTX101


def serializing_positional_6(order):
    carrier = {}
    inject(carrier)
    ser_producer.produce("orders", None, order, -1, None, 0, carrier)


def serializing_gap(order):
    ser_producer.produce("orders", key=None, value=order)  # error: CTX101


def produce_batch_never_carries(orders):
    conf_producer.produce_batch("orders", [{"value": o} for o in orders])  # error: CTX102


def produce_batch_with_context_in_value(orders):
    carrier = {}
    inject(carrier)
    conf_producer.produce_batch("orders", [{"value": json.dumps({"o": o, "trace_context": carrier})} for o in orders])


def inject_after_publish(order):
    carrier = {}
    producer.send("orders", value=order, headers=[(k, v.encode()) for k, v in carrier.items()])  # error: CTX101
    inject(carrier)


def inject_into_other_variable(order):
    carrier = {}
    inject(carrier)
    headers = []
    producer.send("orders", value=order, headers=headers)  # error: CTX101


def injected_but_never_passed(order):
    carrier = {}
    inject(carrier)
    producer.send("orders", value=order)  # error: CTX101


def context_in_payload_envelope(order):
    carrier = {}
    inject(carrier)
    producer.send("orders", value=json.dumps({"order": order, "trace_context": carrier}).encode())


def carrier_from_caller(order, headers):
    producer.send("orders", value=order, headers=headers)


def forwarded(*args, **kwargs):
    producer.send(*args, **kwargs)


class AsyncPublisher:
    def __init__(self):
        self.producer = aiokafka.AIOKafkaProducer(bootstrap_servers="x")

    async def gap(self, order):
        await self.producer.send_and_wait("orders", order)  # error: CTX101

    async def positional_5(self, order):
        carrier = {}
        inject(carrier)
        await self.producer.send("orders", order, None, None, None, list(carrier.items()))

    async def positional_3_is_partition(self, order):
        carrier = {}
        inject(carrier)
        await self.producer.send("orders", order, None, carrier)  # error: CTX101


class Annotated:
    def __init__(self, producer: KP):
        self._producer = producer

    def gap(self, order):
        self._producer.send("orders", value=order)  # error: CTX101


class Unresolved:
    def __init__(self, kafka_producer):
        self.kafka_producer = kafka_producer

    def heuristic_gap(self, order):
        self.kafka_producer.send("orders", value=order)  # error: CTX101

    def not_a_producer(self, sock, data):
        sock.send(data)
