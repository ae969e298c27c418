"""The propagation map: who publishes to which destination, who consumes it, where context is lost.

Two halves:

1. A per-file facts collector (``topology`` key, plain JSON-able records, a pure function of the
   file like every fact) that lists the file's asynchronous edges, found by the detectors the
   rules use (``publishing.publish_sites``, ``consuming.handlers``, ``handoffs.handoff_sites``):

   - ``publish``: library, enclosing function, the destination's name as parts (``["lit", "orders."]``,
     ``["ref", "shop.config.REGION"]`` for an imported constant, ``["expr", "region"]`` for a value
     the linter cannot know), the call's location, and ``signal``: whether the context visibly
     reaches the carrier (``yes`` / ``conditional`` / ``no`` / ``unknown``, from ``flow.reaches``);
   - ``consume`` records: the handler, the destination it consumes (named on the consume call,
     the consumer's creation or its ``subscribe`` call: ``catalog/consumers.py``), where the
     messages come from, the handler's code (its CTX3xx findings make the edge a gap) and
     ``signal`` (is its span connected to the message?); see ``_consume_records``;
   - ``handoff`` records (see ``_handoff_records``).

2. :func:`build_graph`: joins those records with the findings of the same run (a finding inside an
   edge's call makes it a ``gap`` with the finding's code), groups files into services, names the
   destinations (imported constants are read from their module's source), chains follow-up
   publishes made inside handlers, and returns a :class:`Graph` the renderers in ``graph/`` draw.

Output is deterministic: nodes and edges are sorted, ids are derived from names.
"""
from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import libcst as cst

from .facts import collector
from .model import FileModel, Scope, string_value

FACT_KEY = "topology"
STATES = ("gap", "unknown", "propagated")  # worst first
CONSUME_CODES = "CTX3"  # findings that break a consume edge (CTX1xx break publishes, CTX2xx hand-offs)
MAX_PARTS = 12


# ====================================================================== per-file facts
# Only `propagation-lint graph` needs these records (set per worker by runner._init_worker);
# `check` skips them, since their locations would cost a position pass on every relevant file.
ENABLED = False


@collector
def _topology_facts(model: FileModel, ctx) -> dict:
    if not ENABLED:
        return {}
    records: List[dict] = []
    for family in (_publish_records, _consume_records, _handoff_records):
        try:
            records.extend(family(model, ctx))
        except RecursionError:
            raise
        except Exception:  # the map's bug must never break `check`, which collects these facts too
            pass
    return {FACT_KEY: records} if records else {}


def _loc(ctx, node) -> list:
    loc = ctx.location(node)
    return [loc.path, loc.line, loc.column, loc.end_line, loc.end_column]


def _function_of(scope: Optional[Scope]) -> str:
    s = scope
    while s is not None and s.kind != "function":
        s = s.parent
    return s.qname if s is not None else (scope.qname if scope is not None else "")


def _publish_records(model: FileModel, ctx) -> Iterable[dict]:
    from .flow import arg_value
    from .publishing import carrier_signal, publish_sites

    for ps in publish_sites(model, ctx):
        pub = ps.publisher
        site = ps.site
        dest = arg_value(site.node, pub.destination.name, pub.destination.position) if pub.destination else None
        parts = destination_parts(dest, site.scope, ctx) if dest is not None else _task_destination(ps, ctx)
        signal = carrier_signal(ps, ctx)
        yield {
            "kind": "publish",
            "library": pub.library,
            "method": pub.method,
            "receiver": pub.receiver,
            "function": _function_of(site.scope),
            "destination": parts,
            "loc": _loc(ctx, site.node),
            "signal": signal,
            "confidence": ps.confidence,
            # what the project pass must confirm, as for the CTX1xx candidates (an imported name is
            # a task, a module-level instance or a factory's result of this library's type)
            "requires": [list(c) for c in ps.requires],
        }


def _task_destination(ps, ctx) -> list:
    """``task.delay()`` / ``actor.send()`` publish to the task: its qualified name (what the
    consume side names a task without an explicit name)."""
    from .catalog import consumers as cc
    from .catalog import publishers as pubcat

    func = ps.site.node.func
    if ps.publisher.library in {e.library for e in cc.TASK_ENTRIES} and isinstance(func, cst.Attribute):
        receiver = func.value
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) \
                and receiver.func.attr.value in pubcat.SIGNATURE_METHODS:
            receiver = receiver.func.value  # task.s(x).apply_async()
        value = ctx.resolver.resolve(receiver, ps.site.scope)
        if value.kind == "ref" and value.project:
            task = ctx.model.scopes.get(value.qname)
            if task is not None and task.kind == "function":
                return _task_name(task, ps.publisher.library, ctx)  # named in its decorator
            return [["lit", value.qname]]
    return [["expr", "?"]]


