import nats
from opentelemetry import trace

from telemetry.nats_wrapper import TracedNats

tracer = trace.get_tracer("billing-worker")


class Worker:
    def __init__(self, url):
        self.url = url
        self.nc = None
        self.traced = None

    async def on_invoice(self, msg):
        # the wrapper made the producer's context current: this child span is connected
        with tracer.start_as_current_span("charge-invoice"):
            await msg.ack()

    async def on_raw(self, msg):
        with tracer.start_as_current_span("raw-invoice"):  # error: CTX301
            await msg.ack()

    async def start(self):
        self.nc = await nats.connect(self.url)
        self.traced = TracedNats(self.nc, "billing")
        await self.traced.subscribe("invoices.created", cb=self.on_invoice)
        await self.nc.subscribe("invoices.raw", cb=self.on_raw)
