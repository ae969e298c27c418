"""Where a file hands work to another thread, greenlet or process, and whether the context goes along.

API (used by the CTX2xx rules and by anything that maps the asynchronous topology):

- ``handoff_sites(model, ctx) -> list[HandOffSite]``: every call matching a row of
  ``catalog/threads.py`` (``ex.submit``, ``Thread(target=)``, ``loop.run_in_executor``, ``gevent.spawn``,
  process pools, and the ``safe`` ones such as ``asyncio.to_thread``), memoised per file. Each site has
  the ``row``, the ``callable`` expression, the ``worker`` qualified name when known, ``carry`` (how the
  context crosses: ``drops`` | ``copied`` | ``shared-copy`` | ``explicit`` | ``attached`` | ``carrier`` |
  ``service`` (a server/event loop, not a unit of the caller's work) | ``unknown`` | ``safe``), and the conditions the project pass must check (``requires`` to be a
  hand-off at all, ``unless`` for "the worker attaches" / "the executor's submit captures").
- ``thread_subclasses(model, ctx)``: ``threading.Thread`` subclasses whose ``run()`` does the work
  without attaching a captured context.
- ``thread_facts`` (a facts collector) and ``CONDITIONS`` (project-pass evaluators) make executor
  subclasses, workers and module-level executors defined in other modules count.
"""
from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import libcst as cst

from .catalog import threads as T
from .fixbuilder import imported_name, make_fix, replace_node, insert_before
from .flow import CONDITIONAL, YES, arg_value
from .model import CallSite, FileModel, Scope, dotted

CARRY_REPORTED = ("drops",)


@dataclass
class HandOffSite:
    site: CallSite
    row: T.HandOff
    callable: Optional[cst.BaseExpression]
    # the ``args=`` argument (Thread-like rows) or the positional arguments after the callable
    args_arg: Optional[cst.Arg] = None
    rest_args: List[cst.Arg] = field(default_factory=list)
    worker: str = ""  # qualified name of the function that runs on the other side, when known
    carry: str = "drops"
    carry_node: Optional[cst.CSTNode] = None  # what proves the carry (the copy, the attach...)
    confidence: str = "resolved"
    requires: Tuple[tuple, ...] = ()
    unless: Tuple[tuple, ...] = ()
    receiver_type: str = ""  # the executor type (row.receiver or a project subclass)
    shared_reason: str = ""  # for ``shared-copy``: map | loop | module | reused
    local_pool: bool = False  # the executor is made in the same function (its threads start here)

    @property
    def code(self) -> str:
        return self.row.code


# ------------------------------------------------------------------ row index
_BY_METHOD: Dict[str, List[T.HandOff]] = {}
_BY_FUNCTION: Dict[str, List[T.HandOff]] = {}
for _row in T.HANDOFFS:
    if _row.function:
        _BY_FUNCTION.setdefault(_row.function, []).append(_row)
    else:
        _BY_METHOD.setdefault(_row.method, []).append(_row)
_EXECUTOR_HINT = re.compile(T.EXECUTOR_HINT)
# library classes a project class may derive from to become a hand-off receiver
_SUBCLASSABLE = (T.TPE, T.PPE, T.THREAD_POOL, T.MP_POOL)


def handoff_sites(model: FileModel, ctx) -> List[HandOffSite]:
    cached = ctx.shared.get("handoff_sites")
    if cached is not None:
        return cached
    found: List[HandOffSite] = []
    for site in model.all_calls:
        for hs in _match(site, ctx):
            _decide_carry(hs, ctx)
            found.append(hs)
    _mark_shared_copies(found, ctx)
    ctx.shared["handoff_sites"] = found
    return found


def _match(site: CallSite, ctx) -> List[HandOffSite]:
    call, scope, resolver = site.node, site.scope, ctx.resolver
    func = call.func
    out: List[HandOffSite] = []
    qname = resolver.callee_name(call, scope)
    rows = _BY_FUNCTION.get(qname, []) if qname else []
    if not rows and isinstance(func, cst.Attribute):
        recv = resolver.receiver(call, scope)
        method = func.attr.value
        if recv.kind == "instance":
            # a class reached through a factory: mp.get_context("spawn").Process(...)
            made = ctx.catalog.factory_result(recv.qname, method, None)
            if made and made in _BY_FUNCTION:
                rows = _BY_FUNCTION[made]
        if not rows:
            for row in _BY_METHOD.get(method, ()):
                hs = _match_receiver(site, row, recv, ctx)
                if hs is not None:
                    out.append(hs)
            return out
    for row in rows:
        out.append(_build(site, row, ctx))
    return out


def _match_receiver(site, row: T.HandOff, recv, ctx) -> Optional[HandOffSite]:
    canon = ctx.catalog.canonical
    unless: tuple = ()
    if row.receiver == T.LOOP and row.method == "run_in_executor":
        executor = arg_value(site.node, "executor", 0)
        ev = ctx.resolver.resolve(executor, site.scope) if executor is not None else None
        to_process = ev is not None and ev.kind == "instance" and canon(ev.qname) == T.PPE
        if to_process != (row.kind == "process"):
            return None
        if ev is not None and ev.kind == "instance" and ev.project:
            # the loop calls the project executor's `submit`: safe when it captures the context,
            # or when its workers replay the context its constructor copied
            unless = (("method-captures", ev.qname, "submit"),)
    if recv.kind == "instance" and not recv.project:
        if canon(recv.qname) == row.receiver:
            return _build(site, row, ctx, receiver_type=row.receiver, unless=unless)
        return None
    if recv.kind == "instance" and recv.project and row.receiver in _SUBCLASSABLE:
        # a project executor class: a hand-off if it derives from the library class, and a safe one
        # when its own `submit` (or the method called) captures the context
        return _build(site, row, ctx, receiver_type=recv.qname,
                      requires=(("subclass-of", recv.qname, row.receiver),),
                      unless=(("method-captures", recv.qname, row.method),))
    if recv.kind == "ref" and recv.project and row.receiver in (T.TPE, T.PPE, T.THREAD_POOL, T.MP_POOL, T.LOOP):
        # a module-level executor imported from another project module
        return _build(site, row, ctx, receiver_type=row.receiver,
                      requires=(("exported-instance", recv.qname, row.receiver),))
    if recv.kind == "unknown":
        func = site.node.func
        text = ctx.code_for(func.value) if isinstance(func, cst.Attribute) else ""
        if row.receiver == T.LOOP and row.kind != "safe":
            # `run_in_executor` names one API (asyncio's loop, or tornado's IOLoop that wraps it)
            return _build(site, row, ctx, receiver_type=row.receiver, unless=unless, confidence="heuristic")
        if row.receiver == T.TPE and _EXECUTOR_HINT.match(text) and ctx.model.imports_any(T.EXECUTOR_HINT_MODULES):
            hs = _build(site, row, ctx, receiver_type=row.receiver, confidence="heuristic")
            return hs
    return None


