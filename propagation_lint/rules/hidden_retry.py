"""CTX405 hidden-retry: a retry around message handling that leaves no trace of its attempts."""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Set, Tuple

import libcst as cst

from ..catalog.conventions import (
    ATTEMPT_WORDS, CELERY_AUTORETRY_KEYWORDS, CELERY_RETRY_METHOD, RETRY_DECORATORS,
    RETRY_HOOK_KEYWORDS, SET_ATTRIBUTE_METHODS, SPAN_EVENT_METHODS, normalize_field,
)
from ._handlers import message_handling, span_starts, task_decorator_call
from ..facts import collector
from ..model import CallSite, FileModel, Scope
from ..project import condition
from ..rule import Rule
from ._conventions import const_str, keyword_names, qualified_decorator, setting

RETRY_ITERATORS = ("tenacity.Retrying", "tenacity.AsyncRetrying")
LOOP_ITERATORS = ("range", "builtins.range", "itertools.count")


class HiddenRetry(Rule):
    code = "CTX405"
    name = "hidden-retry"
    message = "retry around message handling records no attempt"
    severity = "warning"
    # Off by default: whether a retry needs its own telemetry is a team's call, and the loop
    # shape (try/except inside a loop that exits on success) is a heuristic.
    default_enabled = False
    trigger_words = ("retry", "Retrying", "on_exception", "retriable", "range", "while", "autoretry_for")

    what_it_does = """
        Finds retries around message handling and reports those that record neither a span per
        attempt, an attempt attribute (`span.set_attribute("messaging.retry.attempt", n)`), nor a
        span event (`span.add_event(...)`, `span.record_exception(...)`) for each attempt:

        - a loop that retries: `for attempt in range(n)` / `while ...` whose body has a
          `try` that leaves the loop on success (`break` / `return`) and an `except` that does
          not re-raise, or `for attempt in tenacity.Retrying(...)`;
        - a retry decorator (`tenacity.retry`, `backoff.on_exception`, `retrying.retry`, ...,
          plus `retry-decorators` from the configuration) on a message handler or on a function
          a handler of the same file calls;
        - a Celery task that calls `self.retry(...)` or declares `autoretry_for=`, when Celery is
          not instrumented (CeleryInstrumentor gives every run its own span and records the
          retry reason).

        Only retries inside message handling count: a message handler or consumer loop (as
        the consumer rules detect them), a Celery task, or a function such a handler calls.
        A project that does not use tracing at all gets no finding.
        """
    why_bad = """
        A handler that silently retries turns one slow or flaky dependency into a trace that
        shows a single long span: nobody can see that the first two attempts failed, how long
        each took, or that the same message was processed three times (and its side effects
        repeated). Recording each attempt keeps retries and duplicates visible, which is what
        an operator needs when a message "took 40 seconds".

        A retry decorator with a hook (`before_sleep=`, `after=`, `on_backoff=`...) is left
        alone, since the hook may record the attempt.
        """
    example = """
        ```python
        def on_message(ch, method, properties, body):
            for attempt in range(3):
                try:
                    charge(body)
                    break
                except TimeoutError:
                    time.sleep(2 ** attempt)
        ```
        """
    use_instead = """
        ```python
        def on_message(ch, method, properties, body):
            for attempt in range(3):
                with tracer.start_as_current_span("charge-card") as span:
                    span.set_attribute("messaging.retry.attempt", attempt)
                    try:
                        charge(body)
                        break
                    except TimeoutError as exc:
                        span.record_exception(exc)
                        time.sleep(2 ** attempt)
        ```
        """
    fix_safety = """
        No automatic fix: where the attempt is best recorded (a span per attempt, or an
        attribute on the handler's span) depends on the handler.
        """
    options = """
        - `retry-decorators = ["myco.resilience.retry"]` in `[tool.propagation-lint.conventions]`:
          your own retry decorators, in addition to tenacity, backoff, retrying, retry, stamina.
        """

    def check(self, model: FileModel, ctx):
        decorators = set(RETRY_DECORATORS) | set(setting(ctx, "retry-decorators", ()))
        handling = message_handling(model, ctx)
        requires = (("uses-tracing",),)
        reported: Set[int] = set()
        for scope in model.functions():
            whole = handling.whole_function(scope)
            # retry loops
            for loop, why in _retry_loops(scope, ctx):
                region = _calls_in(scope, loop.body)
                if handling.holding(scope, region) is None:
                    continue
                loop_var = loop.target.value if isinstance(loop, cst.For) and isinstance(loop.target, cst.Name) else ""
                unless = _hidden(region, scope, ctx, loop_var)
                if unless is None:
                    continue
                node = loop.target if isinstance(loop, cst.For) else loop.test
                yield ctx.candidate(
                    self, node, scope=scope, target="loop",
                    message=f"{why} around message handling records no attempt (no span, attribute or event per attempt)",
                    suggestion=_SUGGESTION, requires=requires, unless=unless,
                )
            # retry decorators
            for dec in scope.decorators:
                qname, call = qualified_decorator(dec, scope, ctx)
                if qname not in decorators or id(scope) in reported:
                    continue
                if whole is None and not handling.calls_from_handler(scope):
                    continue
                if set(keyword_names(call)) & set(RETRY_HOOK_KEYWORDS):
                    continue
                unless = _hidden(scope.calls, scope, ctx, whole=True)
                if unless is None:
                    continue
                reported.add(id(scope))
                yield ctx.candidate(
                    self, dec, scope=scope, target=f"decorator:{qname}",
                    message=f"`@{ctx.code_for(call.func if call is not None else dec)}` retries `{scope.name}` "
                            "around message handling without recording the attempt",
                    suggestion=_SUGGESTION + "; or pass a hook (tenacity `before_sleep=`, backoff `on_backoff=`) that does",
                    requires=requires, unless=unless,
                )
            # celery retries
            if whole is not None and whole.library == "celery":
                node = _celery_retry_node(scope)
                if node is None:
                    continue
                unless = _hidden(scope.calls, scope, ctx, whole=True)
                if unless is None:
                    continue
                unless += (whole.instrumented,)
                yield ctx.candidate(
                    self, node, scope=scope, target="celery-retry",
                    message=f"Celery task `{scope.name}` retries without recording the attempt "
                            "(and Celery is not instrumented)",
                    suggestion='record `self.request.retries` on the task\'s span: '
                               'span.set_attribute("messaging.retry.attempt", self.request.retries); '
                               "or instrument Celery (CeleryInstrumentor gives each run its own span)",
                    requires=requires, unless=unless,
                )


