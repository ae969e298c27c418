"""Library-native tracing switches, scoped to what they really cover.

Pub/Sub's PublisherOptions(enable_open_telemetry_tracing=True) makes the client built with it
inject on publish; other publisher clients of the same file still publish without a context.
"""
from google.cloud import pubsub_v1
from google.cloud.pubsub_v1.types import PublisherOptions
from opentelemetry import trace  # noqa: F401  (a trace context can exist)

traced = pubsub_v1.PublisherClient(
    publisher_options=PublisherOptions(enable_open_telemetry_tracing=True))
plain = pubsub_v1.PublisherClient()
options = PublisherOptions(enable_open_telemetry_tracing=True)
traced_by_name = pubsub_v1.PublisherClient(publisher_options=options)
switched_off = pubsub_v1.PublisherClient(publisher_options=PublisherOptions(enable_open_telemetry_tracing=False))


def publish_all(topic, data):
    traced.publish(topic, data)
    traced_by_name.publish(topic, data)
    plain.publish(topic, data)  # error: CTX101
    switched_off.publish(topic, data)  # error: CTX101


class Notifier:
    def __init__(self):
        self.client = pubsub_v1.PublisherClient(publisher_options=options)
        self.other = pubsub_v1.PublisherClient()

    def notify(self, topic, data):
        self.client.publish(topic, data)
        self.other.publish(topic, data)  # error: CTX101
