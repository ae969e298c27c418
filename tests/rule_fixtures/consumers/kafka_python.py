from kafka import KafkaConsumer
from opentelemetry import context, trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Link, SpanKind

tracer = trace.get_tracer(__name__)
consumer = KafkaConsumer("orders", bootstrap_servers="kafka:9092")


def iterate_unlinked():
    for record in consumer:
        with tracer.start_as_current_span("reserve-inventory"):  # error: CTX301
            print(record.value)


def iterate_parent():
    for record in consumer:
        carrier = {k: v.decode() for k, v in (record.headers or [])}
        ctx = extract(carrier)
        with tracer.start_as_current_span("reserve-inventory", context=ctx, kind=SpanKind.CONSUMER):
            print(record.value)


def iterate_link():
    for record in consumer:
        carrier = {k: v.decode() for k, v in record.headers or []}
        span_ctx = trace.get_current_span(extract(carrier)).get_span_context()
        with tracer.start_as_current_span("reserve-inventory", links=[Link(span_ctx)]):
            print(record.value)


def iterate_add_link_later():
    for record in consumer:
        with tracer.start_as_current_span("reserve-inventory") as span:
            carrier = dict((k, v.decode()) for k, v in record.headers)
            span.add_link(trace.get_current_span(extract(carrier)).get_span_context())


def iterate_attach():
    for record in consumer:
        token = context.attach(extract({k: v.decode() for k, v in record.headers}))
        try:
            with tracer.start_as_current_span("reserve-inventory"):
                print(record.value)
        finally:
            context.detach(token)


def poll_batch_per_record():
    while True:
        batch = consumer.poll(timeout_ms=500)
        for tp, records in batch.items():
            for record in records:
                with tracer.start_as_current_span("process"):  # error: CTX301
                    print(record)


def poll_values():
    records = consumer.poll(timeout_ms=500)
    for msgs in records.values():
        for msg in msgs:
            span = tracer.start_span("process")  # error: CTX301
            span.end()


def no_span_at_all():
    for record in consumer:
        print(record.value)


def span_before_loop_is_not_a_handler_span():
    with tracer.start_as_current_span("startup"):
        consumer.subscribe(["orders"])


class Worker:
    def __init__(self):
        self.consumer = KafkaConsumer("payments")

    def run(self):
        for message in self.consumer:
            with tracer.start_as_current_span("authorize-payment", kind=SpanKind.CONSUMER):  # error: CTX301
                self.handle(message)

    def handle(self, message):
        pass


def poll_batch_span_without_links():
    records = consumer.poll(timeout_ms=1000, max_records=50)
    with tracer.start_as_current_span("process-batch"):  # error: CTX302
        for tp, msgs in records.items():
            for msg in msgs:
                print(msg.value)


def poll_batch_span_with_links():
    records = consumer.poll(timeout_ms=1000)
    links = []
    for tp, msgs in records.items():
        for msg in msgs:
            carrier = {k: v.decode() for k, v in msg.headers}
            links.append(Link(trace.get_current_span(extract(carrier)).get_span_context()))
    with tracer.start_as_current_span("process-batch", links=links):
        for tp, msgs in records.items():
            for msg in msgs:
                print(msg.value)


def poll_batch_span_parented_to_first():
    records = consumer.poll(timeout_ms=1000)
    first = next(iter(records.values()))[0]
    ctx = extract({k: v.decode() for k, v in first.headers})
    with tracer.start_as_current_span("process-batch", context=ctx):  # error: CTX302
        for msgs in records.values():
            for msg in msgs:
                print(msg.value)
