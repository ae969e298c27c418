"""CTX203: loop.run_in_executor does not copy the context; to_thread, create_task, call_soon do."""
import asyncio
import contextvars
import functools
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import anyio
from opentelemetry import trace

tracer = trace.get_tracer(__name__)
IO_POOL = ThreadPoolExecutor(4)


def resize(image, width=100):
    with tracer.start_as_current_span("resize"):
        return image, width


async def default_executor(image):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, resize, image)  # error: CTX203


async def inline_loop(image):
    return await asyncio.get_event_loop().run_in_executor(IO_POOL, resize, image)  # error: CTX203


class Handler:
    def __init__(self, loop):
        self.loop = loop

    async def handle(self, image):
        return await self.loop.run_in_executor(None, functools.partial(resize, image, width=10))  # error: CTX203

    async def handle_copied(self, image):
        return await self.loop.run_in_executor(None, functools.partial(contextvars.copy_context().run, resize, image))


async def copied(image):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, contextvars.copy_context().run, resize, image)


async def safe_handoffs(image):
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(resize, image)
    task = asyncio.create_task(asyncio.sleep(0))
    loop.call_soon(resize, image)
    loop.call_soon_threadsafe(resize, image)
    loop.call_later(1, resize, image)
    asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop)
    await anyio.to_thread.run_sync(resize, image)
    await task


async def process_pool(image):
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor() as pool:
        return await loop.run_in_executor(pool, resize, image)  # error: CTX204


async def kafka_client_calls(payload):
    """A messaging client's own calls that send nothing (poll, flush, commit, close) record nothing
    the caller's context would parent; nor does a publish of a client nothing instruments (its
    carrier is CTX101's question). With the client's instrumentation, the publish on the executor
    thread would record a producer span in a new trace (tests/test_program.py)."""
    from confluent_kafka import Consumer, Producer

    consumer = Consumer({"group.id": "g"})
    producer = Producer({})
    loop = asyncio.get_running_loop()
    with tracer.start_as_current_span("relay"):
        message = await loop.run_in_executor(None, consumer.poll, 1.0)
        await loop.run_in_executor(None, consumer.commit, message)
        await loop.run_in_executor(None, producer.flush)
        await loop.run_in_executor(None, producer.produce, "topic", payload)
        await loop.run_in_executor(None, lambda: consumer.poll(timeout=1.0))
        await loop.run_in_executor(None, lambda: consumer.commit(asynchronous=False))
        await loop.run_in_executor(None, lambda: producer.produce("topic", payload))


async def standard_library_calls(path):
    """Standard-library calls record nothing and read no context: nothing of the trace is lost."""
    import queue
    import shutil
    import subprocess

    jobs = queue.Queue()
    loop = asyncio.get_running_loop()
    with tracer.start_as_current_span("cleanup"):
        item = await loop.run_in_executor(None, jobs.get)
        await loop.run_in_executor(None, subprocess.run, ["true"])
        await loop.run_in_executor(None, shutil.rmtree, path)
        await loop.run_in_executor(None, resize, item)  # error: CTX203
