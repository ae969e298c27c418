from kombu import Connection, Consumer, Exchange, Queue
from kombu.mixins import ConsumerMixin
from opentelemetry import trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)
task_queue = Queue("tasks", Exchange("tasks"), routing_key="tasks")


def process_task(body, message):
    with tracer.start_as_current_span("process-task"):  # error: CTX301
        message.ack()


def process_task_connected(body, message):
    with tracer.start_as_current_span("process-task", context=extract(message.headers)):
        message.ack()


def on_raw(message):
    with tracer.start_as_current_span("raw"):  # error: CTX301
        message.ack()


def run():
    with Connection("amqp://guest:guest@localhost//") as conn:
        with Consumer(conn, [task_queue], callbacks=[process_task, process_task_connected], accept=["json"]):
            conn.drain_events()
        consumer = Consumer(conn, [task_queue], on_message=on_raw)
        consumer.consume()


class Worker(ConsumerMixin):
    def __init__(self, connection):
        self.connection = connection

    def get_consumers(self, Consumer, channel):
        return [Consumer(queues=[task_queue], callbacks=[self.on_task], accept=["json"])]

    def on_task(self, body, message):
        with tracer.start_as_current_span("mixin-task"):  # error: CTX301
            message.ack()


def simple_queue():
    with Connection("amqp://localhost//") as conn:
        queue = conn.SimpleQueue("simple")
        message = queue.get(block=True, timeout=1)
        with tracer.start_as_current_span("simple"):  # error: CTX301
            message.ack()