def _build(site, row, ctx, receiver_type="", requires=(), unless=(), confidence="resolved") -> HandOffSite:
    call = site.node
    pos, kw = row.target
    target = arg_value(call, kw, pos)
    hs = HandOffSite(site, row, target, receiver_type=receiver_type, requires=tuple(requires),
                     unless=tuple(unless), confidence=confidence)
    hs.local_pool = _local_pool(hs, ctx)
    if row.args == T.REST:
        hs.rest_args = _positional_after(call, pos)
    elif row.args:
        a_pos, a_kw = row.args
        hs.args_arg = _arg_node(call, a_kw, a_pos)
    return hs


def _positional_after(call: cst.Call, pos: Optional[int]) -> List[cst.Arg]:
    if pos is None:
        return []
    out, index = [], 0
    for arg in call.args:
        if arg.keyword is not None:
            continue
        if index > pos or arg.star:
            out.append(arg)
        index += 1
    return out


def _arg_node(call: cst.Call, name: str, position: Optional[int]) -> Optional[cst.Arg]:
    index = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == name:
                return arg
            continue
        if arg.star:
            return None
        if position is not None and index == position:
            return arg
        index += 1
    return None


# ------------------------------------------------------------------ how the context crosses
def _decide_carry(hs: HandOffSite, ctx) -> None:
    row, site = hs.row, hs.site
    if row.kind == "safe":
        hs.carry = "safe"
        return
    if row.context_keyword:
        value = arg_value(site.node, row.context_keyword, None)
        if value is not None and not (isinstance(value, cst.Name) and value.value == "None"):
            hs.carry, hs.carry_node = "explicit", value
            return
    made = _replaying_pool(hs, ctx)
    if made is not None:
        hs.carry, hs.carry_node = "attached", made  # every worker starts in the copy its maker took
        return
    c = hs.callable
    if c is None or (isinstance(c, cst.Name) and c.value == "None"):
        hs.carry = "unknown"
        return
    c = _bound_value(c, site, ctx)  # `call = functools.partial(ctx.run, fn)`; `submit(call)`
    # functools.partial(ctx.run, fn, ...) / functools.partial(fn, ...)
    if isinstance(c, cst.Call) and ctx.resolver.callee_name(c, site.scope) == T.PARTIAL and c.args:
        c = c.args[0].value
    kind = _context_run(c, site, ctx)
    if kind is not None:
        hs.carry, hs.carry_node = kind.partition(":")[0], c
        hs.shared_reason = kind.partition(":")[2]
        if hs.carry == "copied" and row.per_item:
            hs.carry, hs.shared_reason = "shared-copy", "map"  # every item runs in the one copy, concurrently
        return
    if isinstance(c, cst.Attribute) and c.attr.value in T.SERVICE_LOOPS:
        hs.carry = "service"  # a server or event loop: the caller's context is not the work's
        return
    if row.kind != "process" and _runs_a_server(c, site, ctx):
        hs.carry = "service"
        return
    if row.kind == "process":
        _decide_process(hs, c, ctx)
        return
    if _records_nothing(c, site, ctx):
        hs.carry = "library"  # a messaging client's own call that sends nothing (flush, poll, commit),
        return                # or a standard-library call that records nothing (q.get, subprocess.run)
    publish = _client_publish(c, site, ctx)
    if publish is not None:
        # `lambda: producer.produce(..., headers=carrier)`: the carrier was built on the caller's
        # thread (CTX101 judges it); the thread loses something only where an instrumentation of
        # the client records a producer span there (and injects that orphan span's context); the
        # project pass names the worker's process where the line runs in a task worker
        hs.requires += (("instrumented", publish.library, publish.method, publish.receiver, "main"),)
    worker = _worker_qname(c, site, ctx)
    hs.worker = worker
    if isinstance(c, cst.Lambda):
        if _body_propagates(_calls_in(c.body), site.scope, ctx, local=_lambda_params(c)):
            hs.carry, hs.carry_node = "attached", c
            return
    elif isinstance(c, cst.Call):
        wrapper = _project_wrapper(c, site, ctx)
        if wrapper:
            # `pool.submit(inject_request(func))`, `RespectsLanguage(lang)(func)`: the project's own
            # wrapper runs `func`; it carries the context only if it (or a function it nests, a
            # method of its class) makes a captured context current
            hs.unless += (("wrapper-propagates", wrapper),)
            return
        hs.carry = "unknown"  # a callable built by a call we do not follow (a wrapper may capture)
        return
    args_carry = _args_carry_context(hs, ctx)
    if worker:
        local = ctx.model.scopes.get(worker)
        if local is not None and local.kind == "function" and is_service_loop(local, ctx):
            hs.carry = "service"  # a long-lived poller/flusher started once, not a unit of the caller's work
            return
        if local is not None and local.kind == "function" and (_only_winds_down(local) or _inert_worker(local, ctx)):
            # shuts something down (and logs), or only calls the standard library's inert modules
            # (reaps a process, drains a pipe, sleeps): records nothing of the caller's work
            hs.carry = "library"
            return
        if local is not None and local.kind == "function":
            if function_propagates(local, ctx):
                hs.carry, hs.carry_node = "attached", local.node
                return
        else:
            hs.unless += (("worker-propagates", worker, bool(args_carry)),)
        if args_carry:
            hs.carry_node = args_carry
        return
    if args_carry:
        # the context is handed over as an argument to a worker we cannot see: assume it attaches
        hs.carry, hs.carry_node = "unknown", args_carry


def _project_wrapper(c: cst.Call, site: CallSite, ctx) -> str:
    """The project function or class that builds the callable ``c`` (``wrap(func)``,
    ``Wrapper(option)(func)``), or ""."""
    while isinstance(c.func, cst.Call):
        c = c.func
    if not isinstance(c.func, (cst.Name, cst.Attribute)):
        return ""
    v = ctx.resolver.resolve(c.func, site.scope)
    return v.qname if v.kind == "ref" and v.project else ""


def _only_winds_down(scope: Scope) -> bool:
    """A worker whose every call shuts something down, flushes or closes it (``provider.shutdown()``,
    ``exporter.force_flush()``), or logs: it records nothing the caller's context would parent."""
    calls = [site.node.func for site in scope.calls]
    return bool(calls) and all(_winds_down_or_logs(f) for f in calls)


def _winds_down_or_logs(f) -> bool:
    """``pool.shutdown()``, ``exporter.force_flush()``, ``logger.info(...)``: a call that records
    nothing of the caller's work (``WIND_DOWN_METHODS``, a logger's method)."""
    return isinstance(f, cst.Attribute) and (f.attr.value in T.WIND_DOWN_METHODS or _logger_call(f))


