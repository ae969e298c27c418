"""Client factories, the way services share them: one function per broker."""
import os

from kafka import KafkaProducer
from nats.aio.client import Client
from opentelemetry.propagate import inject

_producer = None


def get_producer():
    global _producer
    if _producer is None:
        _producer = KafkaProducer(bootstrap_servers=os.environ["KAFKA_BROKERS"])
    return _producer


def build_producer(servers):
    return KafkaProducer(bootstrap_servers=servers, linger_ms=5)


class TracedNats:
    """Wraps the NATS client and adds the trace context to every message."""

    def __init__(self, nc: Client):
        self._nc = nc

    async def publish(self, subject, payload=b"", reply="", headers=None):
        headers = dict(headers or {})
        inject(headers)
        await self._nc.publish(subject, payload, reply, headers)


def traced_nats(nc: Client) -> "Client | TracedNats":
    if os.environ.get("TRACING", "1") == "1":
        return TracedNats(nc)
    return nc
