"""A project's own tracing wrapper around a NATS client: it extracts the context and starts the
consumer span before calling the user's callback."""
from opentelemetry import trace
from opentelemetry.propagate import extract


class TracedNats:
    def __init__(self, nc, service):
        self.nc = nc
        self.tracer = trace.get_tracer(service)

    async def subscribe(self, subject, queue="", cb=None):
        async def traced(msg):
            with self.tracer.start_as_current_span(f"receive {subject}", context=extract(msg.headers or {})):
                await cb(msg)

        return await self.nc.subscribe(subject, queue=queue, cb=traced)
