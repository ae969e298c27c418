import time

import backoff
import requests
from celery import Celery, shared_task
from opentelemetry import trace
from tenacity import retry, stop_after_attempt

app = Celery("shop")
tracer = trace.get_tracer(__name__)


@app.task(bind=True, max_retries=3)
def charge(self, order_id):
    try:
        requests.post("https://pay/charge", json={"order": order_id})
    except requests.Timeout as exc:
        raise self.retry(exc=exc, countdown=5)  # error: CTX405


@shared_task(autoretry_for=(requests.Timeout,), retry_backoff=True)  # error: CTX405
def ship(order_id):
    requests.post("https://ship", json={"order": order_id})


@app.task
def reserve(order_id):
    for attempt in range(3):  # error: CTX405
        try:
            requests.post("https://stock/reserve", json={"order": order_id})
            break
        except requests.ConnectionError:
            time.sleep(2 ** attempt)


@app.task
@retry(stop=stop_after_attempt(3))  # error: CTX405
def notify(order_id):
    requests.post("https://mail", json={"order": order_id})


@app.task
def refund(order_id):
    attempts = 0
    while attempts < 3:  # error: CTX405
        try:
            requests.post("https://pay/refund", json={"order": order_id})
            return
        except requests.Timeout:
            attempts += 1


# --- silent: the attempts are recorded


@app.task(bind=True, max_retries=3)
def charge_recorded(self, order_id):
    span = trace.get_current_span()
    span.set_attribute("messaging.retry.attempt", self.request.retries)
    try:
        requests.post("https://pay/charge", json={"order": order_id})
    except requests.Timeout as exc:
        raise self.retry(exc=exc)


@app.task(bind=True)
def charge_with_span(self, order_id):
    with tracer.start_as_current_span("charge-card"):
        try:
            requests.post("https://pay/charge", json={"order": order_id})
        except requests.Timeout as exc:
            raise self.retry(exc=exc)


@app.task
def reserve_span_per_attempt(order_id):
    for attempt in range(3):
        with tracer.start_as_current_span("reserve-stock") as span:
            try:
                requests.post("https://stock/reserve", json={"order": order_id})
                break
            except requests.ConnectionError:
                time.sleep(1)


@app.task
def reserve_attribute(order_id):
    span = trace.get_current_span()
    for attempt in range(3):
        try:
            requests.post("https://stock/reserve", json={"order": order_id})
            break
        except requests.ConnectionError as exc:
            span.add_event("reserve failed", {"attempt": attempt})


@app.task
def reserve_attempt_var(order_id):
    span = trace.get_current_span()
    for n in range(3):
        span.set_attribute("app.reserve.n", n)
        try:
            requests.post("https://stock/reserve", json={"order": order_id})
            break
        except requests.ConnectionError:
            pass


@app.task
@retry(stop=stop_after_attempt(3), before_sleep=lambda state: None)
def notify_with_hook(order_id):
    requests.post("https://mail", json={"order": order_id})


@app.task
@backoff.on_exception(backoff.expo, requests.Timeout, max_tries=3)
def notify_traced(order_id):
    deliver(order_id)


@tracer.start_as_current_span("deliver-mail")
def deliver(order_id):
    requests.post("https://mail", json={"order": order_id})


# --- silent: not retries


@app.task
def batch(order_ids):
    for order_id in order_ids:
        try:
            requests.post("https://x", json={"order": order_id})
        except requests.Timeout:
            continue


@app.task
def reraise_always(order_id):
    for attempt in range(3):
        try:
            requests.post("https://x", json={"order": order_id})
            break
        except requests.Timeout:
            raise


@app.task
def poll_until_done(order_id):
    while True:
        try:
            requests.get("https://x")
        except requests.Timeout:
            time.sleep(1)


# --- silent: not message handling


def startup_connect():
    for attempt in range(5):
        try:
            requests.get("https://db")
            break
        except requests.ConnectionError:
            time.sleep(1)


@retry(stop=stop_after_attempt(3))
def fetch_config():
    return requests.get("https://config").json()
