"""What one file tells the whole project: its contribution to the project facts.

Each collector reads the file's model and returns plain, picklable data (so it can cross a
process boundary and sit in the cache). ``project.py`` merges every file's facts and answers
the conditions rules put on their candidates.

Facts collected here (keys of the returned dict):

- ``injects``: ``{function qname: [[position, name, conditions], ...]}``: the function writes the
  trace context into that parameter (``conditions`` empty when it does so itself, else the
  helper calls it relies on);
- ``returns_injected``: ``{function qname: conditions}``: the function returns an injected
  carrier (or a serialised context);
- ``instrumentors``: ``[[instrumentor qname, where], ...]``: ``XInstrumentor().instrument()`` calls;
  ``where`` is ``"module"``, or ``"celery-worker"`` inside a ``worker_process_init`` hook;
- ``exports``: ``{module-level name qname: instance type}`` (``producer = KafkaProducer()``);
- ``uses_tracing``: the file imports opentelemetry, ddtrace, opentracing or contextvars.

Other rule families add collectors with :func:`collector`.
"""
from __future__ import annotations

from typing import Callable, Dict, List

import libcst as cst

from .catalog.tracing import TRACING_MODULES
from .flow import CONDITIONAL, YES
from .model import FileModel, dotted

Collector = Callable[[FileModel, object], Dict[str, object]]
_COLLECTORS: List[Collector] = []

CELERY_WORKER_SIGNALS = ("celery.signals.worker_process_init", "celery.signals.worker_init")


def collector(fn: Collector) -> Collector:
    _COLLECTORS.append(fn)
    return fn


def collect_facts(model: FileModel, ctx) -> dict:
    facts: dict = {}
    for fn in _COLLECTORS:
        for key, value in fn(model, ctx).items():
            if isinstance(value, dict):
                facts.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                facts.setdefault(key, []).extend(value)
            elif value:
                facts[key] = value
    return facts


def _param_keys(scope) -> list:
    keys = []
    offset = 1 if scope.class_scope is not None and not any(dotted(d) == "staticmethod" for d in scope.decorators) else 0
    for i, p in enumerate(scope.params):
        if p.star in ("*", "**"):
            continue
        keys.append((i - offset, p.name.value))
    return keys


@collector
def _helper_injection_facts(model: FileModel, ctx) -> dict:
    injects: dict = {}
    returns: dict = {}
    flow = ctx.flow
    for scope in model.functions():
        injected_calls = flow.injects_in(scope)
        # injects into a parameter
        for pos, name in _param_keys(scope):
            conds = None
            for inj in injected_calls:
                if _root(inj.carrier) == name:
                    conds = []
                    break
            if conds is None and scope.calls:
                # passes the parameter on to another project helper before returning
                end = scope.calls[-1]
                reach = flow._local_injection(name, _after(end))
                if reach.status == YES:
                    conds = []
                elif reach.status == CONDITIONAL:
                    conds = [list(c) for c in reach.conditions]
            if conds is not None:
                injects.setdefault(scope.qname, []).append([pos, name, conds])
        # returns an injected carrier
        if scope.returns and scope.calls or scope.returns:
            best = None
            for ret in scope.returns:
                site = _site_for_return(scope, ret)
                reach = flow.reaches(ret, site)
                if reach.status == YES:
                    best = []
                    break
                if reach.status == CONDITIONAL:
                    best = (best or []) + [list(c) for c in reach.conditions]
            if best is not None:
                returns[scope.qname] = best
    return {"injects": injects, "returns_injected": returns}


class _After:
    """A pseudo call site placed after every statement of a function."""

    def __init__(self, site):
        self.scope = site.scope
        self.order = 10**9
        self.branch = ()
        self.node = None


def _after(site):
    return _After(site)


class _Ret:
    """A pseudo call site at a ``return`` statement (a class of its own made per call was a
    reference cycle, and garbage for the collector, each time)."""


def _site_for_return(scope, ret):
    s = _Ret()
    s.scope = scope
    s.order = 10**9
    s.branch = ()
    s.node = ret
    return s


def _root(expr) -> str:
    from .names import root_name

    return root_name(expr)


@collector
def _instrumentor_facts(model: FileModel, ctx) -> dict:
    found = []
    for site in model.all_calls:
        call = site.node
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value.startswith("instrument")):
            continue
        recv = ctx.resolver.resolve(func.value, site.scope)
        qname = recv.qname if recv.kind in ("instance", "ref") else ""
        if not qname or ctx.catalog.instrumentor(qname) is None:
            continue
        where = "module"
        scope = site.scope
        while scope is not None and scope.kind != "module":
            for dec in scope.decorators:
                target = dec.func if isinstance(dec, cst.Call) else dec
                q = ctx.resolver.qualify(target.value if isinstance(target, cst.Attribute) else target, scope.parent or scope)
                if q in CELERY_WORKER_SIGNALS:
                    where = "celery-worker"
            scope = scope.parent
        loc = ctx.location(call)
        found.append([qname, where, loc.path, loc.line, loc.column, loc.end_line, loc.end_column])
    return {"instrumentors": found}


@collector
def _export_facts(model: FileModel, ctx) -> dict:
    exports = {}
    for name, bindings in model.root.bindings.items():
        for b in bindings:
            if b.kind == "assign" and b.node is not None:
                v = ctx.resolver.resolve(b.node, model.root)
                if v.kind == "instance" and not v.project:
                    exports[f"{model.module}.{name}" if model.module else name] = v.qname
    uses = model.imports_any(TRACING_MODULES)
    return {"exports": exports, "uses_tracing": uses}


@collector
def _thread_facts(model: FileModel, ctx) -> dict:
    """Executor/Thread subclasses and workers that attach a captured context (see handoffs.py)."""
    from .handoffs import thread_facts

    return thread_facts(model, ctx)


# The propagation map's per-file records (``propagation-lint graph``); registers its collector.
from . import topology as _topology  # noqa: E402,F401
