"""CTX204 process-boundary-needs-carrier: work sent to another process never carries contextvars."""
from __future__ import annotations

from ..handoffs import HandOffRuleMixin, short
from ..rule import Rule
from .executor_drops_context import SCOPE_OPTION


class ProcessBoundaryNeedsCarrier(HandOffRuleMixin, Rule):
    code = "CTX204"
    name = "process-boundary-needs-carrier"
    message = "work handed to another process needs the trace context in a carrier argument"
    fixable = "never"
    fix_rows = False
    trigger_words = ("ProcessPoolExecutor", "multiprocessing", "Process", "Pool", "apply_async", "starmap")

    what_it_does = """
        Reports `ProcessPoolExecutor.submit` / `map`, `multiprocessing.Process(target=...)` and
        `multiprocessing.Pool` task methods (`apply`, `apply_async`, `map`, `map_async`, `imap`,
        `imap_unordered`, `starmap`, `starmap_async`), also through `multiprocessing.get_context(...)`,
        and dask.distributed `Client.submit` / `map` / `run` (tasks run in worker processes, often on
        other machines), when no argument carries an injected trace context and the child function
        (when the linter can see it) does not extract and use one.
        """
    why_bad = """
        A child process never receives the parent's contextvars: with `spawn` / `forkserver` (the
        default on macOS, Windows, and Linux from 3.14) they are empty, and with `fork` the worker sees
        the value frozen when it was forked, never the current request's. No instrumentor can fix this:
        the context must travel as data.
        """
    example = """
        ```python
        from concurrent.futures import ProcessPoolExecutor

        def render(report_id):
            with ProcessPoolExecutor() as pool:
                return pool.submit(build_pdf, report_id).result()
        ```
        """
    use_instead = """
        ```python
        from concurrent.futures import ProcessPoolExecutor
        from opentelemetry import propagate, trace

        def render(report_id):
            carrier = {}
            propagate.inject(carrier)
            with ProcessPoolExecutor() as pool:
                return pool.submit(build_pdf, report_id, carrier).result()

        def build_pdf(report_id, carrier):
            ctx = propagate.extract(carrier)
            with trace.get_tracer(__name__).start_as_current_span("build-pdf", context=ctx):
                ...
        ```
        """
    fix_safety = """
        No automatic fix: the child function's signature has to change to receive the carrier.
        """
    options = SCOPE_OPTION

    def describe(self, hs, ctx):
        call = short(ctx, hs.site.node.func)
        fn = short(ctx, hs.callable) if hs.callable is not None else "the function"
        return (f"`{call}(...)` runs `{fn}` in another process: contextvars never cross it, and no "
                "argument carries the trace context")
