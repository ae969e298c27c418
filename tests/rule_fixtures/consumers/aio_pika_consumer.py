import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Link

tracer = trace.get_tracer(__name__)


async def on_message(message: AbstractIncomingMessage) -> None:
    async with message.process():
        with tracer.start_as_current_span("handle-signup"):  # error: CTX301
            print(message.body)


async def on_message_linked(message: AbstractIncomingMessage) -> None:
    span_context = trace.get_current_span(extract(message.headers)).get_span_context()
    with tracer.start_as_current_span("handle-signup", links=[Link(span_context)]):
        print(message.body)


async def main():
    connection = await aio_pika.connect_robust("amqp://guest:guest@localhost/")
    channel = await connection.channel()
    queue = await channel.declare_queue("signups", durable=True)
    await queue.consume(on_message)
    other = await channel.declare_queue("signups-2")
    await other.consume(on_message_linked, no_ack=False)

    async with queue.iterator() as queue_iter:
        async for message in queue_iter:
            async with message.process():
                with tracer.start_as_current_span("welcome-mail"):  # error: CTX301
                    print(message.body)

    async for incoming in queue:
        with tracer.start_as_current_span("welcome-mail", context=extract(incoming.headers)):
            print(incoming.body)

    single = await queue.get(timeout=5)
    with tracer.start_as_current_span("one-off"):  # error: CTX301
        print(single.body)
