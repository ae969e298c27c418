import json

import nats
import paho.mqtt.client as mqtt
import paho.mqtt.publish as mqtt_publish
import pulsar
import redis
from azure.eventhub import EventData, EventHubProducerClient
from azure.servicebus import ServiceBusClient, ServiceBusMessage
from google.cloud import pubsub_v1
from opentelemetry.propagate import inject

publisher = pubsub_v1.PublisherClient()
r = redis.Redis()


def pubsub(topic, data):
    publisher.publish(topic, data)  # error: CTX101
    publisher.publish(topic, data, origin="shop")  # error: CTX101
    carrier = {}
    inject(carrier)
    publisher.publish(topic, data, **carrier)


def servicebus(conn, body):
    with ServiceBusClient.from_connection_string(conn) as client:
        with client.get_queue_sender("orders") as sender:
            sender.send_messages(ServiceBusMessage(body))  # error: CTX101
            carrier = {}
            inject(carrier)
            sender.send_messages(ServiceBusMessage(body, application_properties=carrier))
            batch = sender.create_message_batch()
            batch.add_message(ServiceBusMessage(body))
            sender.send_messages(batch)  # error: CTX101
            msg = ServiceBusMessage(body)
            msg.application_properties = carrier
            sender.send_messages([msg])


def eventhub(conn, body):
    producer = EventHubProducerClient.from_connection_string(conn, eventhub_name="h")
    event = EventData(body)
    producer.send_event(event)  # error: CTX101
    carrier = {}
    inject(carrier)
    event2 = EventData(body)
    event2.properties = carrier
    batch = producer.create_batch()
    batch.add(event2)
    producer.send_batch(batch)


async def nats_publish(data):
    nc = await nats.connect("nats://localhost")
    await nc.publish("orders", data)  # error: CTX101
    headers = {}
    inject(headers)
    await nc.publish("orders", data, "", headers)
    await nc.publish("orders", data, headers)  # error: CTX101
    js = nc.jetstream()
    await js.publish("orders", data)  # error: CTX101
    await js.publish("orders", data, None, None, headers)


def redis_pubsub(order):
    r.publish("orders", json.dumps({"id": order.id}))  # error: CTX102
    carrier = {}
    inject(carrier)
    r.publish("orders", json.dumps({"id": order.id, "trace_context": carrier}))
    r.xadd("orders", {"id": order.id})  # error: CTX101
    r.xadd("orders", {"id": order.id, **carrier})


def pulsar_send(content):
    client = pulsar.Client("pulsar://")
    producer = client.create_producer("orders")
    producer.send(content)  # error: CTX101
    props = {}
    inject(props)
    producer.send(content, props)
    producer.send_async(content, None, properties=props)
    producer.send_async(content, props)  # error: CTX101


def mqtt_v311(order):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.publish("orders", json.dumps({"id": order.id}))  # error: CTX102
    carrier = {}
    inject(carrier)
    client.publish("orders", json.dumps({"id": order.id, "trace_context": carrier}))
    mqtt_publish.single("orders", json.dumps({"id": order.id}))  # error: CTX102


def mqtt_v5(order):
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.PUBLISH)
    client.publish("orders", "x", 1, False, props)  # error: CTX101
    carrier = {}
    inject(carrier)
    props2 = Properties(PacketTypes.PUBLISH)
    props2.UserProperty = list(carrier.items())
    client.publish("orders", "x", 1, False, props2)