def _hidden(region: List[CallSite], scope: Scope, ctx, loop_var: str = "", whole: bool = False):
    """None when the attempts are visible (a span, an attempt attribute or an event per
    attempt); else the ``unless`` conditions (a project function called per attempt that starts
    a span)."""
    if _records_attempt(region, scope, ctx, loop_var) or (whole and _span_decorated(scope, ctx)):
        return None
    return _callee_span_conditions(region, scope, ctx)


_SUGGESTION = ('start a span per attempt, or record the attempt on the current span: '
               'span.set_attribute("messaging.retry.attempt", attempt) / span.add_event("retry", {"attempt": attempt})')


# ------------------------------------------------------------------ loops
def _retry_loops(scope: Scope, ctx) -> Iterable[Tuple[cst.CSTNode, str]]:
    collector_ = _LoopCollector()
    scope.node.body.visit(collector_)
    for loop in collector_.loops:
        if isinstance(loop, cst.For):
            q = _iter_callee(loop.iter, scope, ctx)
            if q in RETRY_ITERATORS:
                yield loop, f"`{q.split('.')[-1]}` retry loop"
                continue
            if q not in LOOP_ITERATORS:
                continue
            if _retrying_try(loop.body):
                yield loop, f"retry loop `for {ctx.code_for(loop.target)} in {ctx.code_for(loop.iter)}`"
        elif isinstance(loop, cst.While) and _retrying_try(loop.body):
            yield loop, f"retry loop `while {ctx.code_for(loop.test)}`"


def _iter_callee(expr, scope, ctx) -> str:
    if isinstance(expr, cst.Call):
        q = ctx.resolver.callee_name(expr, scope)
        if q:
            return q
        if isinstance(expr.func, cst.Name):
            return expr.func.value
    return ""


class _LoopCollector(cst.CSTVisitor):
    def __init__(self):
        self.loops: List[cst.CSTNode] = []

    def visit_For(self, node):
        self.loops.append(node)

    def visit_While(self, node):
        self.loops.append(node)

    def visit_FunctionDef(self, node):
        return False

    def visit_ClassDef(self, node):
        return False

    def visit_Lambda(self, node):
        return False


def _statements(block) -> list:
    body = getattr(block, "body", ())
    return list(body) if isinstance(body, (list, tuple)) else []


def _top_level_tries(block) -> Iterable[cst.Try]:
    for stmt in _statements(block):
        if isinstance(stmt, cst.Try):
            yield stmt
        elif isinstance(stmt, (cst.With,)):
            yield from _top_level_tries(stmt.body)


def _exits(block) -> bool:
    """Does the block leave the loop at its top level (``break`` / ``return``)?"""
    for stmt in _statements(block):
        if isinstance(stmt, cst.SimpleStatementLine):
            if any(isinstance(s, (cst.Break, cst.Return)) for s in stmt.body):
                return True
        elif isinstance(stmt, cst.With) and _exits(stmt.body):
            return True
    return False


