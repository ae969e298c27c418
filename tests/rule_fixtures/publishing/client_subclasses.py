"""Client subclasses that override the publish method and call the base one (``super().produce``,
``Producer.produce(self, ...)``): a span started in the override must be injected by the override,
since what the caller passed through cannot hold it (OpenTracing and OpenTelemetry alike)."""
from confluent_kafka import Producer
from confluent_kafka.cimpl import Producer as CProducer
from opentelemetry import trace
from opentracing import Format

tracer = trace.get_tracer(__name__)


class TracingProducer(CProducer):
    def __init__(self, config, ot_tracer):
        super().__init__(config)
        self.tracer = ot_tracer

    def produce(self, topic, value=None, *args, **kwargs):
        with self.tracer.start_span("ProducerSpan"):
            CProducer.produce(self, topic, value, *args, **kwargs)  # error: CTX101


class InjectingProducer(CProducer):
    def __init__(self, config, ot_tracer):
        super().__init__(config)
        self.tracer = ot_tracer

    def produce(self, topic, value=None, *args, **kwargs):
        headers = dict(kwargs.get("headers") or {})
        span = self.tracer.start_span("ProducerSpan")
        self.tracer.inject(span.context, Format.TEXT_MAP, headers)
        kwargs["headers"] = list(headers.items())
        CProducer.produce(self, topic, value, *args, **kwargs)


class OtelProducer(Producer):
    def produce(self, topic, value=None, key=None, headers=None):
        with tracer.start_as_current_span("produce"):
            super().produce(topic, value, key, headers=headers)  # error: CTX101


class PassThroughProducer(Producer):
    # no span of its own: the caller's headers are the caller's business
    def produce(self, topic, value=None, *args, **kwargs):
        print("producing to", topic)
        super().produce(topic, value, *args, **kwargs)
