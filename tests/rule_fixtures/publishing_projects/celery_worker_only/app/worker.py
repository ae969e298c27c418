from celery import Celery
from celery.signals import worker_process_init
from opentelemetry.instrumentation.celery import CeleryInstrumentor

app = Celery("shop")


@worker_process_init.connect(weak=False)
def init_tracing(*args, **kwargs):
    CeleryInstrumentor().instrument()


@app.task
def ship(order_id):
    return order_id


@app.task
def after_payment(order_id):
    ship.delay(order_id)
