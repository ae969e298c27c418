"""CTX303 extracted-context-unused: a context is extracted and then never used."""
from __future__ import annotations

import libcst as cst

from ..consuming import extract_calls
from ..rule import Rule


class ExtractedContextUnused(Rule):
    code = "CTX303"
    name = "extracted-context-unused"
    message = "the extracted trace context is never used as a parent, a link or the current context"
    trigger_words = ("extract",)
    needs_library_import = True

    what_it_does = """
        Reports `extract(...)` calls (OpenTelemetry `propagate.extract`, a propagator's `.extract`,
        ddtrace `HTTPPropagator.extract`, OpenTracing `tracer.extract`) whose result is thrown away:
        the call is a bare statement, or the variable it is assigned to is never read.
        """
    why_bad = """
        Extracting does nothing by itself: the context must become a span's parent (`context=`),
        a link (`links=[Link(...)]`), or the current context (`context.attach(...)`). Code that
        extracts and then starts its span without it looks connected and is not.
        """
    example = """
        ```python
        ctx = extract(carrier)
        with tracer.start_as_current_span("process"):
            handle(message)
        ```
        """
    use_instead = """
        ```python
        ctx = extract(carrier)
        with tracer.start_as_current_span("process", context=ctx):
            handle(message)
        ```
        """
    fix_safety = "No automatic fix: whether the context should be the parent or a link is a design decision."

    def check(self, model, ctx):
        for scope in list(model.functions()) + [model.root]:
            for ex in extract_calls(scope, ctx):
                site = ex.site
                unused = _unused(site, scope)
                if unused is None:
                    continue
                yield ctx.candidate(
                    self, site.node, scope=scope, target="extract", message=unused,
                    suggestion=("pass it on: `with tracer.start_as_current_span(name, context=ctx)`, or link to it:\n"
                                "`links=[Link(trace.get_current_span(ctx).get_span_context())]`, or make it current:\n"
                                "`token = context.attach(ctx)` ... `context.detach(token)`"),
                    statement=site.statement,
                )


def _unused(site, scope):
    stmt = site.statement
    if not isinstance(stmt, cst.SimpleStatementLine):
        return None
    for small in stmt.body:
        if isinstance(small, cst.Expr) and small.value is site.node:
            return "the result of extract() is discarded: the extracted trace context is never used"
        if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is site.node:
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            if len(targets) != 1 or not isinstance(targets[0], cst.Name) or targets[0].value == "_":
                return None
            name = targets[0].value
            if scope.kind == "module":
                return None  # a module-level value may be imported elsewhere
            if _reads(scope.node, name, targets[0]) == 0:
                return f"`{name}` is extracted here and never used: the span it should parent or link starts without it"
    return None


def _reads(node, name: str, exclude) -> int:
    count = [0]

    class V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            if n.value == name and n is not exclude:
                count[0] += 1

    node.visit(V())
    return count[0]