def _ends_with(block, kinds) -> bool:
    stmts = _statements(block)
    if not stmts:
        return False
    last = stmts[-1]
    return isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, kinds) for s in last.body)


def _retrying_try(block) -> bool:
    """A ``try`` that leaves the loop on success and carries on after at least one failure."""
    for t in _top_level_tries(block):
        success = _exits(t.body) or (t.orelse is not None and _exits(t.orelse.body))
        if not success:
            continue
        for handler in t.handlers:
            if not _ends_with(handler.body, (cst.Raise, cst.Return, cst.Break)):
                return True
    return False


class _CallIds(cst.CSTVisitor):
    """Ids of the calls in a subtree, outside nested functions; one class, not one per call."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set = set()

    def visit_Call(self, n):
        self.found.add(id(n))

    def visit_FunctionDef(self, n):
        return False


def _calls_in(scope: Scope, node) -> List[CallSite]:
    visitor = _CallIds()
    node.visit(visitor)
    return [c for c in scope.calls if id(c.node) in visitor.found]


# ------------------------------------------------------------------ does the region record attempts
def _mentions_attempt(text: str) -> bool:
    norm = normalize_field(text)
    return any(normalize_field(w) in norm for w in ATTEMPT_WORDS)


def _records_attempt(region: List[CallSite], scope: Scope, ctx, loop_var: str) -> bool:
    starts = {id(s.node) for s in span_starts(scope, ctx) if not s.decorator}
    for site in region:
        call = site.node
        if id(call) in starts:
            return True
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else ""
        if method in SPAN_EVENT_METHODS:
            return True
        if method in SET_ATTRIBUTE_METHODS and len(call.args) >= 2:
            key = const_str(call.args[0].value) or ""
            value = ctx.code_for(call.args[1].value)
            if _mentions_attempt(key) or _mentions_attempt(value) or (loop_var and _uses_name(call.args[1].value, loop_var)):
                return True
        if method == "set_attributes" and call.args:
            text = ctx.code_for(call.args[0].value)
            if _mentions_attempt(text) or (loop_var and _uses_name(call.args[0].value, loop_var)):
                return True
    return False


def _uses_name(expr, name: str) -> bool:
    found = []

    class V(cst.CSTVisitor):
        def visit_Name(self, n):
            if n.value == name:
                found.append(n)

    expr.visit(V())
    return bool(found)


def _span_decorated(scope: Scope, ctx) -> bool:
    """``@tracer.start_as_current_span("x")`` / ddtrace ``@tracer.wrap()``: a span per call."""
    return any(s.decorator for s in span_starts(scope, ctx))


def _starts_span(scope: Scope, ctx) -> bool:
    return bool(span_starts(scope, ctx))


def _callee_span_conditions(region: List[CallSite], scope: Scope, ctx) -> Optional[Tuple[tuple, ...]]:
    """A function called per attempt may start the span itself. Local functions are looked at
    here (None: one does); project functions elsewhere become ``starts-span`` conditions."""
    conds = []
    for site in region:
        q = ctx.resolver.callee_name(site.node, scope)
        if not q:
            continue
        target = ctx.model.scopes.get(q)
        if target is not None and target.kind == "function":
            if _starts_span(target, ctx):
                return None
            continue
        if target is None and q.split(".")[0] not in ("builtins",):
            conds.append(("starts-span", q))
    return tuple(conds)


# ------------------------------------------------------------------ celery
def _celery_retry_node(scope: Scope) -> Optional[cst.CSTNode]:
    for keyword in CELERY_AUTORETRY_KEYWORDS:
        call = task_decorator_call(scope, keyword)
        if call is not None:
            return keyword_names(call)[keyword]
    if not scope.params:
        return None
    first = scope.params[0].name.value
    for site in scope.calls:
        func = site.node.func
        if (isinstance(func, cst.Attribute) and func.attr.value == CELERY_RETRY_METHOD
                and isinstance(func.value, cst.Name) and func.value.value == first):
            return site.node
    return None


# ------------------------------------------------------------------ project facts
@collector
def _span_function_facts(model: FileModel, ctx) -> Dict[str, object]:
    """Functions that start a span on every call (``conventions_span_functions``)."""
    found = {}
    for scope in model.functions():
        if _starts_span(scope, ctx):
            found[scope.qname] = True
    return {"conventions_span_functions": found}


@condition("starts-span")
def _starts_span_condition(project, cond: tuple, depth: int) -> bool:
    return cond[1] in (project.facts.get("conventions_span_functions") or {})
