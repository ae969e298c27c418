"""CTX205 shared-context-copy: one ``copy_context()`` entered by two concurrent hand-offs."""
from __future__ import annotations

from ..catalog.threads import SUGGESTIONS
from ..handoffs import handoff_sites, scope_requires, short
from ..rule import Rule
from .executor_drops_context import SCOPE_OPTION


_WHY = {
    "map": "map() runs every item in this one copy, concurrently",
    "loop": "the copy is made once, outside the loop, and entered on every iteration",
    "module": "the copy is made once at module level and entered by every call",
    "reused": "an earlier hand-off may still be running in the same copy",
}


class SharedContextCopy(Rule):
    code = "CTX205"
    name = "shared-context-copy"
    message = "one contextvars.Context is entered by two concurrent hand-offs"
    fixable = "never"
    trigger_words = ("copy_context",)
    needs_library_import = True

    what_it_does = """
        Reports a `contextvars.Context` (from `copy_context()`) whose `run` is handed to threads more
        than once while an earlier hand-off may still run: a copy made once before a loop of submits,
        one copy used by two submits or threads, a module-level copy, or `executor.map(ctx.run, ...)`
        (every item runs in the one copy). Hand-offs awaited or waited for (`.result()`) at once do not
        overlap and are not reported.
        """
    why_bad = """
        A `Context` can be entered by one thread at a time: the second concurrent `ctx.run` raises
        `RuntimeError: cannot enter context: <Context> is already entered`. The task fails, often only
        under load, when two tasks happen to overlap.
        """
    example = """
        ```python
        import contextvars

        def fan_out(executor, items):
            ctx = contextvars.copy_context()
            for item in items:
                executor.submit(ctx.run, process, item)
        ```
        """
    use_instead = """
        ```python
        import contextvars

        def fan_out(executor, items):
            for item in items:
                executor.submit(contextvars.copy_context().run, process, item)
        ```
        """
    fix_safety = """
        No automatic fix: where the copy should be made (and whether the shared state was intended)
        needs a human decision.
        """
    options = SCOPE_OPTION

    def check(self, model, ctx):
        scope_req = scope_requires(ctx)
        if scope_req is None:
            return
        for hs in handoff_sites(model, ctx):
            if hs.carry != "shared-copy":
                continue
            site = hs.site
            related = []
            call = short(ctx, site.node.func)
            why = _WHY.get(hs.shared_reason, _WHY["loop"])
            if hs.shared_reason == "reused" and hs.carry_node is not None:
                related.append(ctx.related(hs.carry_node, "an earlier hand-off enters the same context here"))
            fn = short(ctx, hs.callable) if hs.callable is not None else "ctx.run"
            yield ctx.candidate(
                self, site.node, scope=site.scope, target=f"{hs.row.label}:{fn}",
                message=f"`{call}(...)` hands over `{fn}`, a context another hand-off may be running: {why} "
                        "(RuntimeError: cannot enter context)",
                suggestion=SUGGESTIONS["shared-copy"].format(call=ctx.code_for(site.node.func), fn="fn"),
                related=related, requires=scope_req + hs.requires, statement=site.statement,
            )
