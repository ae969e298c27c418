"""CTX306 attach-without-detach: a context made current is not given back on every path."""
from __future__ import annotations

import libcst as cst

from ..fixbuilder import imported_name, make_fix, statement_indent
from ..findings import Edit
from ..rule import Rule
from ..tokens import (block_frames, continues_after_exceptions, earlier_token, first_leak, last_statement,
                      inside_current_span_block, process_setup, render_try, restored_by_reattach, token_sites,
                      wrap_fix_edit)


class AttachWithoutDetach(Rule):
    code = "CTX306"
    name = "attach-without-detach"
    message = "a context is made current and not detached on every path"
    fixable = "sometimes"
    trigger_words = ("attach", "activate")
    needs_library_import = True

    what_it_does = """
        Reports `token = opentelemetry.context.attach(ctx)` (and OpenTracing's
        `scope = tracer.scope_manager.activate(span, ...)`) when the token is not given back on every
        path out of the code that attached it: there is no `context.detach(token)` at all, a
        `return`, `continue`, `break` or `raise` leaves before it, the loop body ends without it, or,
        in a loop or a `try` with `except` handlers (where the thread goes on after an exception),
        it is not in a `finally` and a call between the two may raise. Also reports an `attach(...)`
        whose token is thrown away while the function goes on to do more work.

        Not reported: a token kept on an object or in a container, returned, or handed to a helper
        (another method gives it back: OpenTelemetry's confluent-kafka instrumentation detaches the
        previous message's token on the next `poll()`); `attach` inside a `try` whose `finally`
        detaches; `if token: detach(token)`, and a detach under the condition the attach ran under
        (`if enabled: token = attach(ctx)` then `finally: if enabled: detach(token)`), or while the
        attached context is still the current one (`if ctx is context.get_current(): detach(token)`,
        a best-effort detach for a `finally` that may run in another `contextvars.Context`);
        `with scope_manager.activate(...)`; an attach inside `with
        tracer.start_as_current_span(...):` (or `use_span`, `start_active_span`) with no loop or
        catching `try` between the two (the block's exit gives the context back its value from
        before the block); a `finally` that attaches again the context saved before the attach
        (`previous = context.get_current()`, then `finally: context.attach(previous)`: the context
        from before is current again); a thrown-away token when nothing but other such attaches
        follows it in its function (a helper that makes a context current for its caller, one
        value after another), in process setup (a function named like
        `setup`/`init`/`configure`/`main`, or that
        calls `set_tracer_provider`: the context is meant to stay for the process's life), or when a
        token attached earlier in the function is detached or kept (its detach restores the context
        from before both); an exception path out of a function that is not in
        a loop or a `try` (whoever catches it decides what runs next).
        """
    why_bad = """
        `attach` makes a context current for the rest of the thread (or task), not for a block. If it
        is never detached, every span started later in that thread has the attached context as
        parent: in a consumer loop, the spans of every later message join the trace of the message
        that happened to be attached first, and an exception that skips the `detach` leaves the
        previous message's context in place for the next one. Detaching a token out of order later
        logs `Failed to detach context` and leaves the wrong context current.

        A thread that attaches once and ends (a `Thread` target) loses nothing when its token is
        not detached; write `# noqa: CTX306` there.
        """
    example = """
        ```python
        while running:
            record = consumer.poll(1.0)
            token = context.attach(extract(dict(record.headers() or [])))
            if record.error():
                continue
            process(record)
            context.detach(token)
        ```
        """
    use_instead = """
        ```python
        while running:
            record = consumer.poll(1.0)
            token = context.attach(extract(dict(record.headers() or [])))
            try:
                if record.error():
                    continue
                process(record)
            finally:
                context.detach(token)
        ```
        """
    fix_safety = """
        Where the only `detach(token)` is a statement in the same block as the `attach`, the fix
        moves the statements between them into `try:` and the `detach` into `finally:`. It is
        **safe**: the normal path is unchanged, and early exits and exceptions now detach too.

        Where there is no `detach` at all and the `attach` is in a function or loop body, the fix wraps
        the rest of that body in `try: ... finally: context.detach(token)`. It is **unsafe**: the
        context is no longer current after that body, which code relying on it staying attached
        would notice. No fix is offered for other shapes (several `detach` calls, a `detach` in a
        nested block, a discarded token).
        """

    def check(self, model, ctx):
        for scope in model.functions():
            sites = token_sites(scope, ctx)
            for ts in sites:
                if ts.keep in ("kept", "with") or restored_by_reattach(ts, ctx) or inside_current_span_block(ts):
                    continue  # (a `finally` that attaches the context saved before restores it; so does a span block's exit)
                call = ts.site.node
                text = _short(ctx, call)
                if ts.keep == "discarded":
                    if last_statement(ts, sites) or earlier_token(ts, sites) or process_setup(ts, ctx):
                        continue  # a helper making a context current for its caller; undone by an earlier token's detach
                    yield ctx.candidate(
                        self, call, scope=scope, target=f"discarded:{text}", statement=ts.site.statement,
                        message=(f"the token of `{text}` is thrown away: this context can never be detached, and "
                                 "every span this thread starts later has it as parent"),
                        suggestion=_suggestion(ts, ctx, "token"),
                    )
                    continue
                leak = first_leak(ts, ctx)
                if leak is None or leak.kind == "exception" and not continues_after_exceptions(ts):
                    continue
                message, related = _describe(ts, leak, ctx, text)
                yield ctx.candidate(
                    self, call, scope=scope, target=f"{ts.name}:{text}", statement=ts.site.statement,
                    message=message, related=related, suggestion=_suggestion(ts, ctx, ts.name),
                    fix=_fix(ts, leak, ctx),
                )


