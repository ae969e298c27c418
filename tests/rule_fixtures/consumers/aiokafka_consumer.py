from aiokafka import AIOKafkaConsumer
from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Link

tracer = trace.get_tracer(__name__)


async def consume():
    consumer = AIOKafkaConsumer("orders", bootstrap_servers="localhost:9092", group_id="shipping")
    await consumer.start()
    try:
        async for msg in consumer:
            with tracer.start_as_current_span("ship-order"):  # error: CTX301
                await ship(msg.value)
    finally:
        await consumer.stop()


async def consume_connected(consumer: AIOKafkaConsumer):
    async for msg in consumer:
        ctx = extract({k: v.decode() for k, v in msg.headers})
        with tracer.start_as_current_span("ship-order", context=ctx):
            await ship(msg.value)


async def getone(consumer: AIOKafkaConsumer):
    while True:
        msg = await consumer.getone()
        with tracer.start_as_current_span("ship-order"):  # error: CTX301
            await ship(msg.value)


async def getmany(consumer: AIOKafkaConsumer):
    while True:
        result = await consumer.getmany(timeout_ms=1000, max_records=100)
        with tracer.start_as_current_span("ship-orders"):  # error: CTX302
            for tp, messages in result.items():
                for msg in messages:
                    await ship(msg.value)


async def getmany_per_message_links(consumer: AIOKafkaConsumer):
    result = await consumer.getmany(timeout_ms=1000)
    with tracer.start_as_current_span("ship-orders") as span:
        for tp, messages in result.items():
            for msg in messages:
                span.add_link(trace.get_current_span(extract({k: v.decode() for k, v in msg.headers})).get_span_context())
                await ship(msg.value)


async def ship(value):
    pass