def _inert_worker(scope: Scope, ctx) -> bool:
    """A worker that does real work that records nothing: every call is a builtin (``len``,
    ``bytearray``), a function of a standard-library module that records no telemetry or a method
    of one of its objects (``catalog/threads.py``: ``INERT_MODULES``: ``os.read``,
    ``process.wait()`` on a ``subprocess.Popen``, ``time.sleep``), a method of a builtin value
    (``buffered.extend``), a method of a file it opened (``with open(path, "w") as f:
    f.write(line)``), a logger's, a wind-down method (``pool.shutdown()``), or a function of
    the same file that is inert itself (three levels down), and at least one is such a module's
    (a worker that calls nothing stands for work that would record something). Nested functions
    and lambdas are not followed: the worker may run what they hold."""
    return bool(_inert_calls(scope, ctx, 0))


def _inert_calls(scope: Scope, ctx, depth: int) -> Optional[int]:
    """How many calls of inert standard-library modules ``scope`` makes (through the same file's
    functions), or None when it makes a call that may record something."""
    if depth > 3 or scope.children:
        return None
    count = 0
    for site in scope.calls:
        f = site.node.func
        if _winds_down_or_logs(f):
            continue
        value = ctx.resolver.resolve(f, site.scope)
        callee = ctx.model.scopes.get(value.qname) if value.kind == "ref" else None
        if callee is not None:
            inner = _inert_calls(callee, ctx, depth + 1) if callee.kind == "function" else None
            if inner is None:
                return None
            count += inner
            continue
        if value.kind == "ref" and not value.project:
            top = value.qname.split(".")[0]
            if top == "builtins" and value.qname.count(".") == 1:
                continue
            if top in T.INERT_MODULES:
                count += 1
                continue
            return None
        if isinstance(f, cst.Name) and value.kind == "unknown" and hasattr(builtins, f.value):
            continue  # `bytearray()`, `len(...)`
        if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.attr.value in T.CONTAINER_METHODS \
                and f.value.value in scope.bindings:
            continue  # `buffered.extend(chunk)` on a local
        if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.attr.value in T.FILE_METHODS \
                and _opened_file(f.value.value, scope):
            count += 1  # `file.write(line)` on `with open(path, "w") as file`: file I/O
            continue
        if not isinstance(f, cst.Attribute):
            return None
        owner = ctx.resolver.resolve(f.value, site.scope)
        top = owner.qname.split(".")[0] if owner.kind == "instance" and not owner.project else ""
        if top == "builtins":
            continue
        if top not in T.INERT_MODULES:
            return None
        count += 1
    return count


def _opened_file(name: str, scope: Scope) -> bool:
    """``name`` is a local bound only to the builtin ``open(...)`` (``with open(path) as f``)."""
    bindings = scope.bindings.get(name, ())
    return bool(bindings) and all(
        b.kind in ("with", "assign") and isinstance(b.node, cst.Call) and isinstance(b.node.func, cst.Name)
        and b.node.func.value == "open" and "open" not in scope.bindings for b in bindings)


def _logger_call(f: cst.Attribute) -> bool:
    root = f.value
    while isinstance(root, (cst.Attribute, cst.Call)):
        root = root.value if isinstance(root, cst.Attribute) else root.func  # `logging.getLogger(__name__).info`
    return isinstance(root, cst.Name) and root.value in T.LOGGER_NAMES


def _records_nothing(c, site: CallSite, ctx) -> bool:
    """The callable (or a lambda's body's callee) records nothing the caller's context would
    parent: a blocking wait (``future.result``, ``thread.join``: ``BLOCKING_WAITS``), a function
    of, or a method of an object of, a standard-library module that records no
    telemetry (``catalog/threads.py``: ``INERT_MODULES``: ``q.get``, ``subprocess.run``,
    ``shutil.rmtree``); a method of a catalogued messaging client that publishes nothing
    (``producer.flush``, ``consumer.poll``, ``consumer.commit``: a consumer's span takes its parent
    from the message, not from the thread)."""
    if isinstance(c, cst.Lambda) and isinstance(c.body, cst.Call):
        c = c.body.func  # `lambda: consumer.poll(timeout=1.0)`
    if not isinstance(c, (cst.Name, cst.Attribute)):
        return False
    if isinstance(c, cst.Attribute) and c.attr.value in T.BLOCKING_WAITS:
        return True  # `run_in_executor(None, future.result)`: waits for work that runs elsewhere
    value = ctx.resolver.resolve(c, site.scope)
    if value.kind == "ref" and not value.project and value.qname.split(".")[0] in T.INERT_MODULES:
        return True
    if not isinstance(c, cst.Attribute):
        return False
    owner = ctx.resolver.resolve(c.value, site.scope)
    if owner.kind != "instance" or owner.project:
        return False
    if owner.qname.split(".")[0] in T.INERT_MODULES:
        return True
    library = ctx.catalog.library_of(ctx.catalog.canonical(owner.qname))
    return bool(library) and not any(p.library == library for p in ctx.catalog.publishers_for_method(c.attr.value))


def _client_publish(c, site: CallSite, ctx):
    """The catalogued publish a callable (or a lambda's body) is, on a messaging client built
    from its library (``producer.produce``), or None."""
    if isinstance(c, cst.Lambda) and isinstance(c.body, cst.Call):
        c = c.body.func
    if not isinstance(c, cst.Attribute):
        return None
    owner = ctx.resolver.resolve(c.value, site.scope)
    if owner.kind != "instance" or owner.project:
        return None
    canonical = ctx.catalog.canonical(owner.qname)
    library = ctx.catalog.library_of(canonical)
    for pub in ctx.catalog.publishers_for_method(c.attr.value) if library else ():
        if pub.library == library and (not pub.receiver or pub.receiver == canonical):
            return pub
    return None


def _bound_value(c, site: CallSite, ctx):
    """A local name bound once, just before the hand-off, to a call, lambda or ``x.run``: that value."""
    if not isinstance(c, cst.Name):
        return c
    owner, bindings = ctx.resolver.lookup(c.value, site.scope)
    if owner is not site.scope or len(bindings) != 1:
        return c
    b = bindings[0]
    if b.kind == "assign" and b.order < site.order and isinstance(b.node, (cst.Call, cst.Lambda, cst.Attribute)):
        return b.node
    return c


def _decide_process(hs: HandOffSite, c, ctx) -> None:
    site = hs.site
    worker = _worker_qname(c, site, ctx)
    hs.worker = worker
    exprs = _handoff_values(hs)
    if hs.row.args is None or hs.row.per_item:
        exprs.extend(a.value for a in site.node.args[1:] if a.keyword is None)
    conds: Tuple[tuple, ...] = ()
    for e in exprs:
        reach = ctx.flow.reaches(e, site)
        if reach.status == YES:
            hs.carry, hs.carry_node = "carrier", e
            return
        if reach.status == CONDITIONAL:
            conds += tuple(reach.conditions)
        item = ctx.resolver.resolve(e, site.scope)
        if item.kind == "instance" and item.project and ("carries-context", item.qname) not in conds:
            conds += (("carries-context", item.qname),)  # a work item that holds its span context
    hs.unless += conds
    if worker:
        local = ctx.model.scopes.get(worker)
        if local is not None and local.kind == "function":
            if function_propagates(local, ctx):
                hs.carry, hs.carry_node = "attached", local.node
        else:
            hs.unless += (("worker-propagates", worker, False),)