def _consume_records(model: FileModel, ctx) -> Iterable[dict]:
    """``consume`` records, one per handler and destination it consumes, from the consumer rules'
    detector (``consuming.handlers``): ``{"kind": "consume", "library", "handler": qname,
    "function", "destination": parts, "loc": where the messages come from (the consume call, the
    loop, the task's def), "region": the handler's code (a CTX3xx finding there makes the edge a
    gap), "signal", "requires", "unless", "also": functions the handler hands each message to}``.
    The destination comes from the catalog (``destination`` of the receive / callback row,
    ``SOURCES`` for the call that created or subscribed the consumer); a Lambda's event source is
    configured outside the code and stays unknown."""
    from .consuming import handler_at, handlers, site_map

    found = handlers(model, ctx)
    remote = ctx.shared.get("remote_handlers", ())
    if not found and not remote:
        return
    batch_of = {id(loop): h for h in found for loop in h.message_loops}
    also: Dict[int, List[str]] = {}
    sites = site_map(model, ctx)
    for h in found:
        if h.kind != "delegate":
            continue
        site = sites.get(id(h.anchor))
        origin = handler_at(site, model, ctx) if site is not None else None
        if origin is not None:
            origin = batch_of.get(id(origin), origin)
            also.setdefault(id(origin), []).append(h.scope.qname)
    for h in found:
        if id(h) in batch_of or h.kind == "delegate":
            continue
        handler = _function_of(h.scope)
        signal, unless = _consume_signal(h, ctx)
        base = {
            "kind": "consume",
            "library": h.library,
            "handler": handler,
            "function": handler,
            "loc": _loc(ctx, h.anchor if h.kind not in ("task", "lambda", "configured") else _def_name(h.scope)),
            "region": _region(h, ctx),
            "signal": signal,
            "requires": [list(c) for c in h.requires],
            "unless": unless,
        }
        if also.get(id(h)):
            base["also"] = sorted(set(also[id(h)]))
        for parts in _consume_destinations(h, ctx) or [[["expr", "?"]]]:
            yield {**base, "destination": parts}
    for anchor, row, qname, scope, _value in remote:
        dests = _call_destinations(anchor, row, scope, ctx, qname) if isinstance(anchor, cst.Call) else []
        if not dests and isinstance(anchor, cst.Call) and isinstance(anchor.func, cst.Attribute):
            dests = _receiver_destinations(anchor.func.value, scope, ctx, row.library)
        for parts in dests or [[["expr", "?"]]]:
            yield {"kind": "consume", "library": row.library, "handler": qname, "function": qname,
                   "destination": parts, "loc": _loc(ctx, anchor), "signal": "unknown", "requires": [], "unless": []}


def _def_name(scope: Scope):
    return scope.node.name if isinstance(scope.node, cst.FunctionDef) else scope.node


def _region(h, ctx) -> list:
    """The handler's code, as a location range."""
    if h.loop is not None:
        return _loc(ctx, h.loop)
    if h.start >= 0:
        start = _loc(ctx, h.anchor)
        if h.scope.kind == "function":
            end = _loc(ctx, h.scope.node)
            return [start[0], start[1], start[2], end[3], end[4]]
        return [start[0], start[1], start[2], 10 ** 9, 0]
    return _loc(ctx, h.scope.node)


def _consume_signal(h, ctx) -> Tuple[str, list]:
    """Does the producer's context reach the handler's first span (``yes``), visibly not (``no``,
    with the conditions that would still connect it: instrumentation, helpers that attach), or
    cannot the linter tell (``unknown``)?"""
    from .consuming import connection, links_per_message

    unless = [list(h.instrumented)]
    span = h.first_span(ctx)
    if span is None:
        return "no", unless  # no span of its own: only an instrumentor traces it
    if h.batch and h.message_loops and span.site is not None and any(l.contains(span.site) for l in h.message_loops):
        signals = [_consume_signal(l, ctx) for l in h.message_loops]
        states = {s for s, _ in signals}
        state = "no" if "no" in states else "unknown" if "unknown" in states else "yes"
        return state, unless + [c for _, u in signals for c in u if c not in unless]
    if h.batch:
        per = links_per_message(span, h, ctx)
        return ("yes" if per else "unknown" if per is None else "no"), unless
    conn = connection(h, span, ctx)
    if conn.parent or conn.link:
        return "yes", unless
    if conn.unknown:
        return "unknown", unless
    return "no", unless + [list(c) for c in conn.conditions]


# ---------------------------------------------------------------------- consume destinations
def _consume_destinations(h, ctx) -> List[list]:
    """The destinations a handler consumes, as name parts (see :func:`destination_parts`)."""
    from .catalog import consumers as cc

    if h.kind == "task":
        return [_task_name(h.scope, h.library, ctx)]
    if h.kind in ("lambda", "configured"):
        return []
    anchor = _await(h.anchor)
    scope = _anchor_scope(h, ctx)
    if isinstance(anchor, cst.Call):
        method = _call_method(anchor)
        rows = [r for r in cc.CALLBACKS + cc.RECEIVES if r.library == h.library and r.pattern == h.pattern
                and r.receiver == h.receiver and r.destination is not None
                and (r.method == method or r.method == "()" and getattr(r, "function", ""))]
        for row in rows:
            dests = _call_destinations(anchor, row, scope, ctx, h.scope.qname if h.kind == "callback" else "")
            if dests:
                return dests
    if isinstance(anchor, cst.Call):
        # `consumer.poll()`, `queue.consume(cb)`: what the consumer it is called on names
        if isinstance(anchor.func, cst.Attribute):
            return _receiver_destinations(anchor.func.value, scope, ctx, h.library)
        return []
    # `for record in consumer`, `sub.messages`, `client.on_message = fn`, `resp["Messages"]`
    return _receiver_destinations(anchor, scope, ctx, h.library)


