from celery import Celery
from celery.signals import worker_process_init
from opentelemetry import trace
from opentelemetry.instrumentation.celery import CeleryInstrumentor

app = Celery("shop")
tracer = trace.get_tracer(__name__)


@worker_process_init.connect(weak=False)
def init_worker(*args, **kwargs):
    CeleryInstrumentor().instrument()


@app.task
def send_receipt(order_id):
    # CeleryInstrumentor attaches the extracted context around the task: connected
    with tracer.start_as_current_span("send-receipt"):
        print(order_id)