def _context_run(c, site: CallSite, ctx) -> Optional[str]:
    """``copied`` when ``c`` is ``<fresh copy_context()>.run``, ``shared-copy`` / ``unknown`` for other
    ``Context.run``; None when ``c`` is not a context's ``run``."""
    if not (isinstance(c, cst.Attribute) and c.attr.value == "run"):
        return None
    base = c.value
    resolver = ctx.resolver
    if isinstance(base, cst.Call):
        return "copied" if resolver.callee_name(base, site.scope) == T.COPY_CONTEXT else None
    v = resolver.resolve(base, site.scope)
    if v.kind == "instance" and v.qname == T.CONTEXT_TYPE:
        if isinstance(base, cst.Name):
            return _copy_freshness(base.value, site, ctx)
        return "unknown"
    if v.kind == "unknown" and re.search(r"(?i)ctx|context", ctx.code_for(base)):
        return "unknown"
    return None


def _copy_freshness(name: str, site: CallSite, ctx) -> str:
    owner, bindings = ctx.resolver.lookup(name, site.scope)
    if owner is None:
        return "unknown"
    if owner is not site.scope:
        return "shared-copy:module" if owner.kind == "module" else "unknown"
    before = [b for b in bindings if b.order < site.order]
    if not before or before[-1].kind != "assign" or before[-1].node is None:
        return "unknown"
    binding = before[-1]
    loop = _innermost_loop(site.node, site.scope, ctx)
    if loop is not None and not _within(ctx.location(binding.node), ctx.location(loop)):
        return "shared-copy:loop"
    return "copied"


def _innermost_loop(node, scope: Scope, ctx):
    loops = ctx.shared.get(("loops", id(scope)))
    if loops is None:
        collector = _LoopCollector()
        body = scope.node.body if isinstance(scope.node, cst.FunctionDef) else scope.node
        body.visit(collector)
        loops = collector.loops
        ctx.shared[("loops", id(scope))] = loops
    where = ctx.location(node)
    best = None
    for loop in loops:
        loc = ctx.location(loop)
        if _within(where, loc):
            if best is None or _within(loc, ctx.location(best)):
                best = loop
    return best


class _LoopCollector(cst.CSTVisitor):
    def __init__(self):
        self.loops = []

    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_ClassDef(self, node) -> bool:
        return False

    def _add(self, node) -> bool:
        self.loops.append(node)
        return True

    visit_For = visit_While = visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _add


def _within(inner, outer) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)


def _mark_shared_copies(found: List[HandOffSite], ctx) -> None:
    """Two concurrent hand-offs of the same ``Context`` object: the second cannot enter it."""
    seen: Dict[tuple, HandOffSite] = {}
    for hs in found:
        if hs.carry != "copied" or not isinstance(hs.carry_node, cst.Attribute):
            continue
        base = hs.carry_node.value
        if not isinstance(base, cst.Name):
            continue
        _, bindings = ctx.resolver.lookup(base.value, hs.site.scope)
        before = [b for b in bindings if b.order < hs.site.order]
        key = (id(hs.site.scope), base.value, before[-1].order if before else -1)
        if _sequential(hs):
            continue
        first = seen.get(key)
        if first is not None:
            hs.carry, hs.shared_reason = "shared-copy", "reused"
            hs.carry_node = first.site.node
        else:
            seen[key] = hs


def _sequential(hs: HandOffSite) -> bool:
    """The hand-off is awaited or its future's ``result()`` is read at once: not concurrent."""
    site = hs.site
    if site.awaited:
        return True
    for other in site.scope.calls:
        f = other.node.func
        if isinstance(f, cst.Attribute) and f.value is site.node and f.attr.value in ("result", "join"):
            return True
    return False


def _handoff_values(hs: HandOffSite) -> list:
    """The values handed to the worker besides the callable: extra arguments, the ``args`` tuple,
    ``kwargs``/``kwds`` dicts (``Process(target=f, kwargs={"span_context": ctx})``), one by one."""
    exprs = [a.value for a in hs.rest_args]
    if hs.args_arg is not None:
        exprs.append(hs.args_arg.value)
    exprs += [a.value for a in hs.site.node.args if a.keyword is not None and a.keyword.value in ("kwargs", "kwds")]
    if hs.row.own_keywords:  # the callable's own keyword arguments, passed through the call
        exprs += [a.value for a in hs.site.node.args
                  if a.keyword is not None and a.keyword.value not in hs.row.own_keywords]
    out = []
    for e in exprs:
        if isinstance(e, cst.Dict):
            out.extend(el.value for el in e.elements if isinstance(el, cst.DictElement))
        elif isinstance(e, (cst.Tuple, cst.List)):
            out.extend(el.value for el in e.elements)
        else:
            out.append(e)
    return out


def _args_carry_context(hs: HandOffSite, ctx):
    for el in _handoff_values(hs):
        if _is_captured_context(el, hs.site, ctx) or ctx.flow.reaches(el, hs.site).status == YES:
            return el
    return None


def _is_captured_context(expr, site: CallSite, ctx) -> bool:
    if isinstance(expr, cst.Call):
        return _is_capture_call(expr, site.scope, ctx)
    if isinstance(expr, cst.Name):
        owner, bindings = ctx.resolver.lookup(expr.value, site.scope)
        return any(b.kind == "assign" and isinstance(b.node, cst.Call) and _is_capture_call(b.node, owner, ctx)
                   for b in bindings)
    return False


def _is_capture_call(call: cst.Call, scope: Scope, ctx) -> bool:
    q = ctx.resolver.callee_name(call, scope)
    if q in T.CAPTURE_CALLS:
        return True
    f = call.func
    return isinstance(f, cst.Attribute) and f.attr.value in T.CAPTURE_METHODS


def _worker_qname(c, site: CallSite, ctx) -> str:
    scope = site.scope
    if isinstance(c, cst.Lambda):
        body = c.body
        if isinstance(body, cst.Call):
            return _worker_qname(body.func, site, ctx)
        return ""
    if isinstance(c, cst.Attribute) and isinstance(c.value, cst.Name) and c.value.value == "self":
        s = scope
        while s is not None and s.kind != "class":
            s = s.parent
        if s is not None:
            return _method_in_class(s, c.attr.value, ctx)
        return ""
    if isinstance(c, (cst.Name, cst.Attribute)):
        v = ctx.resolver.resolve(c, scope)
        if v.kind == "ref" and v.project:
            return v.qname
        if v.kind == "ref" and v.qname in ctx.model.scopes:
            return v.qname
    if isinstance(c, cst.Attribute):
        # a method of a project object: `self.server.run`, `handler.process`
        owner = ctx.resolver.resolve(c.value, scope)
        if owner.kind == "instance" and owner.project:
            return f"{owner.qname}.{c.attr.value}"
    return ""