def _short(ctx, node, limit: int = 50) -> str:
    text = " ".join(ctx.code_for(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _detach_text(ts, ctx, name: str) -> str:
    if ts.form == "method":
        return f"{name}.{ts.closer}()"
    func = ts.site.node.func
    if isinstance(func, cst.Attribute):  # context.attach -> context.detach
        return f"{ctx.code_for(func.value)}.{ts.closer.rsplit('.', 1)[-1]}({name})"
    got = imported_name(ctx, ts.site.scope, ts.closer)
    spelled = got[0] if got is not None else ts.closer
    return f"{spelled}({name})"


def _suggestion(ts, ctx, name: str) -> str:
    call = ctx.code_for(ts.site.node)
    detach = _detach_text(ts, ctx, name)
    return f"{name} = {call}\ntry:\n    ...\nfinally:\n    {detach}"


def _describe(ts, leak, ctx, text: str):
    detach = _detach_text(ts, ctx, ts.name)
    related = [ctx.related(c, "detached here") for c in ts.detaches[:2]]
    where = ""
    if leak.node is not None and leak.kind not in ("function-end",):
        where = f" (line {ctx.location(leak.node).line})"
    if leak.kind == "never":
        return (f"`{ts.name}` from `{text}` is never detached: every span this thread starts later has this "
                "context as parent (in a loop: later messages' spans join this one's trace)"), related
    if leak.kind in ("return", "continue", "break", "raise"):
        related.insert(0, ctx.related(leak.node, f"`{leak.kind}` leaves without `{detach}`"))
        follow = " the next iteration runs with this context still attached" if leak.kind == "continue" else \
            " the context stays attached for whatever this thread runs next"
        return f"the `{leak.kind}`{where} skips `{detach}`:{follow}", related
    if leak.kind == "loop-end":
        related.insert(0, ctx.related(leak.node, "the loop starts its next iteration here"))
        return (f"`{detach}` is not reached at the end of the loop body (the loop at line {ctx.location(leak.node).line}): the next iteration attaches again "
                "on top of this context, and its spans may join this message's trace"), related
    if leak.kind == "function-end":
        return f"the function can end without `{detach}`: the context stays attached for whatever this thread runs next", related
    # exception
    raiser = _short(ctx, leak.call) if leak.call is not None else "a call"
    related.insert(0, ctx.related(leak.call if leak.call is not None else leak.node, "an exception here skips the detach"))
    return (f"`{detach}` is not in a `finally`: an exception in `{raiser}`{where} skips it and leaves this context "
            "attached for whatever this thread runs next"), related


def _fix(ts, leak, ctx):
    closing = None
    if leak.kind != "never":
        if len(ts.detaches) != 1:
            return None
        closing = _detach_statement(ts)
        if closing is None:
            return None
    shape = wrap_fix_edit(ctx, ts, closing)
    if shape is None:
        return None
    frame, inner, final = shape
    if final is None:
        newline = ctx.model.tree.default_newline
        final = cst.parse_statement(_detach_text(ts, ctx, ts.name) + newline)
        got = imported_name(ctx, ts.site.scope, ts.closer) if ts.form == "argument" and not isinstance(
            ts.site.node.func, cst.Attribute) else None
        import_edit = got[1] if got is not None else None
    else:
        import_edit = None
    owner_block = frame.owner.body if hasattr(frame.owner, "body") else None
    block_indent = owner_block.indent if isinstance(owner_block, cst.IndentedBlock) and frame.part == "body" else None
    indent = statement_indent(ctx, inner[0])
    text = render_try(ctx, ts, inner, final, indent, block_indent)
    start = ctx.location(inner[0]).line
    last = final if leak.kind != "never" else inner[-1]
    end = ctx.location(last).end_line
    edits = [Edit(start, 1, end + 1, 1, text)]
    if import_edit is not None:
        edits.append(import_edit)
    applicability = "safe" if leak.kind != "never" else "unsafe"
    return make_fix(applicability, f"Detach `{ts.name}` in a `finally`", edits)


def _detach_statement(ts):
    detach = ts.detaches[0]
    frames = block_frames(ts.site.scope.node, ts.statement)
    if not frames:
        return None
    for stmt in frames[-1].body[frames[-1].index + 1:]:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr) \
                and stmt.body[0].value is detach:
            return stmt
    return None
