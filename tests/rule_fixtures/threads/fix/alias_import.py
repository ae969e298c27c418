import contextvars as cv
import threading
from concurrent.futures import ThreadPoolExecutor

POOL = ThreadPoolExecutor()


def handle(f, x):
    POOL.submit(f, x)  # error: CTX201
    threading.Thread(target=f, args=(x,)).start()  # error: CTX202