def _method_in_class(cls: Scope, method: str, ctx, depth: int = 0) -> str:
    """``cls.method``, or the one a base class defined in this file provides."""
    q = f"{cls.qname}.{method}"
    if q in ctx.model.scopes or depth > 4:
        return q if q in ctx.model.scopes else ""
    for base in cls.bases:
        v = ctx.resolver.resolve(base, cls.parent or cls)
        parent = ctx.model.scopes.get(v.qname) if v.kind == "ref" else None
        if parent is not None and parent.kind == "class":
            found = _method_in_class(parent, method, ctx, depth + 1)
            if found:
                return found
    return ""


def _lambda_params(lam: cst.Lambda) -> set:
    p = lam.params
    return {x.name.value for x in list(p.params) + list(p.posonly_params) + list(p.kwonly_params)}


class _CallCollector(cst.CSTVisitor):
    def __init__(self):
        self.calls = []

    def visit_Call(self, node) -> None:
        self.calls.append(node)


def _calls_in(node) -> List[cst.Call]:
    c = _CallCollector()
    node.visit(c)
    return c.calls


# ------------------------------------------------------------------ services
_SERVICE_CLASS = re.compile(T.SERVICE_CLASS_HINT)


def _runs_a_server(c, site: CallSite, ctx) -> bool:
    """``Thread(target=self.run)`` in a class named ``...Server`` (or deriving from one), ``server.run``."""
    if not isinstance(c, cst.Attribute):
        return False
    owner = ctx.resolver.resolve(c.value, site.scope)
    if owner.kind != "instance":
        return False
    if _SERVICE_CLASS.search(owner.qname.rsplit(".", 1)[-1]):
        return True
    cls = ctx.model.scopes.get(owner.qname)
    if cls is None or cls.kind != "class":
        return False
    for base in cls.bases:
        v = ctx.resolver.resolve(base, cls.parent or cls)
        name = v.qname if v.kind == "ref" else ctx.code_for(base)
        if _SERVICE_CLASS.search(name.rsplit(".", 1)[-1]):
            return True
    return False


def is_service_loop(scope: Scope, ctx=None, depth: int = 0) -> bool:
    """A function whose body (outside any ``if``/``for``) runs a ``while`` loop on a flag, an event or
    ``True``: a poller, flusher or queue worker started once, which serves work arriving later; or a
    method whose body hands over to such a method of its class (a thread's ``_entrypoint`` that
    calls ``self._run_until_shutdown()``, also through ``asyncio.run(...)``)."""
    node = scope.node
    if not isinstance(node, cst.FunctionDef) or not isinstance(node.body, cst.IndentedBlock):
        return False
    if any(_service_while(stmt) for stmt in _top_statements(node.body.body)) or _runs_server(scope, ctx):
        return True
    if ctx is None or depth > 0 or scope.class_scope is None:
        return False
    for stmt in _top_statements(node.body.body):
        call = _expression_call(stmt)
        if isinstance(call, cst.Await):
            call = call.expression
        if isinstance(call, cst.Call) and call.args and isinstance(call.func, (cst.Attribute, cst.Name)) \
                and ctx.resolver.callee_name(call, scope) in ("asyncio.run",):
            call = call.args[0].value  # `asyncio.run(self._run_until_shutdown())`
        f = call.func if isinstance(call, cst.Call) else None
        if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == "self":
            target = ctx.model.scopes.get(f"{scope.class_scope.qname}.{f.attr.value}")
            if target is not None and target is not scope and is_service_loop(target, ctx, depth + 1):
                return True
    return False


def _expression_call(stmt):
    """The expression of a statement line that is an expression alone (``self.run()``,
    ``await x()``, ``var.set(value)``), else None."""
    if isinstance(stmt, cst.SimpleStatementLine) and stmt.body and isinstance(stmt.body[0], cst.Expr):
        return stmt.body[0].value
    return None


def _runs_server(scope: Scope, ctx) -> bool:
    """The function runs a server or event loop (``uvicorn.run(app)``, ``server.serve_forever()``)."""
    if ctx is None:
        return False
    for site in scope.calls:
        f = site.node.func
        if isinstance(f, cst.Attribute) and f.attr.value in T.SERVICE_LOOPS and f.attr.value != "run_until_complete":
            return True  # (one coroutine run to completion is a unit of work, not a service)
        if ctx.resolver.callee_name(site.node, scope) in T.SERVICE_RUNNERS:
            return True
    return False


def _top_statements(body):
    for stmt in body:
        yield stmt
        if isinstance(stmt, (cst.Try, cst.With)) and isinstance(stmt.body, cst.IndentedBlock):
            yield from _top_statements(stmt.body.body)


def _service_while(stmt) -> bool:
    if not isinstance(stmt, cst.While):
        return False
    test = stmt.test
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test = test.expression
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        # `while self._stop_event.wait(timeout=10) is False:`: only a wait on an event or flag
        left = test.left
        return isinstance(left, cst.Call) and isinstance(left.func, cst.Attribute) \
            and left.func.attr.value in T.SERVICE_WAIT_METHODS
    if isinstance(test, (cst.Name, cst.Integer)):
        return not (isinstance(test, cst.Name) and test.value in ("False", "None"))
    if isinstance(test, cst.Attribute):
        return isinstance(test.value, cst.Name) and test.value.value == "self"
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute):
        return test.func.attr.value in T.SERVICE_WAIT_METHODS
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Name):
        return not test.args  # `shutdown_set = self._shutdown.is_set` ... `while not shutdown_set():`
    return False


# ------------------------------------------------------------------ worker bodies
def function_propagates(scope: Scope, ctx, depth: int = 0) -> bool:
    """Does this function make a context captured elsewhere current (attach, ``ctx.run``, a span
    started with ``context=`` / ``child_of=`` / ``links=``)? Follows ``self.method()`` calls once."""
    key = ("propagates", id(scope))
    if key in ctx.shared:
        return ctx.shared[key]
    ctx.shared[key] = False
    local = {n for n, bs in scope.bindings.items()
             if any(b.kind == "assign" and isinstance(b.node, cst.Call) and _is_capture_call(b.node, scope, ctx) for b in bs)}
    params = {p.name.value for p in scope.params}
    result = _body_propagates([s.node for s in scope.calls], scope, ctx, fresh=local, local=params) \
        or _sets_every_variable(scope.node)
    if not result and depth < 2 and scope.class_scope is not None:
        for s in scope.calls:
            f = s.node.func
            if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == "self":
                target = ctx.model.scopes.get(f"{scope.class_scope.qname}.{f.attr.value}")
                if target is not None and target is not scope and function_propagates(target, ctx, depth + 1):
                    result = True
                    break
    ctx.shared[key] = result
    return result


