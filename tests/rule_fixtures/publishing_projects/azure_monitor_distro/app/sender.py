from azure.servicebus import ServiceBusClient, ServiceBusMessage
from opentelemetry import trace  # noqa: F401  (a trace context can exist)
from google.cloud import pubsub_v1

publisher = pubsub_v1.PublisherClient()


def send(conn, body):
    with ServiceBusClient.from_connection_string(conn) as client:
        with client.get_queue_sender("orders") as sender:
            sender.send_messages(ServiceBusMessage(body))
    publisher.publish("projects/p/topics/t", body)  # error: CTX101
