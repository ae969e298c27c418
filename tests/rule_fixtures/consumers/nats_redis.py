import json

import nats
import redis
from opentelemetry import trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)


async def nats_main():
    nc = await nats.connect("nats://localhost:4222")

    async def handler(msg):
        with tracer.start_as_current_span("nats-handle"):  # error: CTX301
            print(msg.data)

    async def handler_connected(msg):
        with tracer.start_as_current_span("nats-handle", context=extract(msg.headers or {})):
            print(msg.data)

    await nc.subscribe("orders.*", cb=handler)
    await nc.subscribe("orders.*", queue="workers", cb=handler_connected)

    sub = await nc.subscribe("updates")
    async for msg in sub.messages:
        with tracer.start_as_current_span("update"):  # error: CTX301
            print(msg.data)

    js = nc.jetstream()
    psub = await js.pull_subscribe("jobs", durable="worker")
    msgs = await psub.fetch(10, timeout=5)
    with tracer.start_as_current_span("jobs-batch"):  # error: CTX302
        for msg in msgs:
            await msg.ack()


r = redis.Redis(host="localhost")


def listen():
    pubsub = r.pubsub()
    pubsub.subscribe("events")
    for message in pubsub.listen():
        if message["type"] != "message":
            continue
        with tracer.start_as_current_span("redis-event"):  # error: CTX301
            print(json.loads(message["data"]))


def listen_connected():
    ps = r.pubsub(ignore_subscribe_messages=True)
    ps.subscribe("events")
    while True:
        message = ps.get_message(timeout=1.0)
        if not message:
            continue
        payload = json.loads(message["data"])
        with tracer.start_as_current_span("redis-event", context=extract(payload.get("trace_context", {}))):
            print(payload)


def on_alert(message):
    with tracer.start_as_current_span("alert"):  # error: CTX301
        print(message["data"])


def subscribe_with_handler():
    p = r.pubsub()
    p.subscribe(alerts=on_alert)
    p.run_in_thread(sleep_time=0.1)


def stream_reader():
    while True:
        entries = r.xreadgroup("group", "consumer-1", {"orders": ">"}, count=10, block=5000)
        for stream, messages in entries:
            for message_id, fields in messages:
                with tracer.start_as_current_span("stream-order"):  # error: CTX301
                    print(fields)


def stream_reader_connected():
    for stream, messages in r.xread({"orders": "$"}, block=0):
        for message_id, fields in messages:
            carrier = {k.decode(): v.decode() for k, v in fields.items()}
            with tracer.start_as_current_span("stream-order", context=extract(carrier)):
                print(fields)
