import asyncio
from opentelemetry import context as otel_context
from threading import Thread

from .executors import (
    ContextExecutor, CopyingExecutor, DerivedContextExecutor, NamedExecutor, OtelExecutor, PlainExecutor,
    PositionalReplayingExecutor, ReplayingExecutor,
)
from .pools import shared_pool
from .workers import BaseWorker, attaching_worker, forgetful_worker, plain_worker


def handle(item):
    ContextExecutor().submit(plain_worker, item)
    OtelExecutor().submit(plain_worker, item)
    DerivedContextExecutor().submit(plain_worker, item)
    PlainExecutor().submit(plain_worker, item)  # error: CTX201
    NamedExecutor(4).submit(plain_worker, item)  # error: CTX201
    shared_pool.submit(plain_worker, item)  # error: CTX201
    list(ContextExecutor().map(plain_worker, [item]))
    with ReplayingExecutor(2) as pool:
        pool.submit(plain_worker, item)
    CopyingExecutor(2).submit(plain_worker, item)  # error: CTX201
    PositionalReplayingExecutor(2).submit(plain_worker, item)


async def handle_async(item):
    loop = asyncio.get_running_loop()
    with ReplayingExecutor(2) as pool:
        await loop.run_in_executor(pool, plain_worker, item)
    with PlainExecutor() as plain:
        await loop.run_in_executor(plain, plain_worker, item)  # error: CTX203


def hand_over(item):
    parent = otel_context.get_current()
    Thread(target=attaching_worker, args=(parent, item)).start()
    Thread(target=forgetful_worker, args=(parent, item)).start()  # error: CTX202


class Consumer(BaseWorker):
    def run(self):  # error: CTX202
        plain_worker(None)