def _anchor_scope(h, ctx) -> Scope:
    """The scope of the consume call or registration (a callback's is not the callback's own)."""
    from .consuming import site_map

    if h.kind != "callback":
        return h.scope
    site = site_map(ctx.model, ctx).get(id(h.anchor))
    if site is not None:
        return site.scope
    for scope in ctx.model.root.walk():
        if any(target is h.anchor for target, _, _, _ in scope.attr_stores):  # `client.on_message = fn`
            return scope
    return h.scope


def _call_method(call: cst.Call) -> str:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else "()"


def _await(expr):
    while isinstance(expr, cst.Await):
        expr = expr.expression
    return expr


def _call_destinations(call: cst.Call, row, scope: Scope, ctx, handler: str = "") -> List[list]:
    """The destination argument of a receive or registration call (``row.destination``);
    ``handler``: the qualified name of the callback it registers, when known."""
    from .flow import arg_value

    arg = row.destination
    if arg is None:
        return []
    if getattr(row, "any_keyword", False):
        # redis `pubsub.subscribe(orders=handler)`: the keyword is the channel
        names = [a.keyword.value for a in call.args if a.keyword is not None
                 and (not handler or _callable_name(a.value, scope, ctx) == handler)]
        return [[["lit", n]] for n in sorted(set(names))]
    value = arg_value(call, arg.name, arg.position)
    if value is None:
        return []
    if handler and _callable_name(value, scope, ctx) == handler:
        return []  # pika < 1.0: basic_consume(callback, queue=...) without the queue keyword
    return _names_of(value, scope, ctx, row.library)


def _names_of(expr, scope: Scope, ctx, library: str, depth: int = 0) -> List[list]:
    out: List[list] = []
    for e, s in _expand(expr, scope, ctx, library, depth):
        parts = destination_parts(e, s, ctx)
        if parts not in out:
            out.append(parts)
    return out


def _expand(expr, scope: Scope, ctx, library: str, depth: int = 0) -> List[tuple]:
    """The single names a destination value holds: list/tuple/set elements, a dict's keys, a local
    or module list, ``kombu.Queue(name)`` and other name wrappers (``SOURCES`` rows)."""
    expr = _await(expr)
    if depth > 5:
        return [(expr, scope)]
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        out = []
        for el in expr.elements:
            value = el.value
            if isinstance(value, cst.Tuple) and value.elements:  # paho: [(topic, qos), ...]
                value = value.elements[0].value
            out.extend(_expand(value, scope, ctx, library, depth + 1))
        return out
    if isinstance(expr, cst.Dict):
        return [o for el in expr.elements if isinstance(el, cst.DictElement)
                for o in _expand(el.key, scope, ctx, library, depth + 1)]
    if isinstance(expr, cst.Name):
        owner, bindings = ctx.resolver.lookup(expr.value, scope)
        if len(bindings) == 1 and bindings[0].kind == "assign" and isinstance(
                bindings[0].node, (cst.List, cst.Tuple, cst.Set, cst.Dict, cst.Call)):
            inner = _expand(bindings[0].node, owner, ctx, library, depth + 1)
            if not (len(inner) == 1 and inner[0][0] is bindings[0].node):
                return inner
        return [(expr, scope)]
    if isinstance(expr, cst.Call):
        for e in _source_values(expr, scope, ctx, library, methods_only=False):
            return [o for v in e for o in _expand(v, scope, ctx, library, depth + 1)]
    return [(expr, scope)]


def _source_values(call: cst.Call, scope: Scope, ctx, library: str, methods_only: bool) -> Iterable[list]:
    """For each ``SOURCES`` row this call matches, the argument values naming destinations."""
    from .catalog import consumers as cc
    from .flow import arg_value

    func = call.func
    method = func.attr.value if isinstance(func, cst.Attribute) else ""
    qname = ""
    recv_type = ""
    if isinstance(func, cst.Attribute):
        recv = ctx.resolver.resolve(func.value, scope)
        if recv.kind == "instance" and not recv.project:
            recv_type = ctx.catalog.canonical(recv.qname)
    if not methods_only:
        q = ctx.resolver.callee_name(call, scope)
        qname = ctx.catalog.canonical(q) if q else ""
    for row in cc.SOURCES:
        if row.library != library:
            continue
        if row.method == "()":
            if methods_only:
                continue
            last = row.callee.rsplit(".", 1)[-1]
            if not (qname == row.callee or (not qname and isinstance(func, cst.Name) and func.value == last)):
                continue
        elif row.method != method or (recv_type and recv_type != row.callee):
            continue
        if row.many:
            positional = [a for a in call.args if a.keyword is None]
            values = [a.value for a in positional[row.arg.position or 0:]]
            kw = arg_value(call, row.arg.name, None)
            if kw is not None and not values:
                values = [kw]
        else:
            value = arg_value(call, row.arg.name, row.arg.position)
            values = [value] if value is not None else []
        if values:
            yield values