def _sets_every_variable(node) -> bool:
    """``for var, value in context.items(): var.set(value)``: the function makes every variable of
    a captured ``contextvars.Context`` current in its own thread (promptflow's ``set_context``)."""
    if not isinstance(node, cst.FunctionDef) or not isinstance(node.body, cst.IndentedBlock):
        return False
    for stmt in node.body.body:
        if not (isinstance(stmt, cst.For) and isinstance(stmt.target, cst.Tuple) and len(stmt.target.elements) == 2):
            continue
        it = stmt.iter
        if not (isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value == "items"):
            continue
        var, value = (e.value for e in stmt.target.elements)
        if not (isinstance(var, cst.Name) and isinstance(value, cst.Name)):
            continue
        for inner in stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ():
            call = _expression_call(inner)
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "set" \
                    and isinstance(call.func.value, cst.Name) and call.func.value.value == var.value \
                    and len(call.args) == 1 and isinstance(call.args[0].value, cst.Name) \
                    and call.args[0].value.value == value.value:
                return True
    return False


def _body_propagates(calls, scope: Scope, ctx, fresh=(), local=()) -> bool:
    resolver = ctx.resolver
    for call in calls:
        f = call.func
        q = resolver.callee_name(call, scope)
        if q in T.ATTACH_CALLS:
            return True
        name = f.attr.value if isinstance(f, cst.Attribute) else (f.value if isinstance(f, cst.Name) else "")
        if name in T.ATTACH_METHODS and call.args:
            return True
        if name in T.SPAN_STARTERS:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value in T.PARENT_KEYWORDS and not (
                        isinstance(arg.value, cst.Name) and arg.value.value == "None"):
                    return True
        for arg in call.args:
            # the worker hands the parent it received on to a span helper: `helper(..., parent_span=parent_span)`
            if (arg.keyword is not None and arg.keyword.value in T.PARENT_FORWARD_KEYWORDS
                    and isinstance(arg.value, cst.Name) and arg.value.value in local):
                return True
        if name == "run" and isinstance(f, cst.Attribute):
            base = f.value
            if isinstance(base, cst.Call):
                continue  # copy_context().run inside the worker copies the worker's own context
            if isinstance(base, cst.Name) and (base.value in fresh):
                continue
            v = resolver.resolve(base, scope)
            text = ctx.code_for(base)
            if (v.kind == "instance" and v.qname == T.CONTEXT_TYPE) or re.search(r"(?i)ctx|context", text):
                return True
    return False


def _replays_in_workers(init: Scope, ctx) -> bool:
    """An executor's ``__init__`` that copies the context (``self.context = copy_context()``) and
    hands the pool an ``initializer=`` (which sets each variable in every worker thread): a pool
    made where it is used runs its work in the context of the code that made it."""
    return method_captures(init, ctx) and any(_passes_initializer(site.node) for site in init.calls)


def _passes_initializer(call: cst.Call) -> bool:
    """``initializer=`` given, or the base's ``__init__`` called with one by position
    (``super().__init__(max_workers, prefix, set_context, (context,))``, the third of
    ``ThreadPoolExecutor``'s; the fourth after ``self`` in ``ThreadPoolExecutor.__init__(self, ...)``)."""
    if any(isinstance(a.keyword, cst.Name) and a.keyword.value == "initializer" for a in call.args):
        return True
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"):
        return False
    positional = [a for a in call.args if a.keyword is None and not a.star]
    via_super = isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) \
        and func.value.func.value == "super"
    return len(positional) >= (3 if via_super else 4)


def method_captures(scope: Scope, ctx) -> bool:
    """A method (an executor's ``submit``) that captures the caller's context before handing off."""
    return any(_is_capture_call(s.node, scope, ctx) for s in scope.calls) or function_propagates(scope, ctx)


# ------------------------------------------------------------------ Thread subclasses
@dataclass
class ThreadSubclass:
    cls: Scope
    run: Scope
    requires: Tuple[tuple, ...] = ()
    # project helpers ``run`` hands a value to (``with attach_to_parent(self._span_context):``):
    # the thread propagates after all when one of them attaches what it receives
    unless: Tuple[tuple, ...] = ()


def thread_subclasses(model: FileModel, ctx) -> List[ThreadSubclass]:
    out = []
    for scope in model.root.walk():
        if scope.kind != "class" or not scope.bases:
            continue
        run = model.scopes.get(f"{scope.qname}.run")
        if run is None or run.kind != "function":
            continue
        direct, project = False, []
        for base in scope.bases:
            v = ctx.resolver.resolve(base, scope.parent or scope)
            if v.kind != "ref":
                continue
            if ctx.catalog.canonical(v.qname) in (T.THREAD, "threading.Timer"):
                direct = True
            elif v.project:
                project.append(v.qname)
        if not direct and not project:
            continue
        if function_propagates(run, ctx) or is_service_loop(run, ctx) or _SERVICE_CLASS.search(scope.name) \
                or _made_with_context_run(scope, model, ctx):
            continue  # enters a captured context, or serves work arriving later (a poller, a server)
        requires = () if direct else (("subclass-of", scope.qname, T.THREAD),)
        out.append(ThreadSubclass(scope, run, requires, _attaching_helpers(run, ctx)))
    return out


def _made_with_context_run(cls: Scope, model: FileModel, ctx) -> bool:
    """Every object of the class made in this file (at least one) is handed a fresh copy's
    ``run`` as its callable (``TimeoutThread(timeout, contextvars.copy_context().run, func)``):
    its ``run`` calls the work through the copied context."""
    made = [site for site in model.all_calls if ctx.resolver.callee_name(site.node, site.scope) == cls.qname]
    return bool(made) and all(
        any(_context_run(arg.value, site, ctx) == "copied" for arg in site.node.args) for site in made)


def _attaching_helpers(scope: Scope, ctx) -> Tuple[tuple, ...]:
    """``worker-propagates`` conditions for the project functions ``scope`` passes values to: a
    helper or context manager of another module that attaches the context it receives."""
    out = []
    for site in scope.calls:
        if not site.node.args:
            continue
        v = ctx.resolver.resolve(site.node.func, scope)
        if v.kind == "ref" and v.project and ("worker-propagates", v.qname, False) not in out:
            out.append(("worker-propagates", v.qname, False))
    return tuple(out)


# ------------------------------------------------------------------ project facts
def thread_facts(model: FileModel, ctx) -> dict:
    """Per-file facts: class bases and methods that capture/attach, workers that attach."""
    bases: Dict[str, list] = {}
    methods: Dict[str, dict] = {}
    workers: Dict[str, bool] = {}
    carriers: Dict[str, bool] = {}
    for scope in model.root.walk():
        if scope.kind == "class" and scope.bases:
            qs = []
            for b in scope.bases:
                v = ctx.resolver.resolve(b, scope.parent or scope)
                if v.kind == "ref":
                    qs.append(ctx.catalog.canonical(v.qname))
            if qs:
                bases[scope.qname] = qs
                info = {}
                for child in scope.children:
                    if child.kind == "function" and child.name in ("submit", "map", "run", "apply_async", "spawn", "start"):
                        info[child.name] = [method_captures(child, ctx), function_propagates(child, ctx)]
                    elif child.kind == "function" and child.name == "__init__" and _replays_in_workers(child, ctx):
                        info["__init__"] = [True, False]
                if info:
                    methods[scope.qname] = info
        elif scope.kind == "function" and (function_propagates(scope, ctx) or is_service_loop(scope, ctx)):
            workers[scope.qname] = True  # attaches a captured context, or is a long-lived service loop
        if scope.kind == "class" and _declares_carried_context(scope, ctx):
            carriers[scope.qname] = True
    return {"thread_class_bases": bases, "thread_class_methods": methods, "propagating_workers": workers,
            "context_carrying_classes": carriers}


