import json

from nats.aio.client import Client

from events.clients import TracedNats, build_producer, get_producer, traced_nats


def order_created(order):
    producer = get_producer()
    producer.send("orders", value=json.dumps(order).encode())  # error: CTX101


def order_cancelled(order_id):
    get_producer().send("orders.cancelled", value=order_id.encode())  # error: CTX101


class AuditTrail:
    def __init__(self, servers):
        self._producer = None
        self._producer = build_producer(servers)

    def record(self, event):
        self._producer.send("audit", value=event)  # error: CTX101


class Notifications:
    """The NATS client may be the traced wrapper: which one it is cannot be known here."""

    def __init__(self):
        self.nc: Client | None = None

    async def connect(self, servers):
        nc = Client()
        await nc.connect(servers=servers)
        self.nc = traced_nats(nc)

    async def notify(self, subject, data):
        await self.nc.publish(subject, data)


async def relay(nc: "Client | TracedNats", subject, data):
    await nc.publish(subject, data)


async def relay_untraced(nc: Client, subject, data):
    await nc.publish(subject, data)  # error: CTX101