def _receiver_destinations(expr, scope: Scope, ctx, library: str, direct: bool = True, depth: int = 0) -> List[list]:
    """What the consumer ``expr`` consumes: named where it was created (``KafkaConsumer("orders")``,
    ``await channel.declare_queue("jobs")``) or subscribed (``consumer.subscribe(["orders"])``)."""
    from .catalog import consumers as cc

    expr = _await(expr)
    if depth > 6:
        return []
    out: List[list] = []

    def add(found: List[list]) -> None:
        for parts in found:
            if parts not in out:
                out.append(parts)

    if isinstance(expr, cst.Call):
        for values in _source_values(expr, scope, ctx, library, methods_only=False):
            for v in values:
                add(_names_of(v, scope, ctx, library))
        method = _call_method(expr)
        for row in cc.RECEIVES:
            if row.library == library and row.method == method and row.destination is not None and not out:
                add(_call_destinations(expr, row, scope, ctx))
        if not out and isinstance(expr.func, cst.Attribute):
            # `queue.iterator()`, `r.pubsub()`: what the object it came from names
            add(_receiver_destinations(expr.func.value, scope, ctx, library, direct=False, depth=depth + 1))
        return out
    if isinstance(expr, cst.Attribute) and not _is_self_attr(expr):
        return _receiver_destinations(expr.value, scope, ctx, library, direct, depth + 1)  # `sub.messages`
    if isinstance(expr, cst.Subscript):
        return _receiver_destinations(expr.value, scope, ctx, library, direct, depth + 1)  # `resp["Messages"]`
    for node, owner in _creations(expr, scope, ctx):
        add(_receiver_destinations(node, owner, ctx, library, direct=False, depth=depth + 1))
    if direct:
        for site, site_scope in _calls_on(expr, scope, ctx):
            for values in _source_values(site, site_scope, ctx, library, methods_only=True):
                for v in values:
                    add(_names_of(v, site_scope, ctx, library))
    return out


def _is_self_attr(expr) -> bool:
    return isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self"


def _creations(expr, scope: Scope, ctx) -> List[tuple]:
    """The values a consumer variable (``consumer``, ``self.consumer``) was assigned."""
    if isinstance(expr, cst.Name):
        owner, bindings = ctx.resolver.lookup(expr.value, scope)
        # `for stream, messages in r.xread(...)`: the iterable came from the consumer too
        return [(_await(b.node), owner) for b in bindings if b.kind in ("assign", "with", "for") and b.node is not None]
    if _is_self_attr(expr):
        cls = scope.class_scope if scope is not None else None
        if cls is None:
            return []
        return [(_await(b.node), _method_of(cls, b.order) or cls) for b in cls.self_attrs.get(expr.attr.value, [])
                if b.kind == "assign" and b.node is not None]
    return []


def _calls_on(expr, scope: Scope, ctx) -> List[tuple]:
    """Method calls on the same consumer variable (``consumer.subscribe(...)``)."""
    out = []
    if isinstance(expr, cst.Name):
        owner, _ = ctx.resolver.lookup(expr.value, scope)
        for site in ctx.model.all_calls:
            f = site.node.func
            if (isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == expr.value
                    and ctx.resolver.lookup(expr.value, site.scope)[0] is owner):
                out.append((site.node, site.scope))
    elif _is_self_attr(expr):
        cls = scope.class_scope
        for site in ctx.model.all_calls:
            f = site.node.func
            if (isinstance(f, cst.Attribute) and _is_self_attr(f.value) and f.value.attr.value == expr.attr.value
                    and site.scope.class_scope is cls):
                out.append((site.node, site.scope))
    return out


def _task_name(scope: Scope, library: str, ctx) -> list:
    """A task's destination: the name its decorator gives it, else its qualified name (Celery's
    default name, and what ``task.delay()`` publishes to)."""
    from .catalog import consumers as cc
    from .flow import arg_value

    for entry in cc.TASK_ENTRIES:
        if entry.library != library or entry.destination is None:
            continue
        for dec in scope.decorators:
            if isinstance(dec, cst.Call):
                value = arg_value(dec, entry.destination.name, entry.destination.position)
                if value is not None:
                    return destination_parts(value, scope.parent or scope, ctx)
    return [["lit", scope.qname]]


# how the context crosses a hand-off (``handoffs.HandOffSite.carry``) -> the edge's signal
_CARRY_SIGNAL = {"drops": "no", "unknown": "unknown"}
_HANDOFF_MODE = {"process": "process", "greenlet": "greenlet"}  # every other row kind runs a thread