def _declares_carried_context(cls: Scope, ctx) -> bool:
    """The class declares a member that is a trace context (a method returning a ``SpanContext``, an
    ``__init__`` parameter or class attribute annotated as one): its instances carry it as data."""
    resolver = ctx.resolver
    for child in cls.children:
        if child.kind != "function":
            continue
        returns = getattr(child.node, "returns", None)
        if returns is not None and resolver.annotation_type(returns.annotation, cls) in T.CARRIED_CONTEXT_TYPES:
            return True
        if child.name == "__init__":
            for b in (bs[0] for bs in child.bindings.values() if bs and bs[0].kind == "param"):
                if b.annotation is not None and resolver.annotation_type(b.annotation, child) in T.CARRIED_CONTEXT_TYPES:
                    return True
    for bindings in cls.bindings.values():
        for b in bindings:
            if b.kind == "annotated" and b.annotation is not None \
                    and resolver.annotation_type(b.annotation, cls) in T.CARRIED_CONTEXT_TYPES:
                return True
    return False


def _subclass_of(project, cls: str, target: str, depth: int = 0) -> bool:
    if depth > 8:
        return False
    table = project.facts.get("thread_class_bases", {})
    for base in table.get(project.known_as(cls, table), ()):
        if base == target or _subclass_of(project, base, target, depth + 1):
            return True
    return False


def _method_captures(project, cls: str, method: str, depth: int = 0) -> bool:
    if depth > 8:
        return False
    methods = project.facts.get("thread_class_methods", {})
    cls = project.known_as(cls, methods) if cls not in project.facts.get("thread_class_bases", {}) else cls
    info = methods.get(cls, {})
    if method in info:
        return bool(info[method][0])
    if "__init__" in info and method in ("submit", "map"):
        return True  # the pool's workers start in the context its constructor copied
    if method == "map" and "submit" in info:
        return bool(info["submit"][0])  # Executor.map calls self.submit
    return any(_method_captures(project, b, method, depth + 1)
               for b in project.facts.get("thread_class_bases", {}).get(cls, ()))


def _cond_subclass_of(project, cond, depth) -> bool:
    return _subclass_of(project, cond[1], cond[2])


def _cond_method_captures(project, cond, depth) -> bool:
    return _method_captures(project, cond[1], cond[2])


def _cond_worker_propagates(project, cond, depth) -> bool:
    qname, lenient = cond[1], cond[2] if len(cond) > 2 else False
    workers = project.facts.get("propagating_workers", {})
    if project.known_as(qname, workers) in workers:
        return True
    return bool(lenient) and not project.is_project_symbol(qname)


def _cond_wrapper_propagates(project, cond, depth) -> bool:
    """``("wrapper-propagates", qname)``: the project's wrapper (a function, a class), or a function
    nested in it or a method of it, makes a captured context current (or is no project symbol the
    linter knows: unknown code is not assumed to drop it)."""
    qname = cond[1]
    workers = project.facts.get("propagating_workers", {})
    known = project.known_as(qname, workers)
    return any(k == known or k.startswith(known + ".") for k in workers) or not project.is_project_symbol(qname)


def _cond_handoff_covered(project, cond, depth) -> bool:
    key = cond[1]
    if cond[2:] and cond[2] in project.auto_instrumented:
        return True
    for inst in project.active_instrumentors():
        row = project.catalog.instrumentor(inst.qname)
        if row is not None and key in row.covers:
            return True
    return False


def _cond_carries_context(project, cond, depth) -> bool:
    """``("carries-context", class)``: instances of the project class hold a trace context."""
    return cond[1] in project.facts.get("context_carrying_classes", {})


CONDITIONS = {
    "carries-context": _cond_carries_context,
    "subclass-of": _cond_subclass_of,
    "method-captures": _cond_method_captures,
    "worker-propagates": _cond_worker_propagates,
    "wrapper-propagates": _cond_wrapper_propagates,
    "handoff-covered": _cond_handoff_covered,
}


# ------------------------------------------------------------------ scope policy
def scope_requires(ctx) -> Optional[Tuple[tuple, ...]]:
    """The conditions every CTX2xx finding needs under ``thread-scope``; None means "never"."""
    policy = getattr(ctx.settings, "thread_scope", "auto") if ctx.settings is not None else "auto"
    if policy == "never":
        return None
    if policy == "always":
        return ()
    if policy == "contextvars":
        return (("uses-contextvars",),)
    if ctx.model.imports_any(("contextvars",)):
        return ()  # the file itself manages contextvars: a hand-off here loses them
    return (("uses-tracing",),)


def covered_unless(hs: HandOffSite) -> Tuple[tuple, ...]:
    if not hs.row.covered_by:
        return ()
    library = "gevent" if hs.row.kind == "greenlet" else "threading"
    out = (("handoff-covered", hs.row.covered_by, library),)
    if hs.local_pool:
        # a pool made in this function starts its threads on these submits, from this thread: a
        # propagation that patches `Thread.start` (Sentry's threading integration) covers them
        out += (("handoff-covered", "threads:Thread", library),)
    return out


def _replaying_pool(hs: HandOffSite, ctx) -> Optional[cst.Call]:
    """The constructor of the pool a submit runs on, when the same function made it with an
    initializer handed a copy of its context (``ThreadPoolExecutor(initializer=set_context,
    initargs=(contextvars.copy_context(),))``, the copy also through a local name): each worker
    sets that context before it runs anything. None otherwise."""
    if hs.row.kind != "executor":
        return None
    func = hs.site.node.func
    receiver = func.value if isinstance(func, cst.Attribute) else None
    scope = hs.site.scope
    if isinstance(receiver, cst.Name):
        owner, bindings = ctx.resolver.lookup(receiver.value, scope)
        if owner is not scope or len(bindings) != 1 or not isinstance(bindings[0].node, cst.Call):
            return None
        made = bindings[0].node
    elif isinstance(receiver, cst.Call):
        made = receiver
    else:
        return None
    kw = {a.keyword.value: a.value for a in made.args if a.keyword is not None}
    initargs = kw.get("initargs")
    if "initializer" not in kw or not isinstance(initargs, (cst.Tuple, cst.List)):
        return None
    for element in initargs.elements:
        value = element.value
        if isinstance(value, cst.Name):
            owner, bindings = ctx.resolver.lookup(value.value, scope)
            value = bindings[0].node if owner is scope and len(bindings) == 1 else None
        if isinstance(value, cst.Call) and _is_capture_call(value, scope, ctx):
            return made
    return None


