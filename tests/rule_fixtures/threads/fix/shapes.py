"""Fix shapes for CTX201-CTX203 (expected output: shapes.py.fixed)."""
import asyncio
import functools
import threading
from concurrent.futures import Executor, ThreadPoolExecutor

import gevent
from opentelemetry import trace

POOL = ThreadPoolExecutor()


def work(*args, **kwargs):
    return args, kwargs


async def handle(x, xs, executor: Executor, tpe):
    POOL.submit(work, x, k=1)  # error: CTX201
    POOL.submit(functools.partial(work, x))  # error: CTX201
    POOL.submit(  # error: CTX201
        work,
        x,
    )
    threading.Thread(target=work).start()  # error: CTX202
    threading.Thread(target=work, daemon=True).start()  # error: CTX202
    threading.Thread(target=work, args=xs).start()  # error: CTX202
    threading.Thread(target=work, args=(x, *xs)).start()  # error: CTX202
    threading.Thread(target=work, args=[x, 2], kwargs={"a": 1}).start()  # error: CTX202
    threading.Thread(None, work, "name", (x,)).start()  # error: CTX202
    threading.Timer(1, work).start()  # error: CTX202
    threading.Timer(1, work, (x,)).start()  # error: CTX202
    gevent.spawn(work, x)  # error: CTX202
    await asyncio.get_running_loop().run_in_executor(tpe, work, x)  # error: CTX203
    # reported, no automatic fix:
    list(POOL.map(work, xs))  # error: CTX201
    executor.submit(work, x)  # error: CTX201
    await asyncio.get_running_loop().run_in_executor(None, *xs)