def _handoff_records(model: FileModel, ctx) -> Iterable[dict]:
    from .handoffs import covered_unless, handoff_sites

    for hs in handoff_sites(model, ctx):
        target = hs.worker
        if not target and hs.carry in ("copied", "shared-copy") and hs.rest_args:
            target = _callable_name(hs.rest_args[0].value, hs.site.scope, ctx)  # ctx.run(fn, ...)
        if not target and hs.callable is not None:
            target = _callable_name(hs.callable, hs.site.scope, ctx)
        yield {
            "kind": "handoff",
            "library": hs.row.label,
            "mode": _HANDOFF_MODE.get(hs.row.kind, "thread"),
            "function": _function_of(hs.site.scope),
            "target": target or "?",
            "loc": _loc(ctx, hs.site.node),
            "signal": _CARRY_SIGNAL.get(hs.carry, "yes"),
            "requires": [list(c) for c in hs.requires],
            "unless": [list(c) for c in covered_unless(hs) + hs.unless],
        }


def _callable_name(expr, scope: Scope, ctx) -> str:
    q = ctx.resolver.qualify(expr, scope)
    if q:
        return q
    return _unknown(expr, ctx)[0][1]


# ---------------------------------------------------------------------- destination names
def destination_parts(expr, scope: Scope, ctx, depth: int = 0) -> list:
    """The destination's name as ``[[kind, text], ...]``: ``lit`` (known text), ``ref`` (a
    qualified name of a constant in another module, read by the project pass) or ``expr`` (the
    source text of a value the linter cannot know)."""
    parts = _parts(expr, scope, ctx, depth)
    merged: list = []
    for kind, text in parts[:MAX_PARTS]:
        if merged and kind == "lit" and merged[-1][0] == "lit":
            merged[-1][1] += text
        else:
            merged.append([kind, text])
    return merged or [["lit", ""]]


def _unknown(expr, ctx) -> list:
    try:
        text = ctx.code_for(expr).strip()
    except Exception:
        text = "?"
    text = " ".join(text.split())
    if len(text) > 40:
        text = text[:37] + "..."
    return [["expr", text or "?"]]


def _parts(expr, scope: Scope, ctx, depth: int) -> list:
    if depth > 6:
        return _unknown(expr, ctx)
    if isinstance(expr, cst.SimpleString):
        value = string_value(expr)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return [["lit", value]]
    if isinstance(expr, cst.ConcatenatedString):
        return _parts(expr.left, scope, ctx, depth + 1) + _parts(expr.right, scope, ctx, depth + 1)
    if isinstance(expr, cst.FormattedString):
        out: list = []
        for piece in expr.parts:
            if isinstance(piece, cst.FormattedStringText):
                out.append(["lit", piece.value.replace("{{", "{").replace("}}", "}")])
            elif isinstance(piece, cst.FormattedStringExpression):
                out.extend(_parts(piece.expression, scope, ctx, depth + 1))
        return out
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _parts(expr.left, scope, ctx, depth + 1) + _parts(expr.right, scope, ctx, depth + 1)
    if isinstance(expr, cst.Name):
        owner, bindings = ctx.resolver.lookup(expr.value, scope)
        if len(bindings) == 1:
            b = bindings[0]
            if b.kind == "assign" and b.node is not None:
                return _parts(b.node, owner, ctx, depth + 1)
            if b.kind == "import" and b.qname:
                return [["ref", b.qname]]
        return _unknown(expr, ctx)
    if isinstance(expr, cst.Attribute):
        base = expr.value
        cls = scope.class_scope if scope is not None else None
        if isinstance(base, cst.Name) and base.value == "self" and cls is not None:
            bindings = cls.self_attrs.get(expr.attr.value, [])
            if len(bindings) == 1 and bindings[0].node is not None and bindings[0].kind == "assign":
                method = _method_of(cls, bindings[0].order)
                return _parts(bindings[0].node, method or cls, ctx, depth + 1)
            return _unknown(expr, ctx)
        q = ctx.resolver.qualify(expr, scope)
        if q and "." in q:
            return [["ref", q]]
        return _unknown(expr, ctx)
    return _unknown(expr, ctx)


def _method_of(cls: Scope, order: int) -> Optional[Scope]:
    """The method of ``cls`` whose body holds the statement numbered ``order``."""
    best = None
    for child in cls.children:
        if child.kind != "function":
            continue
        orders = [b.order for bs in child.bindings.values() for b in bs] + [c.order for c in child.calls]
        if orders and min(orders) <= order and (best is None or min(orders) > best[0]):
            best = (min(orders), child)
    return best[1] if best else None


# ====================================================================== the graph
@dataclass
class Site:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    function: str
    state: str
    findings: List[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "path": self.path, "line": self.line, "column": self.column,
            "end_line": self.end_line, "end_column": self.end_column,
            "function": self.function, "state": self.state, "findings": self.findings,
        }


@dataclass
class Node:
    id: str
    kind: str  # service | destination | handler | worker
    label: str
    service: str = ""
    detail: str = ""  # full name (a destination's URL, a handler's qualified name)
    resolved: bool = True

    def as_dict(self) -> dict:
        out = {"id": self.id, "kind": self.kind, "label": self.label}
        if self.service:
            out["service"] = self.service
        if self.detail and self.detail != self.label:
            out["detail"] = self.detail
        if self.kind == "destination":
            out["resolved"] = self.resolved
        return out


