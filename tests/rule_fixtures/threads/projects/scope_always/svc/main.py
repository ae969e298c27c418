"""thread-scope = "always": reported even though nothing here imports tracing."""
import threading
from concurrent.futures import ThreadPoolExecutor


def job(x):
    return x


def handle(x):
    with ThreadPoolExecutor() as ex:
        ex.submit(job, x)  # error: CTX201
    threading.Thread(target=job, args=(x,)).start()  # error: CTX202