def _local_pool(hs: HandOffSite, ctx) -> bool:
    """The thread pool a hand-off runs on is made in the same function, by a constructor call or
    a ``with`` statement (``with ThreadPoolExecutor() as pool: pool.submit(f)``), so its threads
    start here (on the submits; a ``multiprocessing`` ``ThreadPool`` when it is made); a pool kept
    on an object or a module outlives the caller."""
    if hs.row.kind != "executor" or "ThreadPool" not in (hs.receiver_type or hs.row.receiver or ""):
        return False
    func = hs.site.node.func
    receiver = func.value if isinstance(func, cst.Attribute) else None
    if isinstance(receiver, cst.Call):
        return True  # `ThreadPoolExecutor(1).submit(f)`
    if not isinstance(receiver, cst.Name):
        return False
    owner, bindings = ctx.resolver.lookup(receiver.value, hs.site.scope)
    if owner is not hs.site.scope or owner.kind != "function" or not bindings:
        return False
    return all(b.kind in ("assign", "with") and isinstance(b.node, cst.Call) and b.order < hs.site.order
               for b in bindings)


# ------------------------------------------------------------------ fixes
def context_run_text(ctx, scope) -> Tuple[Optional[str], object]:
    """The expression for a fresh copy's ``run`` in code of ``scope``, and the import edit it needs
    (or None); ``(None, None)`` when no free name can spell it. A name the file binds to something
    else (``contextvars = {...}``, a parameter ``contextvars``) is never used: the fix would not
    copy the context, and every later ``--fix`` would add another ``run``."""
    got = imported_name(ctx, scope, T.COPY_CONTEXT, prefer_module=True)
    if got is None:
        return None, None
    return f"{got[0]}().run", got[1]


def build_fix(hs: HandOffSite, ctx):
    """The automatic fix for a dropping hand-off, or None when its shape is not mechanical."""
    row, c = hs.row, hs.callable
    if not row.fix or c is None or hs.carry != "drops":
        return None
    if hs.confidence != "resolved" and row.receiver != T.LOOP:
        return None  # only `run_in_executor` names one API whatever the receiver is
    if row.receiver == T.EXECUTOR:
        return None  # may be a process pool: a Context cannot be pickled
    run_text, import_edit = context_run_text(ctx, hs.site.scope)
    if run_text is None:
        return None
    call = hs.site.node
    if row.fix == "prepend-run":
        arg = _arg_node(call, row.target[1], row.target[0])
        if arg is None or arg.keyword is not None:
            return None
        edit = insert_before(ctx, arg, f"{run_text}, ")
        return make_fix("unsafe", f"Run `{ctx.code_for(c)}` in a copy of the caller's context", (edit, import_edit), ctx)
    if row.fix == "target-run":
        target_arg = _arg_node(call, row.target[1], row.target[0])
        if target_arg is None:
            return None
        fn = ctx.code_for(c)
        args = hs.args_arg
        edits = []
        if args is None:
            if any(a.keyword is None for a in call.args[call.args.index(target_arg) + 1:]):
                return None
            edits.append(replace_node(ctx, c, f"{run_text}, args=({fn},)"))
        else:
            value = args.value
            if isinstance(value, (cst.Tuple, cst.List)):
                parts = [fn] + [("*" if isinstance(el, cst.StarredElement) else "") + ctx.code_for(el.value)
                                for el in value.elements]
            elif isinstance(value, cst.Name) and value.value == "None":
                parts = [fn]
            else:
                parts = [fn, "*" + ctx.code_for(value)]
            text = ", ".join(parts) + ("," if len(parts) == 1 else "")
            if not getattr(value, "lpar", None):
                text = f"({text})"  # positions exclude a node's own parentheses: keep them
            edits.append(replace_node(ctx, c, run_text))
            edits.append(replace_node(ctx, value, text))
        edits.append(import_edit)
        return make_fix("unsafe", f"Run `{fn}` in a copy of the caller's context", edits, ctx)
    return None


# ------------------------------------------------------------------ reporting (shared by CTX201-CTX204)
def suggestion_for(hs: HandOffSite, ctx, key: str = "") -> str:
    row = hs.row
    if not key:
        key = row.kind
        if row.kind == "executor" and row.receiver == T.THREAD_POOL:
            key = "thread-pool"
        elif row.kind == "executor" and row.per_item:
            key = "executor-map"
        elif row.kind == "thread" and row.function != T.THREAD:
            key = "timer"
        elif row.kind == "loop-executor":
            first = hs.site.node.args[0].value if hs.site.node.args else None
            if isinstance(first, cst.Name) and first.value == "None" and hs.site.scope.is_async:
                key = "loop-executor-default"
    func = hs.site.node.func
    receiver = ctx.code_for(func.value) if isinstance(func, cst.Attribute) else ""
    run_text = context_run_text(ctx, hs.site.scope)[0] or "contextvars.copy_context().run"
    fn = ctx.code_for(hs.callable) if hs.callable is not None else "fn"
    return T.SUGGESTIONS[key].format(call=ctx.code_for(func), fn=fn, run=run_text, receiver=receiver)


def short(ctx, node, limit: int = 40) -> str:
    text = " ".join(ctx.code_for(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class HandOffRuleMixin:
    """``check`` for the rules that report hand-offs dropping the context (CTX201-CTX204)."""

    fix_rows = True

    def describe(self, hs: HandOffSite, ctx) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def check(self, model, ctx):
        scope_req = scope_requires(ctx)
        if scope_req is None:
            return
        for hs in handoff_sites(model, ctx):
            if hs.code != self.code or hs.carry != "drops":
                continue
            site = hs.site
            related = []
            suggestion = suggestion_for(hs, ctx)
            message = self.describe(hs, ctx)
            if hs.carry_node is not None and hs.worker:
                worker = hs.worker.rsplit(".", 1)[-1]
                message += f"; `{worker}` receives the context as an argument but never attaches it"
                related.append(ctx.related(hs.carry_node, f"the context is passed to `{worker}` here"))
                local = ctx.model.scopes.get(hs.worker)
                if local is not None:
                    related.append(ctx.related(local.node.name, f"`{worker}` never attaches it"))
                suggestion = T.SUGGESTIONS["attach"] + "\n" + suggestion
            if hs.row.note:
                message += f" ({hs.row.note})"
            fix = build_fix(hs, ctx) if self.fix_rows else None
            target = f"{hs.row.label}:{hs.worker or (short(ctx, hs.callable) if hs.callable is not None else '')}"
            yield ctx.candidate(
                self, site.node, scope=site.scope, target=target, message=message,
                suggestion=suggestion, related=related, fix=fix, confidence=hs.confidence,
                requires=scope_req + hs.requires, unless=covered_unless(hs) + hs.unless,
                statement=site.statement,
            )