@dataclass
class Edge:
    id: str
    kind: str  # publish | consume | handoff
    source: str
    target: str
    libraries: List[str] = field(default_factory=list)
    sites: List[Site] = field(default_factory=list)

    @property
    def state(self) -> str:
        states = {s.state for s in self.sites}
        for s in STATES:
            if s in states:
                return s
        return "unknown"

    @property
    def codes(self) -> List[str]:
        return sorted({f["code"] for s in self.sites for f in s.findings})

    def as_dict(self) -> dict:
        return {
            "id": self.id, "kind": self.kind, "source": self.source, "target": self.target,
            "state": self.state, "codes": self.codes, "libraries": self.libraries,
            "sites": [s.as_dict() for s in self.sites],
        }


@dataclass
class Graph:
    nodes: List[Node] = field(default_factory=list)
    edges: List[Edge] = field(default_factory=list)
    internal_errors: list = field(default_factory=list)  # crashes of the run (reported, not drawn)

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def as_dict(self) -> dict:
        counts = {s: sum(1 for e in self.edges if e.state == s) for s in STATES}
        return {
            "version": 1,
            "summary": {"nodes": len(self.nodes), "edges": len(self.edges), **{f"{k}_edges": v for k, v in counts.items()}},
            "nodes": [n.as_dict() for n in self.nodes],
            "edges": [e.as_dict() for e in self.edges],
        }


# ---------------------------------------------------------------------- services
def service_namer(paths: Sequence[str], service_root: str = "", cwd: str = ""):
    """A function from a displayed file path to its service name.

    With ``service_root``, a service is a directory (or module) directly below it. Without it,
    below the deepest directory that holds every file: a repository of ``services/orders/...``
    and ``services/billing/...`` has the services ``orders`` and ``billing``; a single package
    ``shop/`` has one service per sub-package or module."""
    root = ""
    if service_root:
        root = _norm(service_root, cwd)
    else:
        dirs = [posixpath.dirname(p) for p in paths]
        root = _common_dir(dirs) if dirs else ""

    def name(path: str) -> str:
        rel = _relative(path, root)
        if rel is None:
            rel = path.lstrip("/")
        parts = [p for p in rel.split("/") if p and p != "."]
        if not parts:
            return "."
        if len(parts) == 1:
            stem = parts[0][:-3] if parts[0].endswith(".py") else parts[0]
            if stem == "__init__":
                return posixpath.basename(root) or "."
            return stem
        return parts[0]

    return name


def _norm(path: str, cwd: str) -> str:
    p = Path(path)
    if p.is_absolute() and cwd:
        try:
            return p.resolve().relative_to(Path(cwd).resolve()).as_posix()
        except ValueError:
            return p.as_posix()
    return posixpath.normpath(p.as_posix()) if path else ""


def _relative(path: str, root: str) -> Optional[str]:
    if root in ("", "."):
        return None if path.startswith("/") or path.startswith("..") else path
    if path == root or path.startswith(root.rstrip("/") + "/"):
        return path[len(root.rstrip("/")) + 1:]
    return None


def _common_dir(dirs: Sequence[str]) -> str:
    split = [[p for p in d.split("/") if p] for d in dirs]
    common: List[str] = []
    for parts in zip(*split):
        if all(p == parts[0] for p in parts):
            common.append(parts[0])
        else:
            break
    prefix = "/" if dirs and all(d.startswith("/") for d in dirs) else ""
    return prefix + "/".join(common)


# ---------------------------------------------------------------------- names
def destination_name(parts: list, constants) -> Tuple[str, bool]:
    """(text, fully resolved). Unknown pieces are shown as ``{expr}``; a bare unknown as ``?``."""
    out = []
    resolved = True
    for kind, text in parts:
        if kind == "lit":
            out.append(text)
        elif kind == "ref":
            value = constants(text)
            if value is None:
                out.append("{" + text.rsplit(".", 1)[-1] + "}")
                resolved = False
            else:
                out.append(value)
        else:
            out.append("?" if text == "?" else "{" + text + "}")
            resolved = False
    return "".join(out), resolved


def short_label(name: str) -> str:
    """A queue URL or ARN is shown by its last segment (the queue or topic name)."""
    if "://" in name or name.startswith("arn:"):
        tail = name.rstrip("/").replace(":", "/").rsplit("/", 1)[-1]
        return tail or name
    return name


