"""Azure SDK native tracing: with a tracing implementation set, Service Bus and Event Hubs senders
write traceparent into each message's properties (a process-wide switch)."""
from azure.core.settings import settings
from azure.eventhub import EventData, EventHubProducerClient
from azure.servicebus import ServiceBusClient, ServiceBusMessage
from opentelemetry import trace  # noqa: F401  (a trace context can exist)

settings.tracing_implementation = "opentelemetry"


def servicebus(conn, body):
    with ServiceBusClient.from_connection_string(conn) as client:
        with client.get_queue_sender("orders") as sender:
            sender.send_messages(ServiceBusMessage(body))


def eventhub(conn, body):
    producer = EventHubProducerClient.from_connection_string(conn, eventhub_name="h")
    producer.send_event(EventData(body))
