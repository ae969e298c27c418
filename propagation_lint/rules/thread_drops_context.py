"""CTX202 thread-drops-context: a new thread, timer or greenlet starts with an empty context."""
from __future__ import annotations

from ..catalog.threads import SUGGESTIONS
from ..handoffs import HandOffRuleMixin, scope_requires, short, thread_subclasses
from ..rule import Rule
from .executor_drops_context import SCOPE_OPTION


class ThreadDropsContext(HandOffRuleMixin, Rule):
    code = "CTX202"
    name = "thread-drops-context"
    message = "a new thread starts without the caller's trace context"
    fixable = "sometimes"
    trigger_words = ("Thread", "Timer", "spawn", "spawn_n", "spawn_later", "spawn_after", "gevent", "eventlet")

    what_it_does = """
        Reports `threading.Thread(target=...)` and `threading.Timer(interval, function)` whose callable
        does not run in the caller's context, `gevent.spawn` / `spawn_later`, gevent pools, and
        `eventlet.spawn` / `spawn_n` / `spawn_after` / `GreenPool.spawn`, and `Thread` subclasses whose
        `run()` does the work without entering a captured context (reported on `run`, even when
        `ThreadingInstrumentor` is on: it patches `Thread.run`, which the subclass overrides).

        Not reported: `target=<fresh copy_context()>.run`, Python 3.14's `Thread(context=...)`, a
        worker that attaches the context it receives (a sibling worker that receives it but never
        attaches it *is* reported), a `Thread` subclass whose `run` makes a copied context current
        (`for var, value in context.items(): var.set(value)`, also in a helper of another module)
        or that every maker hands a fresh copy's `run` as its callable, a service thread (its
        target, or the method of its class the target hands over to, loops `while True:` or on a
        stop flag or event), threads started by code that only a service loop reaches (it serves
        later work), a target that only shuts something down, flushes or closes it (and logs), a
        target of the same file whose every call is to the standard library's inert modules,
        builtins or its own locals' containers (reaps a child with `process.wait()`, drains a pipe
        with `os.read`: `INERT_MODULES` in `catalog/threads.py`), and
        projects where `ThreadingInstrumentor` is on (for `Thread` and `Timer`) or ddtrace's gevent
        integration (for gevent).
        """
    why_bad = """
        A new thread (on CPython up to 3.13 and GIL builds of 3.14) and a new greenlet start with an
        empty context: spans made there start new traces, and the caller's trace never shows the work.
        """
    example = """
        ```python
        import threading

        def handle(order):
            threading.Thread(target=send_receipt, args=(order.id,)).start()
        ```
        """
    use_instead = """
        ```python
        import contextvars
        import threading

        def handle(order):
            threading.Thread(target=contextvars.copy_context().run, args=(send_receipt, order.id)).start()
        ```
        """
    fix_safety = """
        For `Thread(target=f, args=(a,))` and `Timer(i, f, args=...)` the fix makes the target
        `contextvars.copy_context().run` and moves `f` to the front of `args`; for gevent and eventlet
        it inserts `contextvars.copy_context().run` before the function. It is **unsafe**: the new
        thread now sees every `ContextVar` the caller had set, not only the trace, which can change
        behaviour (request-scoped state, `decimal` contexts, an async library's markers); and on
        Python 3.10+ a `Thread` given no `name` is named after its target, so its default name
        changes from `Thread-1 (f)` to `Thread-1 (run)` (logs and thread dumps show it; pass
        `name=` to keep one). The name `contextvars` (or `copy_context`) is imported under a free
        name when the file uses it for something else. No fix when a
        positional argument follows the callable but `args` is not given (`Thread(None, f, "name")`),
        nor for `Thread` subclasses.
        """
    options = SCOPE_OPTION

    def describe(self, hs, ctx):
        call = short(ctx, hs.site.node.func)
        fn = short(ctx, hs.callable) if hs.callable is not None else "the callable"
        what = "greenlet" if hs.row.kind == "greenlet" else "thread"
        return f"`{call}(...)` runs `{fn}` in a new {what} without the caller's trace context"

    def check(self, model, ctx):
        yield from super().check(model, ctx)
        scope_req = scope_requires(ctx)
        if scope_req is None:
            return
        for sub in thread_subclasses(model, ctx):
            run = sub.run.node
            yield ctx.candidate(
                self, run.name, scope=sub.cls, target=f"run:{sub.cls.qname}",
                message=(f"`{sub.cls.name}.run()` runs without the trace context of the code that started "
                         "the thread (ThreadingInstrumentor does not cover subclasses that override run())"),
                suggestion=SUGGESTIONS["thread-subclass"], requires=scope_req + sub.requires,
                unless=sub.unless, statement=run,
            )
