"""Which calls hand work to another thread, greenlet or process, and which keep the caller's context.

Facts: ``../shared/domain.md`` §D (verified on CPython 3.11-3.13), §D.5 (gevent/eventlet) and the
matcher table §G.1. One :class:`HandOff` row per call shape:

- ``receiver`` + ``method`` (``<ThreadPoolExecutor>.submit``) or ``function`` (``threading.Thread``,
  ``gevent.spawn``; a class means its constructor);
- ``target``: where the callable goes (0-based position excluding ``self`` / keyword name);
- ``args``: where the callable's arguments go: ``REST`` means "every positional after the
  callable" (``submit(fn, *args)``), otherwise the ``args=`` tuple parameter (``Thread``);
- ``kind``: ``thread`` | ``executor`` | ``loop-executor`` | ``greenlet`` | ``process`` | ``safe``;
  ``safe`` rows copy the context themselves (``asyncio.to_thread``...) and are listed so that
  callers of :mod:`propagation_lint.handoffs` see every hand-off;
- ``code``: the rule that reports it; ``covered_by``: the key instrumentor rows list in
  ``covers`` (``catalog/instrumentors.py``): enabling one of them silences the row;
- ``fix``: the automatic fix shape (``prepend-run``: insert ``copy_context().run`` before the
  callable; ``target-run``: ``target=copy_context().run, args=(f, *args)``), or ``""``;
- ``per_item``: the callable runs once per item (``map``): one copy cannot serve every item.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple, Union

from .schema import ClassInfo, Factory

REST = "*"  # args: every positional argument after the callable


@dataclass(frozen=True)
class HandOff:
    kind: str
    code: str = ""
    receiver: str = ""
    method: str = ""
    function: str = ""
    target: Tuple[Optional[int], str] = (0, "fn")  # (position or None, keyword)
    args: Union[str, Tuple[Optional[int], str], None] = REST
    covered_by: str = ""
    fix: str = ""
    per_item: bool = False
    # a keyword whose presence (not None) hands the context over explicitly (3.14 Thread(context=))
    context_keyword: str = ""
    note: str = ""
    # the call's own keyword parameters: every other keyword goes to the callable (dask's
    # ``submit(f, x, carrier=c)`` calls ``f(x, carrier=c)``); empty: keywords are the call's own
    own_keywords: Tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.function:
            return self.function.rsplit(".", 1)[-1] if self.kind != "greenlet" else self.function
        return f"{self.receiver.rsplit('.', 1)[-1]}.{self.method}"


TPE = "concurrent.futures.ThreadPoolExecutor"
PPE = "concurrent.futures.ProcessPoolExecutor"
EXECUTOR = "concurrent.futures.Executor"
LOOP = "asyncio.AbstractEventLoop"
MP_POOL = "multiprocessing.pool.Pool"
THREAD_POOL = "multiprocessing.pool.ThreadPool"
THREAD = "threading.Thread"
# dask.distributed: tasks run in worker processes (often on other machines), so contextvars never reach them
DASK_CLIENT = "distributed.Client"

# multiprocessing.pool.Pool / ThreadPool: (method, callable position, args parameter)
_POOL_METHODS = (
    ("apply", (0, "func"), (1, "args")),
    ("apply_async", (0, "func"), (1, "args")),
    ("map", (0, "func"), None),
    ("map_async", (0, "func"), None),
    ("imap", (0, "func"), None),
    ("imap_unordered", (0, "func"), None),
    ("starmap", (0, "func"), None),
    ("starmap_async", (0, "func"), None),
)

_DASK_SUBMIT_KEYWORDS = ("key", "workers", "resources", "retries", "priority", "fifo_timeout",
                         "allow_other_workers", "actor", "actors", "pure")

HANDOFFS: Tuple[HandOff, ...] = (
    # --- thread pools (CTX201)
    HandOff("executor", "CTX201", TPE, "submit", covered_by="threads:ThreadPoolExecutor.submit", fix="prepend-run"),
    HandOff("executor", "CTX201", TPE, "map", args=None, covered_by="threads:ThreadPoolExecutor.map", per_item=True),
    # an `Executor`-typed value may be a process pool: reported, never auto-fixed
    HandOff("executor", "CTX201", EXECUTOR, "submit", covered_by="threads:ThreadPoolExecutor.submit"),
    HandOff("executor", "CTX201", EXECUTOR, "map", args=None, covered_by="threads:ThreadPoolExecutor.map", per_item=True),
    *(HandOff("executor", "CTX201", THREAD_POOL, m, target=t, args=a, per_item=a is None,
              note="ThreadPool workers start with the pool, so even ThreadingInstrumentor gives them a stale context")
      for m, t, a in _POOL_METHODS),
    # --- threads and timers (CTX202)
    HandOff("thread", "CTX202", function=THREAD, target=(1, "target"), args=(3, "args"),
            covered_by="threads:Thread", fix="target-run", context_keyword="context"),
    HandOff("thread", "CTX202", function="threading.Timer", target=(1, "function"), args=(2, "args"),
            covered_by="threads:Timer", fix="target-run"),
    # --- gevent / eventlet green threads start with an empty context (domain.md §D.5) (CTX202)
    HandOff("greenlet", "CTX202", function="gevent.spawn", target=(0, "run"), covered_by="threads:gevent", fix="prepend-run"),
    HandOff("greenlet", "CTX202", function="gevent.spawn_later", target=(1, "run"), covered_by="threads:gevent", fix="prepend-run"),
    HandOff("greenlet", "CTX202", function="gevent.Greenlet.spawn", target=(0, "run"), covered_by="threads:gevent", fix="prepend-run"),
    HandOff("greenlet", "CTX202", receiver="gevent.pool.Pool", method="spawn", target=(0, "run"), covered_by="threads:gevent", fix="prepend-run"),
    HandOff("greenlet", "CTX202", receiver="gevent.pool.Group", method="spawn", target=(0, "run"), covered_by="threads:gevent", fix="prepend-run"),
    HandOff("greenlet", "CTX202", function="eventlet.spawn", target=(0, "func"), fix="prepend-run"),
    HandOff("greenlet", "CTX202", function="eventlet.spawn_n", target=(0, "func"), fix="prepend-run"),
    HandOff("greenlet", "CTX202", function="eventlet.spawn_after", target=(1, "func"), fix="prepend-run"),
    HandOff("greenlet", "CTX202", receiver="eventlet.greenpool.GreenPool", method="spawn", target=(0, "function"), fix="prepend-run"),
    HandOff("greenlet", "CTX202", receiver="eventlet.greenpool.GreenPool", method="spawn_n", target=(0, "function"), fix="prepend-run"),
    # --- asyncio's executor bridge (CTX203): run_in_executor(executor, func, *args)
    HandOff("loop-executor", "CTX203", LOOP, "run_in_executor", target=(1, "func"),
            covered_by="threads:run_in_executor", fix="prepend-run"),
    # --- processes (CTX204): contextvars never cross; a carrier argument must
    HandOff("process", "CTX204", PPE, "submit", covered_by="threads:ProcessPoolExecutor.submit"),
    # run_in_executor(<a ProcessPoolExecutor>, func, *args): chosen by the executor argument's type
    HandOff("process", "CTX204", LOOP, "run_in_executor", target=(1, "func"), covered_by="threads:ProcessPoolExecutor.submit"),
    HandOff("process", "CTX204", PPE, "map", args=None, per_item=True, covered_by="threads:ProcessPoolExecutor.submit"),
    HandOff("process", "CTX204", function="multiprocessing.Process", target=(1, "target"), args=(3, "args")),
    *(HandOff("process", "CTX204", MP_POOL, m, target=t, args=a, per_item=a is None) for m, t, a in _POOL_METHODS),
    # dask.distributed Client.submit(func, *args, key=None, ...), map(func, *iterables, ...), run(function, *args, ...)
    HandOff("process", "CTX204", DASK_CLIENT, "submit", target=(0, "func"), own_keywords=_DASK_SUBMIT_KEYWORDS),
    HandOff("process", "CTX204", DASK_CLIENT, "map", target=(0, "func"), args=None, per_item=True,
            own_keywords=_DASK_SUBMIT_KEYWORDS + ("batch_size",)),
    HandOff("process", "CTX204", DASK_CLIENT, "run", target=(0, "function"),
            own_keywords=("workers", "wait", "nanny", "on_error")),
    # --- hand-offs that copy the caller's context themselves (never reported)
    HandOff("safe", function="asyncio.to_thread", target=(0, "func")),
    HandOff("safe", function="asyncio.create_task", target=(0, "coro"), args=None),
    HandOff("safe", function="asyncio.ensure_future", target=(0, "coro_or_future"), args=None),
    HandOff("safe", function="asyncio.run_coroutine_threadsafe", target=(0, "coro"), args=None),
    HandOff("safe", receiver=LOOP, method="create_task", target=(0, "coro"), args=None),
    HandOff("safe", receiver=LOOP, method="call_soon", target=(0, "callback")),
    HandOff("safe", receiver=LOOP, method="call_soon_threadsafe", target=(0, "callback")),
    HandOff("safe", receiver=LOOP, method="call_later", target=(1, "callback")),
    HandOff("safe", receiver=LOOP, method="call_at", target=(1, "callback")),
    HandOff("safe", receiver="asyncio.TaskGroup", method="create_task", target=(0, "coro"), args=None),
    HandOff("safe", function="anyio.to_thread.run_sync", target=(0, "func")),
    HandOff("safe", function="starlette.concurrency.run_in_threadpool", target=(0, "func")),
)

# Standard-library modules whose functions and objects record no telemetry and read no context
# (no instrumentation covers them): `run_in_executor(None, q.get)`, `pool.submit(shutil.rmtree, p)`,
# `run_in_executor(None, subprocess.run, cmd)` hand nothing of the caller's trace over. (`urllib`,
# `http.client`, `sqlite3`, `logging` are not here: instrumentations cover them.)
INERT_MODULES = ("queue", "os", "shutil", "time", "subprocess", "json", "hashlib", "zlib", "gzip", "bz2",
                 "lzma", "pickle", "glob", "fnmatch", "math", "struct", "base64", "tempfile", "pathlib",
                 "io", "csv", "zipfile", "tarfile", "contextlib", "signal", "select", "errno", "sys", "traceback",
                 "faulthandler", "gc", "platform")

# Callables that serve work arriving later from elsewhere (each request/message brings or starts its
# own trace): a thread running one of them is not a hand-off of the caller's work.
SERVICE_LOOPS = ("serve_forever", "run_forever", "loop_forever", "start_consuming", "run_until_complete")
# Calls that run a server until it stops: a worker making one is a service too.
SERVICE_RUNNERS = ("uvicorn.run", "werkzeug.serving.run_simple", "waitress.serve", "aiohttp.web.run_app",
                   "hypercorn.asyncio.serve", "hypercorn.trio.serve")
# A thread whose callable is a method of a class named like this (or deriving from one) runs a server.
SERVICE_CLASS_HINT = r"(?i)server(thread)?$"
# A worker whose body is a top-level ``while`` loop on one of these tests is a long-lived service
# (a poller, a flusher, a queue drainer started once): it serves work arriving later, and the context
# of whoever started it would be wrong for all of that work. ``while <flag>`` / ``while self.<attr>`` /
# ``while not <event>.is_set()`` / ``while True``; not ``while not q.empty()`` or ``while n < 3``.
SERVICE_WAIT_METHODS = ("is_set", "wait", "is_alive")
# Methods that set an object up (make it, enter it, start or connect it): a thread, process or
# executor job started in one of them, where nothing in the project calls it (a library's class,
# made and started by its user), serves the object for its lifetime (a reader, a supervisor, a
# warm worker, a one-off set-up step), not the unit of work of whoever happened to set it up.
# (also with a leading underscore: `_start`, `_launch`)
SETUP_METHODS = ("__init__", "__post_init__", "__enter__", "__aenter__", "start", "astart", "launch", "open",
                 "connect", "setup", "set_up", "initialize", "initialise", "init", "startup", "handle_init")
# Methods that change a container in place: on a worker's local they record nothing.
CONTAINER_METHODS = ("append", "extend", "insert", "pop", "popleft", "appendleft", "clear", "update", "add",
                     "discard", "remove", "setdefault", "sort", "reverse")
# Methods of a file the worker opened itself (`with open(path, "w") as f: f.write(line)`): file I/O
# records nothing.
FILE_METHODS = ("write", "writelines", "read", "readline", "readlines", "flush", "seek", "tell", "truncate")
# Blocking waits handed to a thread so an event loop does not block (`run_in_executor(None,
# future.result)`, `thread.join`): the work waited for runs elsewhere; the wait records nothing.
BLOCKING_WAITS = ("result", "exception", "wait", "join", "acquire")
# A worker that only calls these (and a logger) winds something down: it records nothing of the
# caller's work (threads that shut the telemetry providers down in parallel at exit)
WIND_DOWN_METHODS = ("shutdown", "force_flush", "flush", "close", "aclose", "stop", "join", "cancel", "terminate",
                     # and hands the result back to the thread waiting for it
                     "call_soon_threadsafe", "set_result", "set_exception")
LOGGER_NAMES = ("logger", "log", "logging", "LOGGER", "LOG", "_logger", "_log")

# Calls that capture the caller's context (on the submitting side).
CAPTURE_CALLS = (
    "contextvars.copy_context",
    "opentelemetry.context.get_current",
    "ddtrace.tracer.current_trace_context",
    "ddtrace.trace.tracer.current_trace_context",
)
CAPTURE_METHODS = ("copy_context", "get_current", "current_trace_context",
                   # the current span, captured to be handed over as an explicit parent
                   "get_current_span", "current_span")

# Calls that make a captured context current in the worker.
ATTACH_CALLS = (
    "opentelemetry.context.attach",
    "opentelemetry.trace.use_span",
)
ATTACH_METHODS = ("attach", "activate", "use_span")
# Span starters whose keyword gives the new span a parent (or links) explicitly (OpenTelemetry,
# OpenTracing's ``start_active_span``, ddtrace / haystack-style ``trace(..., parent_span=)``).
SPAN_STARTERS = ("start_as_current_span", "start_span", "start_active_span", "trace")
PARENT_KEYWORDS = ("context", "child_of", "links", "parent_span", "parent_context")
# Keywords that hand a worker's context parameter on as an explicit parent to any call (a project's
# own span helper): ``_traced_call(..., parent_span=parent_span)`` where ``parent_span`` is a parameter.
PARENT_FORWARD_KEYWORDS = ("child_of", "parent_span", "parent_context", "span_context", "trace_context")
# Calls that read the context back from a carrier in the worker (process children).
EXTRACT_METHODS = ("extract",)

# Types that are a trace context as data: a work item (a project class) that declares a member of
# one of these types (``def get_tracing_span_context(self) -> SpanContext``, ``span_context:
# SpanContext`` in ``__init__``) carries its caller's context to the worker, which re-attaches it.
CARRIED_CONTEXT_TYPES = ("opentelemetry.trace.SpanContext", "opentelemetry.trace.span.SpanContext",
                         "opentelemetry.context.Context", "opentelemetry.context.context.Context")

# The `contextvars.Context` type and the call that makes a fresh copy.
CONTEXT_TYPE = "contextvars.Context"
COPY_CONTEXT = "contextvars.copy_context"
PARTIAL = "functools.partial"

# Modules whose import makes an unresolved `x.submit(...)` on a name like "executor" a thread pool.
EXECUTOR_HINT = r"(?i)^(self\.)?_*(thread_?)?(executor|thread_?pool|tpe)s?$"
EXECUTOR_HINT_MODULES = ("concurrent.futures",)

CLASSES = (
    ClassInfo("asyncio.TaskGroup", "stdlib", ("asyncio.taskgroups.TaskGroup",)),
    ClassInfo("gevent.pool.Pool", "gevent"),
    ClassInfo("gevent.pool.Group", "gevent"),
    ClassInfo("gevent.Greenlet", "gevent", ("gevent.greenlet.Greenlet",)),
    ClassInfo("eventlet.greenpool.GreenPool", "eventlet", ("eventlet.GreenPool",)),
    ClassInfo("multiprocessing.context.BaseContext", "stdlib"),
    ClassInfo(DASK_CLIENT, "dask.distributed", ("dask.distributed.Client", "distributed.client.Client")),
)
FACTORIES = (
    Factory("gevent.pool.Pool", "__enter__", "gevent.pool.Pool"),
    Factory("multiprocessing.get_context", "()", "multiprocessing.context.BaseContext"),
    Factory("multiprocessing.context.BaseContext", "Pool", "multiprocessing.pool.Pool"),
    Factory("multiprocessing.context.BaseContext", "Process", "multiprocessing.Process"),
    Factory("asyncio.TaskGroup", "__enter__", "asyncio.TaskGroup"),
    Factory(DASK_CLIENT, "__enter__", DASK_CLIENT),
    Factory("distributed.get_client", "()", DASK_CLIENT),
    Factory("dask.distributed.get_client", "()", DASK_CLIENT),
    Factory("distributed.worker.get_client", "()", DASK_CLIENT),
)

# The code each finding proposes (domain.md §D.4). ``{call}`` is the hand-off call's callee text,
# ``{fn}`` the callable's text, ``{run}`` this file's spelling of ``contextvars.copy_context().run``.
SUGGESTIONS = {
    "executor": (
        "run the callable in a fresh copy of the caller's context, one copy per submit:\n"
        "{call}({run}, {fn}, ...)\n"
        "or enable opentelemetry.instrumentation.threading.ThreadingInstrumentor (ddtrace: the futures integration)"
    ),
    "executor-map": (
        "map() would need one copy per item (two workers cannot enter one Context at once), and a copy\n"
        "made inside the worker copies the worker's empty context; copy on the calling thread instead:\n"
        "futures = [{receiver}.submit({run}, {fn}, item) for item in items]\n"
        "results = [f.result() for f in futures]\n"
        "or enable ThreadingInstrumentor, which wraps every submit() that map() makes"
    ),
    "thread-pool": (
        "multiprocessing.pool.ThreadPool threads start with the pool: run each task in a fresh copy:\n"
        "{call}({run}, ({fn}, *args))  # apply/apply_async; for map, submit one copy per item"
    ),
    "thread": (
        "start the thread in a copy of the caller's context:\n"
        "{call}(target={run}, args=({fn}, *args))\n"
        "on Python 3.14+: {call}(target={fn}, args=..., context=contextvars.copy_context())\n"
        "or enable ThreadingInstrumentor (it covers Thread and Timer, not subclasses that override run())"
    ),
    "timer": (
        "run the timer's function in a copy of the caller's context:\n"
        "{call}(interval, {run}, args=({fn}, *args))"
    ),
    "greenlet": (
        "greenlets start with an empty context: run the function in a copy of the caller's:\n"
        "{call}({run}, {fn}, *args)"
    ),
    "loop-executor": (
        "run the function in a copy of the caller's context:\n"
        "await {call}(executor, {run}, {fn}, *args)"
    ),
    "loop-executor-default": (
        "asyncio.to_thread copies the context and uses the same default executor:\n"
        "await asyncio.to_thread({fn}, *args)\n"
        "or keep run_in_executor with a copy: await {call}(None, {run}, {fn}, *args)"
    ),
    "process": (
        "contextvars never cross a process boundary: inject the context into a carrier, pass it as an\n"
        "argument, and extract it in the child:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}({fn}, ..., carrier)\n"
        "# in {fn}: ctx = opentelemetry.propagate.extract(carrier)\n"
        "#          with tracer.start_as_current_span(\"...\", context=ctx): ..."
    ),
    "attach": (
        "make the context current in the worker:\n"
        "token = opentelemetry.context.attach(ctx)\n"
        "try:\n"
        "    ...\n"
        "finally:\n"
        "    opentelemetry.context.detach(token)"
    ),
    "thread-subclass": (
        "capture the caller's context when the thread is created (or started) and enter it in run():\n"
        "def __init__(self, ...):\n"
        "    super().__init__(...)\n"
        "    self._context = contextvars.copy_context()\n"
        "def run(self):\n"
        "    self._context.run(self._work)\n"
        "ThreadingInstrumentor does not help: it patches Thread.run, which this class overrides"
    ),
    "shared-copy": (
        "make a fresh copy for every hand-off, on the calling thread:\n"
        "{call}(contextvars.copy_context().run, {fn}, ...)"
    ),
}
