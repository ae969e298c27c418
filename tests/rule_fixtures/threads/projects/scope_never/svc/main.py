"""thread-scope = "never": no CTX2xx, even in a traced project."""
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace


def job(x):
    return x


def handle(x):
    ctx = contextvars.copy_context()
    with ThreadPoolExecutor() as ex:
        ex.submit(job, x)
        for i in range(3):
            ex.submit(ctx.run, job, i)
    threading.Thread(target=job, args=(x,)).start()
