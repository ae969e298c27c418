from azure.eventhub import EventHubConsumerClient
from azure.servicebus import ServiceBusClient
from google.cloud import pubsub_v1
from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Link

tracer = trace.get_tracer(__name__)


def callback(message):
    with tracer.start_as_current_span("pubsub-handle"):  # error: CTX301
        message.ack()


def callback_connected(message: pubsub_v1.subscriber.message.Message):
    with tracer.start_as_current_span("pubsub-handle", context=extract(dict(message.attributes))):
        message.ack()


def subscribe():
    subscriber = pubsub_v1.SubscriberClient()
    future = subscriber.subscribe("projects/p/subscriptions/s", callback=callback)
    subscriber.subscribe("projects/p/subscriptions/t", callback_connected)
    future.result()


def servicebus():
    client = ServiceBusClient.from_connection_string("conn")
    with client:
        receiver = client.get_queue_receiver(queue_name="orders")
        with receiver:
            for msg in receiver:
                with tracer.start_as_current_span("sb-handle"):  # error: CTX301
                    receiver.complete_message(msg)


def servicebus_batch(client: ServiceBusClient):
    with client.get_subscription_receiver(topic_name="t", subscription_name="s") as receiver:
        batch = receiver.receive_messages(max_message_count=20, max_wait_time=5)
        with tracer.start_as_current_span("sb-batch"):  # error: CTX302
            for msg in batch:
                receiver.complete_message(msg)


def servicebus_connected(client: ServiceBusClient):
    with client.get_queue_receiver(queue_name="orders") as receiver:
        for msg in receiver:
            props = {k.decode(): v.decode() for k, v in (msg.application_properties or {}).items()}
            with tracer.start_as_current_span("sb-handle", context=extract(props)):
                receiver.complete_message(msg)


def on_event(partition_context, event):
    with tracer.start_as_current_span("eh-event"):  # error: CTX301
        partition_context.update_checkpoint(event)


def on_event_batch(partition_context, events):
    with tracer.start_as_current_span("eh-batch"):  # error: CTX302
        for event in events:
            print(event.body_as_str())


def on_event_batch_linked(partition_context, events):
    links = [Link(trace.get_current_span(extract(e.properties)).get_span_context()) for e in events]
    with tracer.start_as_current_span("eh-batch", links=links):
        for event in events:
            print(event.body_as_str())


def eventhubs():
    client = EventHubConsumerClient.from_connection_string("conn", consumer_group="$Default", eventhub_name="hub")
    with client:
        client.receive(on_event=on_event, starting_position="-1")
        client.receive_batch(on_event_batch=on_event_batch)
        client.receive_batch(on_event_batch=on_event_batch_linked)
