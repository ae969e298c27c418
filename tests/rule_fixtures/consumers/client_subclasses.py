"""Client subclasses that override the receive method: a span started around the base call exists
before any message, so it starts an unrelated trace unless it is connected afterwards."""
from confluent_kafka.cimpl import Consumer
from opentracing import Format, follows_from


class TracingConsumer(Consumer):
    def __init__(self, config, tracer):
        super().__init__(config)
        self.tracer = tracer

    def poll(self, timeout=None):
        with self.tracer.start_span("ConsumerSpan"):  # error: CTX301
            return Consumer.poll(self, timeout)


class LinkingConsumer(Consumer):
    def __init__(self, config, tracer):
        super().__init__(config)
        self.tracer = tracer

    def poll(self, timeout=None):
        msg = Consumer.poll(self, timeout)
        if msg is not None:
            headers = {k: v.decode() for k, v in msg.headers() or []}
            producer_ctx = self.tracer.extract(Format.TEXT_MAP, headers)
            span = self.tracer.start_span("process", references=[follows_from(producer_ctx)])
            span.finish()
        return msg


class UnlinkedAfterReceive(Consumer):
    def __init__(self, config, tracer):
        super().__init__(config)
        self.tracer = tracer

    def poll(self, timeout=None):
        msg = super().poll(timeout)
        span = self.tracer.start_span("process")  # error: CTX301
        span.finish()
        return msg