class ConstantReader:
    """Module-level string constants of the checked files, read on demand with ``ast``
    (a constants module has no trigger word, so the per-file pass may never parse it)."""

    def __init__(self, modules: Dict[str, str]):
        self.modules = modules  # module -> filesystem path
        self._cache: Dict[str, Dict[str, str]] = {}

    def __call__(self, qname: str, depth: int = 0) -> Optional[str]:
        if "." not in qname or depth > 4:
            return None
        module, name = qname.rsplit(".", 1)
        table = self._table(module)
        value = table.get(name)
        if value is None and module in self.modules:
            alias = self._aliases(module).get(name)
            if alias:
                return self(alias, depth + 1)
        return value

    def _table(self, module: str) -> Dict[str, str]:
        if module in self._cache:
            return self._cache[module]
        table: Dict[str, str] = {}
        tree = self._parse(module)
        if tree is not None:
            counts: Dict[str, int] = {}
            for stmt in tree.body:
                targets = []
                if isinstance(stmt, ast.Assign):
                    targets = [t for t in stmt.targets if isinstance(t, ast.Name)]
                    value = stmt.value
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                    targets = [stmt.target]
                    value = stmt.value
                for t in targets:
                    counts[t.id] = counts.get(t.id, 0) + 1
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        table[t.id] = value.value
            for name, n in counts.items():
                if n > 1:
                    table.pop(name, None)  # reassigned: not a constant
        self._cache[module] = table
        return table

    def _aliases(self, module: str) -> Dict[str, str]:
        tree = self._parse(module)
        out: Dict[str, str] = {}
        if tree is None:
            return out
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom):
                base = stmt.module or ""
                if stmt.level:
                    parts = module.split(".")
                    path = self.modules.get(module, "")
                    if not path.endswith("__init__.py"):
                        parts = parts[:-1]
                    parts = parts[: len(parts) - (stmt.level - 1)] if stmt.level > 1 else parts
                    base = ".".join(parts + ([base] if base else []))
                for alias in stmt.names:
                    out[alias.asname or alias.name] = f"{base}.{alias.name}"
        return out

    def _parse(self, module: str):
        path = self.modules.get(module)
        if not path:
            return None
        try:
            return ast.parse(Path(path).read_text(encoding="utf-8", errors="replace"))
        except (OSError, SyntaxError, ValueError, RecursionError):
            return None


# ---------------------------------------------------------------------- building
def _within(loc, site: list) -> bool:
    path, line, col, end_line, end_col = site
    if loc.path != path:
        return False
    return (line, col) <= (loc.line, loc.column) <= (end_line, end_col)


def build_graph(records: Sequence[dict], findings: Sequence, service_of, constants, holds=None) -> Graph:
    """The graph from every file's ``topology`` records and the run's findings.

    ``service_of(path)`` names a file's service; ``constants(qname)`` reads a string constant;
    ``holds(condition)`` decides a project condition (auto-instrumentation) for publishes whose
    carrier visibly lacks the context but that no finding reports."""
    by_path: Dict[str, list] = {}
    for f in findings:
        by_path.setdefault(f.location.path, []).append(f)
    nodes: Dict[str, Node] = {}
    edges: Dict[Tuple[str, str, str], Edge] = {}
    handlers: Dict[str, str] = {}  # handler function qname -> node id

    def node(node_id: str, kind: str, label: str, service: str = "", detail: str = "", resolved: bool = True) -> str:
        if node_id not in nodes:
            nodes[node_id] = Node(node_id, kind, label, service, detail, resolved)
        return node_id

    def destination(parts: list, function: str) -> str:
        name, resolved = destination_name(parts, constants)
        if not resolved and not any(k == "lit" and t for k, t in parts):
            # nothing known about it: never joined with another unknown
            key = f"destination:{name}@{function}"
        else:
            key = f"destination:{name}"
        return node(key, "destination", short_label(name), detail=name, resolved=resolved)

    def site_for(rec: dict, state: str, prefix: str = "") -> Site:
        loc = rec["loc"]
        region = rec.get("region") or loc
        found = [f for f in by_path.get(region[0], ()) if _within(f.location, region) and f.code.startswith(prefix)]
        codes = [{"code": f.code, "message": f.message, "path": f.location.path,
                  "line": f.location.line, "column": f.location.column} for f in found]
        if codes:
            state = "gap"
        return Site(loc[0], loc[1], loc[2], loc[3], loc[4], rec.get("function", ""), state, codes)

    def add_edge(kind: str, source: str, target: str, library: str, site: Site) -> None:
        key = (kind, source, target)
        edge = edges.get(key)
        if edge is None:
            edge = edges[key] = Edge("", kind, source, target)
        if library and library not in edge.libraries:
            edge.libraries.append(library)
        if any((s.path, s.line, s.column) == (site.path, site.line, site.column) for s in edge.sites):
            return  # one call is one site, however many records describe it
        edge.sites.append(site)

    ordered = sorted(records, key=lambda r: (r["loc"][0], r["loc"][1], r["loc"][2], r["kind"]))
    # consumers first: their handlers become the sources of follow-up publishes
    for rec in ordered:
        if rec["kind"] != "consume":
            continue
        if holds is not None and not all(holds(tuple(c)) for c in rec.get("requires", ())):
            continue
        service = service_of(rec["loc"][0])
        handler = rec.get("handler") or rec.get("function", "")
        hid = node(f"handler:{handler}", "handler", _short_qname(handler), service, handler)
        handlers[handler] = hid
        for helper in rec.get("also", ()):  # the functions it hands each message to
            handlers.setdefault(helper, hid)
        target = destination(rec["destination"], handler)
        # the consumer rules' findings (CTX3xx) in the handler's code make the edge a gap
        state = _conditional_state(rec, holds)
        add_edge("consume", target, hid, rec.get("library", ""), site_for(rec, state, CONSUME_CODES))
    for rec in ordered:
        kind = rec["kind"]
        if kind == "consume":
            continue
        service = service_of(rec["loc"][0])
        function = rec.get("function", "")
        source = _handler_for(function, handlers) or node(f"service:{service}", "service", service)
        if kind == "publish":
            if holds is not None and not all(holds(tuple(c)) for c in rec.get("requires", ())):
                continue  # not this library's publish after all (a websocket's `send()`)
            state = _publish_state(rec, holds)
            add_edge("publish", source, destination(rec["destination"], function), rec.get("library", ""), site_for(rec, state))
        elif kind == "handoff":
            if holds is not None and not all(holds(tuple(c)) for c in rec.get("requires", ())):
                continue  # not a hand-off after all (e.g. not an executor subclass)
            target_fn = rec.get("target") or "?"
            wid = node(f"worker:{rec.get('mode', 'thread')}:{target_fn}@{service}", "worker",
                       f"{rec.get('mode', 'thread')}: {_short_qname(target_fn)}", service, target_fn)
            add_edge("handoff", source, wid, rec.get("library", ""), site_for(rec, _conditional_state(rec, holds)))

    graph = Graph()
    graph.nodes = sorted(nodes.values(), key=lambda n: (_KIND_ORDER.get(n.kind, 9), n.label, n.id))
    out_edges = sorted(edges.values(), key=lambda e: (_KIND_ORDER.get(nodes[e.source].kind, 9), e.source, e.kind, e.target))
    for i, e in enumerate(out_edges, 1):
        e.id = f"e{i}"
        e.libraries.sort()
        e.sites.sort(key=lambda s: (s.path, s.line, s.column))
    graph.edges = out_edges
    return graph


