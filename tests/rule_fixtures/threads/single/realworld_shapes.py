"""CTX2xx shapes seen in real projects: background service threads, explicit parents handed to span
helpers, OpenTracing's start_active_span, methods of project objects as thread targets."""
import asyncio
import logging
import contextvars
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from queue import Queue

import opentracing
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


# --- a background flusher / poller started once is a service, not a hand-off of the caller's work
class Batcher:
    def __init__(self):
        self._running = True
        self._wake = threading.Event()
        self._flusher = threading.Thread(target=self._flush_loop, daemon=True)
        self._flusher.start()

    def _flush_loop(self):
        self._active = True
        while self._running:
            self._wake.wait(5.0)
            self.flush()

    def flush(self):
        with tracer.start_as_current_span("flush"):
            pass


class Sweeper:
    def __init__(self, q: Queue):
        threading.Thread(target=self._sweep, args=(q,), daemon=True).start()

    def _sweep(self, q):
        try:
            while True:
                if q.get() is None:
                    return
        finally:
            pass


def start_monitor(interval, stop: threading.Event):
    def _tick():
        while not stop.is_set():
            stop.wait(interval)
            report()

    threading.Thread(target=_tick, daemon=True).start()


def start_cleaner(stop: threading.Event):
    def _clean():
        while stop.wait(timeout=10) is False:
            report()

    threading.Thread(target=_clean, daemon=True).start()


def start_counted(stop: threading.Event):
    def _count():
        n = 0
        while n < 3:
            n += 1
            report()

    threading.Thread(target=_count).start()  # error: CTX202


def report():
    with tracer.start_as_current_span("report"):
        pass


def drain_for_request(items):
    # a bounded loop over this request's items is the request's work: it needs the context
    q = Queue()
    for item in items:
        q.put(item)

    def _drain():
        while not q.empty():
            report()

    threading.Thread(target=_drain).start()  # error: CTX202


# --- a thread running a server (a class named ...Server, or deriving from one)
class TestServer(threading.Thread):
    def run(self):
        with tracer.start_as_current_span("serve"):
            pass


class UvicornLikeServer:
    def run(self):
        pass


class _AppServer(UvicornLikeServer):
    def run_in_thread(self):
        thread = threading.Thread(target=self.run)
        thread.start()
        return thread


# --- the worker hands the parent span it received on to a span helper: explicit propagation
def _traced_llm_call(prompt, parent_span=None):
    with tracer.start_as_current_span("llm", context=trace.set_span_in_context(parent_span)):
        return prompt


class Extractor:
    def _run_on_thread(self, prompt, parent_span=None):
        return _traced_llm_call(prompt, parent_span=parent_span)

    def _run_without_parent(self, prompt, parent_span=None):
        return _traced_llm_call(prompt)

    def run(self, prompts):
        parent_span = trace.get_current_span()
        with ThreadPoolExecutor() as executor:
            list(executor.map(partial(self._run_on_thread, parent_span=parent_span), prompts))
            list(executor.map(self._run_without_parent, prompts))  # error: CTX201


# --- OpenTracing: the worker activates the span it receives / starts a child of an extracted one
class OtServer:
    def __init__(self, ot_tracer, queue):
        self.tracer = ot_tracer
        self.queue = queue

    def run(self):
        message = self.queue.get()
        self.process(message)

    def process(self, message):
        ctx = self.tracer.extract(opentracing.Format.TEXT_MAP, message)
        with self.tracer.start_active_span("receive", child_of=ctx):
            pass


class OtClient:
    def __init__(self, ot_tracer, queue):
        self.tracer = ot_tracer
        self.queue = queue

    def send(self):
        with self.tracer.start_active_span("send"):
            self.queue.put({})


class Harness:
    def setup(self, ot_tracer, queue):
        self.server = OtServer(ot_tracer, queue)
        self.client = OtClient(ot_tracer, queue)

    def run_both(self):  # (not `start`: what an object starts as it is set up serves the object)
        threading.Thread(target=self.server.run).start()
        threading.Thread(target=self.client.send).start()  # error: CTX202


# --- the target is a method a base class in this module provides
class Scheduler:
    def __init__(self):
        self.running = False

    def run(self):
        while self.running:
            report()

    def export_once(self):
        report()


class ThreadScheduler(Scheduler):
    def ensure_running(self):
        self.running = True
        threading.Thread(target=self.run, daemon=True).start()

    def export_now(self):
        threading.Thread(target=self.export_once).start()  # error: CTX202


# --- the callable is built into a local first
async def to_thread_by_hand(func, *args):
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    func_call = functools.partial(ctx.run, func, *args)
    return await loop.run_in_executor(None, func_call)


async def bound_method_first(extractor, prompt):
    loop = asyncio.get_running_loop()
    work = extractor._run_without_parent
    return await loop.run_in_executor(None, work, prompt)  # error: CTX203


class BackgroundService(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self._shutdown = threading.Event()

    def run(self):
        shutdown_set = self._shutdown.is_set
        while not shutdown_set():
            report()


class DocServerThread(threading.Thread):
    def run(self):
        report()


# --- a worker that runs a server until it stops
def run_test_server(app):
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=0)


def start_test_server(app):
    threading.Thread(target=run_test_server, args=(app,), daemon=True).start()


def run_one_coroutine(loop, coro):
    loop.run_until_complete(coro)


def start_one_coroutine(loop, coro):
    threading.Thread(target=run_one_coroutine, args=(loop, coro)).start()  # error: CTX202


