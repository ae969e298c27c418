from kafka import KafkaConsumer
from opentelemetry import propagate, trace
from opentelemetry.propagate import extract
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

tracer = trace.get_tracer(__name__)
consumer = KafkaConsumer("orders")
propagator = TraceContextTextMapPropagator()


def extracted_but_span_ignores_it():
    for record in consumer:
        ctx = extract({k: v.decode() for k, v in record.headers})  # error: CTX303
        with tracer.start_as_current_span("process"):  # error: CTX301
            print(record.value)


def discarded(carrier):
    propagate.extract(carrier)  # error: CTX303


def propagator_discarded(carrier):
    parent = propagator.extract(carrier)  # error: CTX303
    return None


def used(carrier):
    ctx = extract(carrier)
    return ctx


def used_as_attribute(self, carrier):
    self.ctx = extract(carrier)


def tar_extract(archive):
    archive.extract("member")
