"""kafka-python and aiokafka: headers are a list of (str, bytes)."""
from opentelemetry import trace  # noqa: F401  (the service traces: a context can exist)
from aiokafka import AIOKafkaProducer
from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")


def absent(order):
    # the producer serialises the value
    producer.send("orders", value=order)  # error: CTX101


def literal(order):
    producer.send(  # error: CTX101
        "orders",
        value=order,
        headers=[("source", b"api")],
    )


def positional_none(order):
    return producer.send("orders", order, None, None)  # error: CTX101


def name_taken(order, carrier):
    producer.send("orders", value=order)  # error: CTX101
    return carrier


def in_loop(orders):
    for order in orders:
        future = producer.send("orders", value=order)  # error: CTX101
        future.get(timeout=10)


async def aio(order):
    aio_producer = AIOKafkaProducer(bootstrap_servers="kafka:9092")
    await aio_producer.send_and_wait("orders", order)  # error: CTX101


def in_lambda(orders):
    return list(map(lambda o: producer.send("orders", value=o), orders))  # error: CTX101 (no fix: lambda)


def in_comprehension(orders):
    return [producer.send("orders", value=o) for o in orders]  # error: CTX101 (no fix: comprehension)


def two_statements(order):
    sent = 1; producer.send("orders", value=order)  # error: CTX101 (no fix: two statements on the line)
    return sent


def variable_carrier(order):
    headers = [("source", b"api")]
    producer.send("orders", value=order, headers=headers)  # error: CTX101 (no fix: a variable)


def literal_with_comment(order):
    producer.send("orders", value=order, headers=[  # error: CTX101 (no fix: the literal holds a comment)
        ("source", b"api"),  # who sent it
    ])


def forwarded(*args):
    producer.send("orders", *args)