# --- a portal thread whose entry point hands over to the class's own queue loop (made in a method
# that is no set-up method: one made in `__init__` or `start` serves the object whatever it runs)
class WorkerPortal:
    def __init__(self):
        self._queue = Queue()

    def run_portal(self):
        self.thread = threading.Thread(target=self._entrypoint, daemon=True)

    def _entrypoint(self):
        try:
            self._run_until_shutdown()
        except Exception:
            raise

    def _run_until_shutdown(self):
        while True:
            call = self._queue.get()
            if call is None:
                break
            call()


class OneShotPortal:
    def run_portal(self):
        self.thread = threading.Thread(target=self._entrypoint)  # error: CTX202

    def _entrypoint(self):
        self._work()

    def _work(self):
        report()


# --- a thread that sets every variable of the context its constructor copied
def set_context(context):
    for var, value in context.items():
        var.set(value)


class ThreadWithContextVars(threading.Thread):
    def __init__(self, target=None, args=()):
        self._context = contextvars.copy_context()
        super().__init__(target=target, args=args)

    def run(self):
        set_context(self._context)
        super().run()


# --- a thread class every maker hands a fresh copy's `run` as the callable
class TimeoutThread(threading.Thread):
    def __init__(self, timeout, func, *args):
        super().__init__()
        self.timeout = timeout
        self.func = func
        self.args = args

    def run(self):
        self.result = self.func(*self.args)


def run_with_timeout(timeout, func, *args):
    context = contextvars.copy_context()
    task = TimeoutThread(timeout, context.run, func, *args)
    task.start()
    task.join(timeout)
    return task.result


class PlainTimeoutThread(threading.Thread):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def run(self):  # error: CTX202
        self.func()


def run_plain(func):
    PlainTimeoutThread(func).start()


# --- a pool made with an initializer handed a copy of the maker's context
def set_each(context):
    for var, value in context.items():
        var.set(value)


def run_nodes(nodes):
    parent_context = contextvars.copy_context()
    executor = ThreadPoolExecutor(max_workers=4, initializer=set_each, initargs=(parent_context,))
    for node in nodes:
        executor.submit(report, node)
    plain = ThreadPoolExecutor(max_workers=4, initializer=print, initargs=("started",))
    plain.submit(report, nodes)  # error: CTX201


# --- threads that only shut providers down (and log) at exit
def shutdown_all(providers):
    def _shutdown_one(provider):
        try:
            provider.shutdown()
        except Exception:
            logging.getLogger(__name__).exception("failed to shut down")

    threads = [threading.Thread(target=_shutdown_one, args=(p,), daemon=True) for p in providers]
    for t in threads:
        t.start()

    def _shutdown_and_report(provider):
        provider.shutdown()
        report()

    threading.Thread(target=_shutdown_and_report, args=(providers[0],)).start()  # error: CTX202


# --- threads that only call the standard library's inert modules: reap a child, drain a pipe
import os  # noqa: E402
import subprocess  # noqa: E402
from contextlib import suppress  # noqa: E402


def _wait_for(process: subprocess.Popen) -> None:
    with suppress(Exception):
        process.wait()


def _reap(process: "subprocess.Popen[bytes]") -> None:
    process.wait()


def _rewrite(fd: int, payload: bytearray) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, payload)


def _drain(read_fd: int, log_fd: int) -> None:
    buffered = bytearray()
    while chunk := os.read(read_fd, 8192):
        buffered.extend(chunk)
        _rewrite(log_fd, buffered)
    os.close(read_fd)


def _drain_and_report(read_fd: int) -> None:
    os.read(read_fd, 8192)
    report()


def _copy_to_file(pipe, path):
    with open(path, "w") as file:
        for line in iter(pipe.readline, ""):
            file.write(line)
    pipe.close()


def _copy_and_report(pipe, path):
    with open(path, "w") as file:
        file.write(pipe.read())
    report()


def spawn_helper(argv, read_fd, log_fd):
    with tracer.start_as_current_span("spawn"):
        process = subprocess.Popen(argv)
        threading.Thread(target=_wait_for, args=(process,), daemon=True).start()
        threading.Thread(target=_reap, args=(process,), daemon=True).start()
        threading.Thread(target=_drain, args=(read_fd, log_fd), daemon=True).start()
        threading.Thread(target=_drain_and_report, args=(read_fd,)).start()  # error: CTX202
        threading.Thread(target=_copy_to_file, args=(process.stdout, "out.log")).start()
        threading.Thread(target=_copy_and_report, args=(process.stdout, "out.log")).start()  # error: CTX202


# --- a blocking wait handed to the default executor so the event loop does not block: the work
# waited for was submitted in a copy of the context; the wait records nothing
async def dispatch(executor, handlers, event):
    ctx = contextvars.copy_context()
    future = executor.submit(ctx.run, handlers, event)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, future.result)
    await loop.run_in_executor(None, handlers, event)  # error: CTX203


# --- a thread that shuts pools down and hands the result back to the waiting event loop
async def join_pools(pools):
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def join():
        for pool in pools:
            pool.shutdown(wait=True)
        loop.call_soon_threadsafe(done.set_result, None)

    threading.Thread(target=join).start()
    await done


# --- the callable is built by the project's own wrapper: it carries the context only if the wrapper does
_request_local = threading.local()


def inject_request(func):
    request = getattr(_request_local, "request", None)

    def wrapper(*args):
        _request_local.request = request  # the request, not the trace context
        return func(*args)
    return wrapper


def with_trace_context(func):
    context = contextvars.copy_context()

    def wrapper(*args):
        return context.run(func, *args)
    return wrapper


def fan_out(items):
    with tracer.start_as_current_span("fan-out"):
        with ThreadPoolExecutor() as pool:
            pool.submit(inject_request(report))  # error: CTX201
            pool.submit(with_trace_context(report))
