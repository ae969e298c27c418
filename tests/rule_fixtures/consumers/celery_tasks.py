from celery import Celery, shared_task
from opentelemetry import trace
from opentelemetry.propagate import extract

app = Celery("shop", broker="redis://localhost")
tracer = trace.get_tracer(__name__)


@app.task
def send_receipt(order_id):
    with tracer.start_as_current_span("send-receipt"):  # error: CTX301
        print(order_id)


@app.task(bind=True)
def send_invoice(self, order_id):
    carrier = {k: getattr(self.request, k, None) or "" for k in ("traceparent", "tracestate")}
    with tracer.start_as_current_span("send-invoice", context=extract(carrier)):
        print(order_id)


@shared_task(bind=True, max_retries=3)
def refund(self, order_id):
    with tracer.start_as_current_span("refund"):  # error: CTX301
        print(order_id)


@shared_task
def carried_in_kwargs(order_id, trace_context=None):
    with tracer.start_as_current_span("ship", context=extract(trace_context or {})):
        print(order_id)


@app.task
def no_span(order_id):
    print(order_id)


def plain_function(order_id):
    with tracer.start_as_current_span("not-a-task"):
        print(order_id)
