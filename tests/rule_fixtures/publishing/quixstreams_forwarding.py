"""A handler that republishes the received message object forwards its context with it (CTX103 stays
silent); one that builds a new event from its values carries none (one finding, CTX102, with the
CTX103 explanation as evidence)."""
import quixstreams as qx
from opentelemetry import trace

tracer = trace.get_tracer(__name__)
client = qx.QuixStreamingClient()
producer_stream = client.get_topic_producer("out").create_stream()


def forward_event(stream_consumer, data):
    # the received event goes on unchanged, with the trace tags it came with
    producer_stream.events.publish(data)


def rebuild_event(stream_consumer, data):
    producer_stream.events.add_timestamp_nanoseconds(1).add_value("v", data.value).publish()  # error: CTX102


def read_stream(stream_consumer: qx.StreamConsumer):
    stream_consumer.events.on_data_received = forward_event
    stream_consumer.events.on_data_received = rebuild_event
