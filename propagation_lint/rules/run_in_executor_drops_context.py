"""CTX203 run-in-executor-drops-context: ``loop.run_in_executor`` runs the function without the context."""
from __future__ import annotations

from ..handoffs import HandOffRuleMixin, short
from ..rule import Rule
from .executor_drops_context import SCOPE_OPTION


class RunInExecutorDropsContext(HandOffRuleMixin, Rule):
    code = "CTX203"
    name = "run-in-executor-drops-context"
    message = "loop.run_in_executor runs the function without the caller's trace context"
    fixable = "sometimes"
    trigger_words = ("run_in_executor",)

    what_it_does = """
        Reports `loop.run_in_executor(executor, func, *args)` calls (any loop: `asyncio.get_running_loop()`,
        `get_event_loop()`, a `loop` attribute or parameter) whose function does not run in the
        caller's context. Unlike `asyncio.create_task`, `loop.call_soon*` and `asyncio.to_thread`,
        `run_in_executor` does not copy the context. When the executor is a process pool, CTX204
        reports it instead.

        Not reported: `func` given as `<fresh copy_context()>.run` or `functools.partial(ctx.run, ...)`,
        a worker that attaches a captured context, an executor argument of a project class whose
        `submit` captures the context or whose workers replay the context its constructor copied
        (as for CTX201), projects with `ThreadingInstrumentor` or
        ddtrace's futures integration enabled (both wrap the executor's `submit`), and a messaging
        client's own calls that send nothing (`consumer.poll`, `consumer.commit`, `producer.flush`),
        and standard-library calls that record nothing (`q.get`, `subprocess.run`), a worker of the
        same file that only calls them, and blocking waits (`run_in_executor(None, future.result)`:
        the work waited for runs elsewhere).
        """
    why_bad = """
        The function runs on an executor thread whose context is empty: spans it makes start new
        traces, and the awaiting request's trace shows a gap.
        """
    example = """
        ```python
        import asyncio

        async def thumbnail(image):
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, resize, image)
        ```
        """
    use_instead = """
        ```python
        import asyncio

        async def thumbnail(image):
            return await asyncio.to_thread(resize, image)  # copies the context (Python 3.9+)
        ```

        or, to keep a specific executor:
        `await loop.run_in_executor(executor, contextvars.copy_context().run, resize, image)`.
        """
    fix_safety = """
        The fix inserts `contextvars.copy_context().run` before the function (and `import contextvars`
        once); it does not switch to `asyncio.to_thread`, which would change the executor. It is
        **unsafe**: the function now sees every `ContextVar` of the calling task (including an async
        library's markers such as sniffio's), which can change behaviour. The fix is offered also when
        the loop is recognised only by the method's name (asyncio's and tornado's `run_in_executor`
        share the signature).
        """
    options = SCOPE_OPTION

    def describe(self, hs, ctx):
        call = short(ctx, hs.site.node.func)
        fn = short(ctx, hs.callable) if hs.callable is not None else "the function"
        return f"`{call}(..., {fn})` runs `{fn}` on an executor thread without the caller's trace context"
