"""quixstreams: the Application producer (headers) and the legacy stream API (tags only)."""
import quixstreams as qx
from opentelemetry import trace
from opentelemetry.propagate import inject
from quixstreams import Application

tracer = trace.get_tracer(__name__)
app = Application(broker_address="kafka:9092")

client = qx.QuixStreamingClient()
producer_topic = client.get_topic_producer("vibration")
stream_producer = producer_topic.create_stream()


def produce_without_headers(key, value):
    with app.get_producer() as producer:
        producer.produce("orders", value, key)  # error: CTX101


def produce_with_headers(key, value):
    carrier = {}
    inject(carrier)
    with app.get_producer() as producer:
        producer.produce(topic="orders", value=value, key=key, headers=carrier)


def legacy_dataframe(table):
    with tracer.start_as_current_span("query"):
        df = table.to_pandas().drop(columns=["x"])
        stream_producer.timeseries.buffer.publish(df)  # error: CTX102


def legacy_dataframe_from_caller(df):
    stream_producer.timeseries.buffer.publish(df)  # the caller's frame: it may carry TAG__ columns


def legacy_builder_without_tags(ts, value):
    stream_producer.events.add_timestamp(ts).add_value("v", value).publish()  # error: CTX102


def legacy_builder_with_trace_tags(ts, value):
    with tracer.start_as_current_span("publish") as span:
        span_context = span.get_span_context()
        stream_producer.timeseries.buffer \
            .add_timestamp(ts) \
            .add_value("v", value) \
            .add_tag("trace_id", str(span_context.trace_id)) \
            .add_tag("span_id", str(span_context.span_id)) \
            .publish()


def legacy_unresolved(stream, table):
    # an unannotated stream from elsewhere: the API's attribute names identify the call
    df = table.to_pandas()
    stream.timeseries.buffer.publish(df)  # error: CTX102
