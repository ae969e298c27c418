"""ThreadingInstrumentor is on: it covers Thread, Timer, ThreadPoolExecutor.submit/map and
run_in_executor, and nothing else."""
import asyncio
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

import gevent

POOL = ThreadPoolExecutor()


def job(x):
    return x


async def handle(x):
    POOL.submit(job, x)
    list(POOL.map(job, [x]))
    threading.Thread(target=job, args=(x,)).start()
    threading.Timer(1, job, args=(x,)).start()
    await asyncio.get_running_loop().run_in_executor(None, job, x)
    ThreadPool(2).apply_async(job, (x,))  # error: CTX201
    gevent.spawn(job, x)  # error: CTX202
    multiprocessing.Process(target=job, args=(x,)).start()  # error: CTX204


class Worker(threading.Thread):
    def run(self):  # error: CTX202
        job(1)
