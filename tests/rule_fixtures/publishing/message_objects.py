"""Message objects as carriers: the carrier is a constructor argument of each message in the list
(gcloud-aio-pubsub ``PubsubMessage(data, **attributes)``, aio-pika ``Message(headers=...)``,
Service Bus ``ServiceBusMessage(application_properties=...)``)."""
import json

import aio_pika
from azure.servicebus import ServiceBusClient, ServiceBusMessage
from gcloud.aio import pubsub
from gcloud.aio.pubsub import PublisherClient, PubsubMessage
from opentelemetry import trace
from opentelemetry.propagate import inject

tracer = trace.get_tracer(__name__)
servicebus = ServiceBusClient.from_connection_string("Endpoint=sb://x")


async def gcloud_no_attributes(session, event):
    with tracer.start_as_current_span("publish"):
        client = pubsub.PublisherClient(session=session)
        messages = [pubsub.PubsubMessage(json.dumps(event).encode())]
        await client.publish("topic", messages)  # error: CTX101


async def gcloud_business_attributes(session, event, kind):
    client = PublisherClient(session=session)
    await client.publish("topic", [PubsubMessage(event, ordering_key="k", kind=kind)])  # error: CTX101


async def gcloud_injected(session, event):
    carrier = {}
    inject(carrier)
    client = PublisherClient(session=session)
    await client.publish("topic", [PubsubMessage(event, ordering_key="k", **carrier)])


async def gcloud_tracing_context_attribute(session, event, attributes):
    # a single JSON attribute holding the injected carrier
    carrier = {}
    inject(carrier)
    attributes["tracing_context"] = json.dumps(carrier)
    clean = json.loads(json.dumps(attributes, default=str))
    client = PublisherClient(session=session)
    await client.publish("topic", [PubsubMessage(event, **clean)])


async def gcloud_traceparent_keyword(session, event, tp):
    client = PublisherClient(session=session)
    await client.publish("topic", [PubsubMessage(event, traceparent=tp)])


async def gcloud_forwarded_attributes(session, event, attributes):
    # the caller's attributes (a dead-letter forward): unknown, stay silent
    client = PublisherClient(session=session)
    await client.publish("topic", [PubsubMessage(event, **attributes)])


async def gcloud_async_with(event):
    async with PublisherClient() as client:
        await client.publish("topic", [PubsubMessage(event)])  # error: CTX101


async def aio_pika_list_free_message(channel, body):
    exchange = await channel.declare_exchange("orders")
    await exchange.publish(aio_pika.Message(body), routing_key="orders")  # error: CTX101


async def aio_pika_headers(channel, body):
    headers = {}
    inject(headers)
    exchange = await channel.declare_exchange("orders")
    await exchange.publish(aio_pika.Message(body, headers=headers), routing_key="orders")


def servicebus_list(bodies):
    with servicebus.get_queue_sender("q") as sender:
        sender.send_messages([ServiceBusMessage(b) for b in bodies])  # error: CTX101


def servicebus_list_with_properties(bodies):
    carrier = {}
    inject(carrier)
    with servicebus.get_queue_sender("q") as sender:
        sender.send_messages([ServiceBusMessage(b, application_properties=carrier) for b in bodies])
