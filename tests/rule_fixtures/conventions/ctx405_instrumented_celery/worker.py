import requests
from celery import Celery
from celery.signals import worker_process_init
from opentelemetry.instrumentation.celery import CeleryInstrumentor

app = Celery("shop")


@worker_process_init.connect(weak=False)
def init_tracing(*args, **kwargs):
    CeleryInstrumentor().instrument()


@app.task(bind=True, max_retries=3)
def charge(self, order_id):
    # each retry is a new task run: the instrumentor gives it its own span
    try:
        requests.post("https://pay/charge", json={"order": order_id})
    except requests.Timeout as exc:
        raise self.retry(exc=exc)
