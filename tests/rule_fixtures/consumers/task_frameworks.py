"""faust agents, FastStream subscribers, taskiq and huey tasks, AWS Lambda Powertools record handlers:
each runs once per message; a span it starts must continue or link the producer's trace."""
import faust
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, batch_processor, process_partial_response
from faststream import FastStream
from faststream.kafka import KafkaBroker, KafkaMessage
from huey import RedisHuey
from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Link
from taskiq import Context, TaskiqDepends
from taskiq_redis import ListQueueBroker

tracer = trace.get_tracer(__name__)
app = faust.App("orders", broker="kafka://localhost")
orders_topic = app.topic("orders")
broker = KafkaBroker("localhost:9092")
stream_app = FastStream(broker)
tq = ListQueueBroker("redis://localhost")
huey = RedisHuey("jobs")
processor = BatchProcessor(event_type=EventType.SQS)


@app.agent(orders_topic)
async def process_orders(stream):
    async for order in stream:
        with tracer.start_as_current_span("ship-order"):  # error: CTX301
            print(order)


@app.agent(orders_topic)
async def process_orders_linked(stream):
    async for order in stream:
        headers = {k: v.decode() for k, v in dict(stream.current_event.headers).items()}
        with tracer.start_as_current_span("ship-order", context=extract(headers)):
            print(order)


@broker.subscriber("payments")
async def on_payment(body: dict):
    with tracer.start_as_current_span("settle"):  # error: CTX301
        print(body)


@broker.subscriber("payments")
async def on_payment_linked(body: dict, message: KafkaMessage):
    span_ctx = trace.get_current_span(extract(message.headers)).get_span_context()
    with tracer.start_as_current_span("settle", links=[Link(span_ctx)]):
        print(body)


@tq.task
async def render_invoice(invoice_id: int):
    with tracer.start_as_current_span("render"):  # error: CTX301
        print(invoice_id)


@tq.task
async def render_invoice_parented(invoice_id: int, context: Context = TaskiqDepends()):
    with tracer.start_as_current_span("render", context=extract(context.message.labels)):
        print(invoice_id)


@huey.task()
def resize(image_id):
    with tracer.start_as_current_span("resize"):  # error: CTX301
        print(image_id)


@huey.task()
def resize_traced(image_id, trace_ctx):
    with tracer.start_as_current_span("resize", context=extract(trace_ctx)):
        print(image_id)


@huey.periodic_task(lambda dt: True)
def nightly():
    # started by huey's scheduler: no producer, no context to continue
    with tracer.start_as_current_span("nightly"):
        print("nightly")


def record_handler(record):
    with tracer.start_as_current_span("charge"):  # error: CTX301
        print(record.body)


def record_handler_linked(record):
    carrier = {k: v.string_value for k, v in record.message_attributes.items() if v.string_value}
    with tracer.start_as_current_span("charge", context=extract(carrier)):
        print(record.body)


def lambda_handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def lambda_handler_linked(event, context):
    return process_partial_response(event, record_handler_linked, processor, context)


def decorated_record_handler(record):
    with tracer.start_as_current_span("refund"):  # error: CTX301
        print(record.body)


@batch_processor(record_handler=decorated_record_handler, processor=processor)
def lambda_handler_decorated(event, context):
    return processor.response()


def context_managed_record_handler(record):
    with tracer.start_as_current_span("restock"):  # error: CTX301
        print(record.body)


def lambda_handler_context_managed(event, context):
    with processor(records=event["Records"], handler=context_managed_record_handler):
        processor.process()
    return processor.response()
