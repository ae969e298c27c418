import dramatiq
import rq
from celery import Celery, shared_task
from opentelemetry.propagate import inject
from redis import Redis

app = Celery("shop")
queue = rq.Queue(connection=Redis())


@app.task
def send_email(order_id, trace_ctx=None):
    return order_id


@shared_task(bind=True)
def charge(self, order_id):
    return order_id


@dramatiq.actor
def reserve(order_id):
    return order_id


def plain(order_id):
    return order_id


def web_view(order_id):
    send_email.delay(order_id)  # error: CTX101
    charge.apply_async(args=(order_id,))  # error: CTX101
    app.send_task("shop.refund", args=(order_id,))  # error: CTX101
    carrier = {}
    inject(carrier)
    charge.apply_async(args=(order_id,), headers=carrier)
    send_email.delay(order_id, trace_ctx=carrier)
    send_email.apply_async(kwargs={"order_id": order_id, "trace_ctx": carrier})
    app.send_task("shop.refund", args=(order_id,), headers=carrier)
    send_email.s(order_id).apply_async()  # error: CTX101
    send_email.s(order_id).apply_async(headers=carrier)
    reserve.send(order_id)  # error: CTX101
    reserve.send(order_id, carrier)
    reserve.send_with_options(args=(order_id,), trace_ctx=carrier)
    queue.enqueue(plain, order_id)  # error: CTX101
    queue.enqueue(plain, order_id, meta={"trace_ctx": carrier})
    plain.delay = None
