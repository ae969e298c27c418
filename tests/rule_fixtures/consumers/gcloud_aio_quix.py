"""gcloud-aio-pubsub subscriber handlers and pulls; quixstreams (< 1) stream callbacks assigned to
attributes (`stream.timeseries.on_dataframe_received = fn`)."""
import quixstreams as qx
from gcloud.aio.pubsub import SubscriberClient, subscribe
from opentelemetry import trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)


async def unlinked_handler(message):
    with tracer.start_as_current_span("process"):  # error: CTX301
        print(message.data)


async def parented_handler(message):
    ctx = extract(dict(message.attributes))
    with tracer.start_as_current_span("process", context=ctx):
        print(message.data)


async def run(subscriber: SubscriberClient):
    await subscribe("sub", unlinked_handler, subscriber)
    await subscribe("sub", parented_handler, subscriber)


async def pull_loop(subscriber: SubscriberClient):
    for message in await subscriber.pull("sub", 10):
        with tracer.start_as_current_span("process"):  # error: CTX301
            print(message.data)


def on_dataframe(stream_consumer, df):
    with tracer.start_as_current_span("write"):  # error: CTX301
        print(df)


def on_event(stream_consumer, data):
    ctx = extract(dict(data.tags))
    with tracer.start_as_current_span("write", context=ctx):
        print(data.value)


def read_stream(stream_consumer: qx.StreamConsumer):
    stream_consumer.timeseries.on_dataframe_received = on_dataframe
    stream_consumer.events.on_data_received = on_event
