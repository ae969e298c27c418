"""FastStream's and taskiq's own OpenTelemetry middlewares extract the producer's context and run the
handler inside a consumer span parented on it: spans the handlers start are connected. faust has no
such middleware: its agents stay flagged."""
import faust
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry import trace
from taskiq.middlewares import OpenTelemetryMiddleware
from taskiq_redis import ListQueueBroker

tracer = trace.get_tracer(__name__)
broker = KafkaBroker("localhost:9092", middlewares=(KafkaTelemetryMiddleware(),))
tq = ListQueueBroker("redis://localhost").with_middlewares(OpenTelemetryMiddleware())
app = faust.App("orders")


@broker.subscriber("payments")
async def on_payment(body: dict):
    with tracer.start_as_current_span("settle"):
        print(body)


@tq.task
async def render_invoice(invoice_id: int):
    with tracer.start_as_current_span("render"):
        print(invoice_id)


@app.agent(app.topic("orders"))
async def process_orders(stream):
    async for order in stream:
        with tracer.start_as_current_span("ship-order"):  # error: CTX301
            print(order)