_KIND_ORDER = {"service": 0, "handler": 1, "destination": 2, "worker": 3}


def _publish_state(rec: dict, holds) -> str:
    signal = rec.get("signal", "unknown")
    if signal in ("yes", "conditional"):
        # conditional without a finding: the helper it relies on does inject
        return "propagated"
    if signal == "no" and holds is not None and holds(("instrumented", rec.get("library", ""), rec.get("method", ""), rec.get("receiver", ""), "main")):
        return "propagated"
    return "unknown"


def _conditional_state(rec: dict, holds) -> str:
    """A hand-off (or consume) edge without a finding: ``propagated`` when the context visibly
    crosses or one of the project conditions that silence the rule holds (instrumentation, a
    worker that attaches); else ``unknown`` (the rule is off, or the line is suppressed)."""
    signal = rec.get("signal", "unknown")
    if signal == "yes":
        return "propagated"
    if signal == "no" and holds is not None and any(holds(tuple(c)) for c in rec.get("unless", ())):
        return "propagated"
    return "unknown"


def _handler_for(function: str, handlers: Dict[str, str]) -> Optional[str]:
    """A publish inside a handler (or a function nested in it) chains from that handler."""
    q = function
    while q:
        if q in handlers:
            return handlers[q]
        if "." not in q:
            break
        q = q.rsplit(".", 1)[0]
    return None


def _short_qname(qname: str) -> str:
    parts = qname.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 and parts[-2][:1].isupper() else parts[-1]


# ---------------------------------------------------------------------- filters
def filter_graph(graph: Graph, destination: Sequence[str] = (), service: Sequence[str] = (), only_gaps: bool = False) -> Graph:
    """Keep the paths through the named destinations / services, then (``only_gaps``) the gap edges.

    A destination or service filter keeps every edge connected to a matching node (upstream and
    downstream), so the whole chain through it stays visible. Several names of one kind add up.
    Destinations and services together narrow: the edges of the paths through the destinations
    that go in or out of one of the services (its publishes, its handlers and workers)."""
    edges = list(graph.edges)
    services = matching_nodes(graph, (), service)
    if destination:
        edges = _connected(edges, matching_nodes(graph, destination, ()))
        if service:
            edges = [e for e in edges if e.source in services or e.target in services]
    elif service:
        edges = _connected(edges, services)
    if only_gaps:
        edges = [e for e in edges if e.state == "gap"]
    keep = {e.source for e in edges} | {e.target for e in edges}
    return Graph([n for n in graph.nodes if n.id in keep], edges)


def matching_nodes(graph: Graph, destination: Sequence[str], service: Sequence[str]) -> set:
    """The ids of the destinations and of the services' nodes (the service and its handlers and workers) named."""
    names_d, names_s = set(destination), set(service)
    return {n.id for n in graph.nodes if (n.kind == "destination" and (n.label in names_d or n.detail in names_d))
            or (n.kind == "service" and n.label in names_s or n.service in names_s)}


def _connected(edges: List[Edge], seeds: set) -> List[Edge]:
    down, up = set(seeds), set(seeds)
    changed = True
    while changed:
        changed = False
        for e in edges:
            if e.source in down and e.target not in down:
                down.add(e.target)
                changed = True
            if e.target in up and e.source not in up:
                up.add(e.source)
                changed = True
    return [e for e in edges if (e.source in down and e.target in down) or (e.source in up and e.target in up)]
