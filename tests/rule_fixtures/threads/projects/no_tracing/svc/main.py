"""No tracing, no contextvars anywhere in this project: thread hand-offs are not reported."""
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def job(x):
    return x


def handle(x):
    with ThreadPoolExecutor() as ex:
        ex.submit(job, x)
    threading.Thread(target=job, args=(x,)).start()
    with ProcessPoolExecutor() as pp:
        pp.submit(job, x)
