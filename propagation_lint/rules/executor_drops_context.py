"""CTX201 executor-drops-context: work submitted to a thread pool runs without the caller's trace."""
from __future__ import annotations

from ..handoffs import HandOffRuleMixin, short
from ..rule import Rule

SCOPE_OPTION = """
    - `thread-scope = "auto" | "contextvars" | "always" | "never"` (default `"auto"`): thread rules
      report only in processes that use tracing (`opentelemetry` beyond its metrics and logs,
      `ddtrace`, `opentracing`, an instrumentation) and in files that import `contextvars`
      themselves; `"contextvars"` also anywhere in a process that uses `contextvars` (request
      ids, tenants); `"always"` reports everywhere, `"never"` turns
      CTX201-CTX205 off.
    - `auto-instrumented = ["threading"]`: your deployment enables `ThreadingInstrumentor` in a way
      the linter cannot see (`opentelemetry-instrument` launch lines are found on their own).
    """


class ExecutorDropsContext(HandOffRuleMixin, Rule):
    code = "CTX201"
    name = "executor-drops-context"
    message = "work submitted to a thread pool runs without the caller's trace context"
    fixable = "sometimes"
    trigger_words = ("submit", "ThreadPoolExecutor", "ThreadPool", "Executor", "apply_async", "starmap")

    what_it_does = """
        Checks `submit()` and `map()` on `concurrent.futures.ThreadPoolExecutor` (held in a variable,
        an attribute, a `with ... as` target, a module-level executor imported from another module, or
        a parameter annotated as an executor, and project subclasses of it) and the task methods of
        `multiprocessing.pool.ThreadPool` (`apply_async`, `map`, `starmap`...), and reports the ones
        whose callable runs without the caller's context.

        Not reported: a callable that is `<fresh copy_context()>.run` (also through
        `functools.partial(ctx.run, ...)`), a worker that attaches a context captured at submit time
        (`opentelemetry.context.attach`, `ctx.run`, a span started with `context=`), an executor class
        whose own `submit` captures the context, or whose `__init__` copies it and passes an
        initializer that sets it in each worker (`initializer=`, or by position to the base's
        `__init__`; recognised across modules and namespace packages), a pool made in the same
        function with `initializer=` and `initargs=` holding a `copy_context()`, executors you only hand
        to a framework (`grpc.server(executor)`), and projects where `ThreadingInstrumentor` or
        ddtrace's futures integration is enabled (they wrap `ThreadPoolExecutor.submit`, hence `map`;
        not `multiprocessing.pool.ThreadPool`), and a messaging client's own calls that send nothing
        (`consumer.poll`, `consumer.commit`, `producer.flush`, `close`: a consumer's span takes its
        parent from the message, not from the thread), and standard-library calls that record
        nothing (`q.get`, `subprocess.run`, `shutil.rmtree`: `INERT_MODULES` in `catalog/threads.py`),
        or a worker of the same file that only calls them, and blocking waits (`future.result`).
        A callable built by the project's own wrapper (`pool.submit(inject_request(func))`) is
        reported unless the wrapper, a function nested in it or a method of its class makes a
        captured context current; one built by a library's call is not judged.
        """
    why_bad = """
        On CPython up to 3.13 (and GIL builds of 3.14) a pool thread runs every task in its own
        context, not the submitter's: `opentelemetry.context.get_current()` is empty there, so the
        worker's spans start new, unrelated traces and its logs lose the trace id. On 3.14 with
        `thread_inherit_context` a worker keeps the context of the submit that *started* it, which is
        stale for every later task.
        """
    example = """
        ```python
        from concurrent.futures import ThreadPoolExecutor

        executor = ThreadPoolExecutor(max_workers=4)

        def handle(order):
            executor.submit(charge, order.id, amount=order.total)
        ```
        """
    use_instead = """
        ```python
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        executor = ThreadPoolExecutor(max_workers=4)

        def handle(order):
            executor.submit(contextvars.copy_context().run, charge, order.id, amount=order.total)
        ```

        `map()` has no mechanical fix: one copy cannot be entered by two workers at once, and a copy
        made inside the worker copies the worker's empty context. Submit one copy per item instead
        (the finding shows how).
        """
    fix_safety = """
        The fix for `submit()` inserts `contextvars.copy_context().run` before the callable (and
        `import contextvars` once). It is **unsafe**: the worker now sees every `ContextVar` the caller
        had set (not only the trace: request-scoped state, `decimal` contexts, an async library's
        markers such as sniffio's), and values a task sets no longer persist in that pool thread for
        its next task. No fix is offered for `map()`, for `ThreadPool` methods, for executors typed only
        as `concurrent.futures.Executor` (it may be a process pool, and a `Context` cannot be pickled),
        nor for receivers recognised only by their name.
        """
    options = SCOPE_OPTION

    def describe(self, hs, ctx):
        call = short(ctx, hs.site.node.func)
        fn = short(ctx, hs.callable) if hs.callable is not None else "the callable"
        if hs.row.per_item:
            return f"`{call}({fn}, ...)` runs every item on a pool thread without the caller's trace context"
        return f"`{call}({fn}, ...)` runs `{fn}` on a pool thread without the caller's trace context"
