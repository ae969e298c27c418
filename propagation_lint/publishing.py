"""Finding the publish calls of a file, and deciding whether a message carries the context.

Shared by the CTX1xx rules.

**Matching.** A call is a publish when the catalog says so for its receiver's resolved type and
method (``resolved``), for its resolved callee (user wrappers from config, ``paho.mqtt.publish``),
for a function decorated as a task (``@app.task`` -> ``f.delay()``), for a module-level instance
imported from another module of the project (decided by the project pass: ``exported-instance``),
or, when the receiver cannot be resolved, when the method, the receiver's name or the keywords used
and an import of the library in the same file all agree (``heuristic``).

**Carrying.** :class:`CarrierFlow` answers "does the current context reach this carrier or
payload?" on top of ``flow.FlowAnalyzer``, with what publishing needs in addition: the carrier of a
message object (``aio_pika.Message(body, headers=h)``, ``pika.BasicProperties(headers=h)``,
``ServiceBusMessage(..., application_properties=h)``, ``event.properties = h``, batches filled with
``add_message``), dicts whose keys name a trace field, and business values nested in a carrier or
payload (``{"order_id": order_id}``), which carry nothing even when they come from a parameter.
A carrier or payload that is *entirely* a parameter or an attribute of an unknown object is
``unknown``: the caller may have filled it, so the rules stay silent.
"""
from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, replace
from typing import Iterator, List, Optional, Tuple

import libcst as cst

from .catalog import publishers as pubcat
from .catalog.schema import Publisher
from .catalog.tracing import CONTEXT_PRODUCING_CALLS, CONTEXT_PRODUCING_MEMBERS
from .facts import collector
from .findings import Location, Related
from .flow import (CONDITIONAL, NO, UNKNOWN, YES, Reach, arg_value, branch_compatible, const_str, has_star_args,
                   is_constant)
from .model import CallSite, FileModel, Scope, dotted
from .names import root_name, unpack_index
from .project import condition, condition_notes

# A dict key or a variable name that says "this is trace context" (``traceparent``, ``_datadog``,
# a single JSON ``tracing_context`` attribute, ``trace_ctx``, X-Ray ``TraceHeader``...).
CONTEXT_KEY = re.compile(
    r"(?i)^(traceparent|tracestate|baggage|uber-trace-id|b3|x-b3-[a-z-]+|x-datadog-[a-z-]+|_datadog|"
    r"x-amzn-trace-id|awstraceheader|traceheader|x-cloud-trace-context|grpc-trace-bin|"
    r"(otel|trace|tracing|span|telemetry)[-_]?(context|ctx|headers?|carrier|link|parent|info|propagation)s?)$"
)
CONTEXTISH_NAME = re.compile(r"(?i)carrier|trac|context|ctx|propagat|otel|span|header|baggage|telemetry")
MUTATOR_METHODS = ("update", "extend", "append", "setdefault", "__setitem__", "insert", "add", "add_message")
_BUILTINS = frozenset(dir(builtins))


@dataclass
class PublishSite:
    site: CallSite
    publisher: Publisher
    confidence: str  # resolved | heuristic
    callee_text: str
    requires: Tuple[tuple, ...] = ()
    # a call in the receiver chain that carries labels (taskiq ``.with_labels(...)``)
    label_call: Optional[cst.Call] = None
    # every such call (quixstreams builders: ``.add_tag(k, v).add_tag(...).publish()``)
    label_calls: Tuple[cst.Call, ...] = ()
    # ``publish(**kwargs)`` where ``kwargs`` is a dict we can read (built here or returned by a helper of
    # this file): ``spread_known`` and the carrier entry with the call site to judge it from (or None)
    spread_known: bool = False
    spread_carrier: Optional[Tuple[cst.BaseExpression, CallSite]] = None
    # the call is the base method inside its override in a client subclass (``super().produce(...)``,
    # ``Producer.produce(self, ...)``) that starts a span first: what the caller passed through
    # (a parameter, ``*args``/``**kwargs``) cannot hold that span's context
    override_span: Optional[cst.CSTNode] = None


def publish_sites(model: FileModel, ctx) -> List[PublishSite]:
    cached = ctx.shared.get("publish_sites")
    if cached is not None:
        return cached
    found = [ps for ps in _find(model, ctx) if not _excluded(ps)]
    for ps in found:
        _read_spread(ps, model, ctx)
    ctx.shared["publish_sites"] = found
    return found


def _read_spread(ps: PublishSite, model: FileModel, ctx) -> None:
    """``client.send_message(**message_kwargs)``: read the keyword arguments from the dict literal
    ``message_kwargs`` is (here, or in the function of this file that returns it), with the string
    keys later stored into it; any other way of filling it leaves the call opaque."""
    c = ps.publisher.carrier
    if ps.override_span is not None and c is not None and not c.kwargs:
        _read_passed_through(ps, c, ctx)
        return
    stars = [a for a in ps.site.node.args if a.star]
    if c is None or c.kwargs or len(stars) != 1 or stars[0].star != "**":
        return
    entries = _mapping_entries(stars[0].value, ps.site, ctx, 0)
    if entries is None:
        return
    ps.spread_known = True
    ps.spread_carrier = entries.get(c.name)


def _read_passed_through(ps: PublishSite, c, ctx) -> None:
    """In a publish override that starts a span: ``Producer.produce(self, topic, value, *args, **kwargs)``
    carries only what the override stored into ``kwargs`` (``kwargs["headers"] = ...``); the caller's
    own ``*args``/``**kwargs`` cannot hold the span started here."""
    site = ps.site
    if arg_value(site.node, c.name, c.position) is not None:
        return  # passed explicitly: judged as usual (a bare parameter counts as the caller's, see publish_gap)
    entry = None
    for arg in site.node.args:
        if arg.star == "**" and isinstance(arg.value, cst.Name):
            bindings = site.scope.bindings.get(arg.value.value, ())
            if not bindings or any(b.kind != "param" for b in bindings):
                return  # a dict of the override's own making: left to the usual reading
            for target, value, order, branch in site.scope.attr_stores:
                if (order < site.order and isinstance(target, cst.Subscript) and root_name(target) == arg.value.value
                        and _subscript_key(target) == c.name and branch_compatible(branch, site.branch)):
                    entry = (value, site)
    ps.spread_known = True
    ps.spread_carrier = entry


def _mapping_entries(expr, site: CallSite, ctx, depth: int) -> Optional[dict]:
    """``{key: (value, site to judge it from)}`` of a dict built by literal, or None."""
    if isinstance(expr, cst.Dict):
        out = {}
        for el in expr.elements:
            key = const_str(el.key) if isinstance(el, cst.DictElement) else None
            if key is None:
                return None
            out[key] = (el.value, site)
        return out
    if isinstance(expr, cst.Call) and depth == 0:
        callee = ctx.resolver.resolve(expr.func, site.scope)
        helper = ctx.model.scopes.get(callee.qname) if callee.kind == "ref" and callee.project else None
        if helper is None or helper.kind != "function" or len(helper.returns) != 1 or helper.returns[0] is None:
            return None
        end = CallSite(expr, 1 << 30, (), helper)  # judged after every statement of the helper
        return _mapping_entries(helper.returns[0], end, ctx, depth + 1)
    if not isinstance(expr, cst.Name):
        return None
    scope = site.scope
    bindings = scope.bindings.get(expr.value, ())
    if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].order >= site.order:
        return None
    out = _mapping_entries(bindings[0].node, site, ctx, depth)
    if out is None:
        return None
    for other in scope.calls:
        func = other.node.func
        if other.order < site.order and isinstance(func, cst.Attribute) and root_name(func.value) == expr.value:
            return None  # message_kwargs.update(...): keys we cannot list
    for target, value, order, _ in scope.attr_stores:
        if order >= site.order or root_name(target) != expr.value:
            continue
        key = _subscript_key(target) if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) else None
        if key is None:
            return None
        out[key] = (value, site)
    return out


def _excluded(ps: PublishSite) -> bool:
    keywords = {a.keyword.value for a in ps.site.node.args if a.keyword is not None}
    return bool(keywords.intersection(ps.publisher.not_with_keywords))


def _find(model: FileModel, ctx) -> Iterator[PublishSite]:
    catalog = ctx.catalog
    resolver = ctx.resolver
    for site in model.all_calls:
        call = site.node
        func = call.func
        q = resolver.callee_name(call, site.scope)
        function_rows = catalog.publishers_for_function(q) if q else []
        if function_rows:
            yield PublishSite(site, function_rows[0], "resolved", ctx.code_for(func))
            continue
        if not isinstance(func, cst.Attribute):
            continue
        method = func.attr.value
        candidates = catalog.publishers_for_method(method)
        if not candidates:
            continue
        text = ctx.code_for(func)
        label_calls = _label_calls(func.value)
        label_call = label_calls[0] if label_calls else None
        receiver = func.value
        if method == "kiq" and isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
            # task.kicker().with_labels(**labels).kiq(...)
            while isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
                receiver = receiver.func.value
        recv = resolver.resolve(receiver, site.scope)
        base = _base_call(receiver, recv, call, site, ctx)
        if base is not None:
            row = _by_receiver(candidates, base[0])
            if row is not None:
                yield PublishSite(site, _shifted(row) if base[1] else row, "resolved", text,
                                  override_span=_override_span(site, method, ctx))
            continue
        if recv.kind == "instance" and not recv.project:
            row = _by_receiver(candidates, recv.qname)
            if row is not None:
                # `self.producer = instrument_producer(self.producer)`: a project function may have
                # replaced the client with a wrapper of its own (a proxy that injects)
                wrappers = _wrapping_functions(receiver, site.scope, resolver)
                requires = (("returns-no-wrapper",) + tuple(sorted(wrappers)),) if wrappers else ()
                yield PublishSite(site, row, "resolved", text, label_call=label_call, label_calls=label_calls,
                                  requires=requires)
            continue
        task = _task_publish(receiver, method, site, model, ctx)
        if task is not None:
            row = _by_receiver(candidates, task[0])
            if row is not None:
                yield PublishSite(site, row, "resolved", text, requires=task[1], label_call=label_call, label_calls=label_calls)
            if not task[1]:
                continue
            # a name imported from another module: a task there, or a module-level instance
        if recv.kind == "ref":
            instance = pubcat.MODULE_INSTANCES.get(recv.qname)
            if instance:
                row = _by_receiver(candidates, instance)
                if row is not None:
                    yield PublishSite(site, row, "resolved", text)
                continue
            if recv.project and "." in recv.qname and not model.scopes.get(recv.qname):
                # `from app.kafka import producer; producer.send(...)`: the project pass knows its type
                for row in candidates:
                    if row.receiver:
                        yield PublishSite(site, row, "resolved", text,
                                          requires=(("exported-instance", recv.qname, row.receiver),))
            continue  # a module or function attribute (e.g. `socket.send`): not one of ours
        if recv.kind == "instance":
            continue  # a project class with a method of the same name
        factory = _receiver_factory(receiver, site.scope, model, ctx)
        if factory:
            # `producer = get_producer()` (a project function in another module): the project pass knows
            # what it returns; a wrapper class it may return instead (a traced client) keeps us silent
            for row in candidates:
                if row.receiver:
                    yield PublishSite(site, row, "resolved", text, label_call=label_call, label_calls=label_calls,
                                      requires=(("factory-returns", factory, row.receiver),))
            continue
        if _annotated(receiver, site.scope, resolver):
            continue  # typed as something that is not one library type (`nc: Client | TracedNats`)
        handed = _handed_task(receiver, method, site)
        if handed is not None:
            # `def retry_as_task(function, *args): ... function.delay(*args)`: the project pass
            # knows whether its callers hand it tasks
            row = _by_receiver(candidates, handed[1])
            if row is not None:
                yield PublishSite(site, row, "resolved", text, requires=(("handed-task", site.scope.qname, handed[0]),))
                continue
        row = _heuristic(candidates, func.value, call, model, ctx)
        if row is not None:
            yield PublishSite(site, row, "heuristic", text)


def _base_call(receiver, recv, call: cst.Call, site: CallSite, ctx) -> Optional[Tuple[str, bool]]:
    """``(library type, unbound)`` when a client subclass calls its base class's method:
    ``super().produce(...)`` (bound) or ``Producer.produce(self, ...)`` (unbound: ``self`` comes first)."""
    catalog = ctx.catalog
    if recv.kind == "ref" and not recv.project and catalog.is_known_class(catalog.canonical(recv.qname)):
        first = call.args[0] if call.args else None
        if first is not None and first.keyword is None and not first.star and isinstance(first.value, cst.Name) \
                and first.value.value == "self" and site.scope.class_scope is not None:
            return catalog.canonical(recv.qname), True
        return None
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
        cls = site.scope.class_scope
        for base_expr in (cls.bases if cls is not None else ()):
            base = ctx.resolver.resolve(base_expr, cls.parent or cls)
            if base.kind == "ref" and not base.project and catalog.is_known_class(catalog.canonical(base.qname)):
                return catalog.canonical(base.qname), False
    return None


def _shifted(row: Publisher) -> Publisher:
    """The row for the unbound form, whose positional arguments start with ``self``."""
    def shift(arg):
        return arg if arg is None or arg.position is None else replace(arg, position=arg.position + 1)
    return replace(row, carrier=shift(row.carrier), payload=shift(row.payload), destination=shift(row.destination))


def _override_span(site: CallSite, method: str, ctx) -> Optional[cst.CSTNode]:
    """The span the override of ``method`` starts before calling the base method, or None."""
    from .consuming import span_starts

    scope = site.scope
    if scope.kind != "function" or scope.name != method:
        return None
    for span in span_starts(scope, ctx):
        if span.decorator or (span.site is not None and span.order < site.order
                              and branch_compatible(span.site.branch, site.branch)):
            return span.node
    return None


def _label_calls(receiver) -> Tuple[cst.Call, ...]:
    """The calls of a builder chain that add labels or tags (``.with_labels(...)``, ``.add_tag(k, v)``)."""
    found = []
    while isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
        if receiver.func.attr.value in pubcat.LABEL_METHODS:
            found.append(receiver)
        receiver = receiver.func.value
    return tuple(found)


def _by_receiver(rows, type_qname: str) -> Optional[Publisher]:
    for row in rows:
        if row.receiver and row.receiver == type_qname:
            return row
    return None


def _heuristic(rows, receiver: cst.BaseExpression, call: cst.Call, model: FileModel, ctx) -> Optional[Publisher]:
    text = ctx.code_for(receiver)
    last = text.split(".")[-1]
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    for row in rows:
        if not row.hint_modules:
            continue
        keywords_match = bool(row.hint_keywords) and set(row.hint_keywords) <= keywords
        if keywords_match and row.hint_anywhere:
            return row
        if not model.imports_any(row.hint_modules):
            continue
        if keywords_match and (not row.hint_receiver or re.search(row.hint_receiver, last)):
            return row
        if not row.hint_keywords and row.hint_receiver and re.search(row.hint_receiver, last):
            return row
    return None


# ---------------------------------------------------------------- project factories (get_producer())
def _receiver_factory(receiver, scope: Scope, model: FileModel, ctx) -> str:
    """The project function whose result the receiver is: ``get_producer().send()``,
    ``producer = get_producer()``, ``self._producer = make_producer(cfg)`` (``None`` placeholders
    aside, every assignment must call the same function), or ''."""
    resolver = ctx.resolver
    if isinstance(receiver, cst.Await):
        receiver = receiver.expression
    if isinstance(receiver, cst.Call):
        return _project_function(receiver, scope, resolver)
    values, owner = [], scope
    if isinstance(receiver, cst.Name):
        owner, bindings = resolver.lookup(receiver.value, scope)
        if owner is not None and len(bindings) == 1 and bindings[0].kind == "unpack":
            # `client, retry = get_client_and_retry()`: the factory's element at that position
            index = unpack_index(receiver.value, bindings[0], owner)
            value = bindings[0].node
            value = value.expression if isinstance(value, cst.Await) else value
            q = _project_function(value, owner, resolver) if isinstance(value, cst.Call) else ""
            return f"{q}#{index}" if q and index is not None else ""
        if owner is None or any(b.kind not in ("assign", "global") for b in bindings):
            return ""
        values = [b.node for b in bindings if b.kind == "assign"]
    elif (isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name)
          and receiver.value.value == "self" and scope.class_scope is not None):
        owner = scope.class_scope
        bindings = owner.self_attrs.get(receiver.attr.value, []) + owner.bindings.get(receiver.attr.value, [])
        if any(b.kind not in ("assign", "annotated") for b in bindings):
            return ""
        values = [b.node for b in bindings if b.node is not None]
    found = set()
    for value in values:
        if isinstance(value, cst.Name) and value.value == "None":
            continue
        if isinstance(value, cst.Await):
            value = value.expression
        q = _project_function(value, owner, resolver) if isinstance(value, cst.Call) else ""
        if not q:
            return ""
        found.add(q)
    return found.pop() if len(found) == 1 else ""


def _wrapping_functions(receiver, scope: Scope, resolver, depth: int = 0) -> set:
    """The project functions whose result was assigned to the receiver, a name or a ``self``
    attribute, directly or through other names: ``self.producer = wrap(self.producer)``,
    ``p = self.producer``."""
    if depth > 3:
        return set()
    owner, bindings = _receiver_bindings(receiver, scope, resolver)
    found = set()
    for b in bindings:
        value = b.node.expression if isinstance(b.node, cst.Await) else b.node
        if b.kind != "assign" or value is None:
            continue
        if isinstance(value, cst.Call):
            q = _project_function(value, owner, resolver)
            if q:
                found.add(q)
        elif isinstance(value, (cst.Name, cst.Attribute)) and value is not receiver:
            found |= _wrapping_functions(value, owner if isinstance(receiver, cst.Name) else scope, resolver, depth + 1)
    return found


@condition("returns-no-wrapper")
def _returns_no_wrapper(project, cond: tuple, depth: int) -> bool:
    """None of the project functions may return an object of a project class (a wrapper of the
    client, such as a proxy that injects)."""
    factories = project.facts.get("publish_factories", {})
    # a function re-exported by its package (`from observability import instrument_producer`)
    return not any(k.startswith("project:") for qname in cond[1:]
                   for k in factories.get(project.known_as(qname, factories), ()))


def _annotated(receiver, scope: Scope, resolver) -> bool:
    """The receiver is a name or ``self`` attribute with a type annotation (that did not resolve)."""
    _, bindings = _receiver_bindings(receiver, scope, resolver)
    return any(b.annotation is not None for b in bindings)


def _receiver_bindings(receiver, scope: Scope, resolver) -> tuple:
    """``(owner scope, bindings)`` of a receiver that is a name or a ``self`` attribute, else
    ``(None, [])``."""
    if isinstance(receiver, cst.Name):
        return resolver.lookup(receiver.value, scope)
    if (isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name)
            and receiver.value.value == "self" and scope.class_scope is not None):
        cls = scope.class_scope
        return cls, cls.self_attrs.get(receiver.attr.value, []) + cls.bindings.get(receiver.attr.value, [])
    return None, []


def _project_function(call: cst.Call, scope: Scope, resolver) -> str:
    callee = resolver.resolve(call.func, scope)
    if callee.kind != "ref" or not callee.project or callee.qname.split(".")[-1][:1].isupper():
        return ""
    return callee.qname


@collector
def _factory_facts(model: FileModel, ctx) -> dict:
    """What each module-level function returns: a library type, ``project:<class>`` or ``?``."""
    out = {}
    for scope in model.functions():
        if scope.parent is None or scope.parent.kind != "module" or not scope.returns:
            continue
        kinds = []
        elements = {}  # a returned tuple: what each position is (`return client, retry`)
        for r in scope.returns:
            if r is None or (isinstance(r, cst.Name) and r.value == "None"):
                continue
            kinds.append(_instance_kind(r, scope, ctx))
            if isinstance(r, cst.Tuple) and not any(isinstance(e, cst.StarredElement) for e in r.elements):
                for i, el in enumerate(r.elements):
                    elements.setdefault(f"{scope.qname}#{i}", []).append(_instance_kind(el.value, scope, ctx))
        out[scope.qname] = sorted(set(kinds))
        for key, element_kinds in elements.items():
            out[key] = sorted(set(element_kinds))
    return {"publish_factories": out} if out else {}


def _instance_kind(expr, scope: Scope, ctx) -> str:
    v = ctx.resolver.resolve(expr, scope)
    if v.kind == "instance":
        return f"project:{v.qname}" if v.project else ctx.catalog.canonical(v.qname)
    expr, scope = _signature_source(expr, scope, ctx.model, ctx)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in pubcat.SIGNATURE_METHODS:
        task = ctx.resolver.resolve(expr.func.value, scope)
        fn = ctx.model.scopes.get(task.qname) if task.kind == "ref" and task.project else None
        if fn is not None and fn.kind == "function" and task_library(fn, ctx.resolver, ctx.model) == "celery":
            return "celery.canvas.Signature"  # `return task.s(x)`: a signature of a task of this file
    return "?"


@condition("factory-returns")
def _factory_returns(project, cond: tuple, depth: int) -> bool:
    """The project function returns an instance of this library type, and nothing else."""
    _, qname, type_qname = cond
    kinds = project.facts.get("publish_factories", {}).get(qname)
    return bool(kinds) and all(k == type_qname for k in kinds)


# ---------------------------------------------------------------- tasks (celery, dramatiq, taskiq)
def _task_publish(receiver, method: str, site: CallSite, model: FileModel, ctx):
    """``(task type, requires)`` when ``receiver.method(...)`` publishes a decorated task."""
    resolver = ctx.resolver
    receiver, scope = _signature_source(receiver, site.scope, model, ctx)
    accessed = task_accessed(receiver)
    if accessed is not None:
        receiver = accessed  # `request.task(send_email).delay()`: the task of `send_email`
    sig_of = None
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
        if receiver.func.attr.value in pubcat.SIGNATURE_METHODS:
            sig_of = receiver.func.value  # task.s(x).apply_async()
    target = sig_of if sig_of is not None else receiver
    value = resolver.resolve(target, scope)
    if value.kind != "ref" or not value.project:
        return None
    for deco in pubcat.TASK_DECORATORS:
        if method not in deco.methods:
            continue
        task_type = "celery.canvas.Signature" if sig_of is not None else deco.task_type
        scope = model.scopes.get(value.qname)
        if scope is not None:
            if scope.kind == "function" and task_library(scope, resolver, model) == deco.library:
                return task_type, ()
            continue
        return task_type, (("task", value.qname, deco.library),)
    return None


def _handed_task(receiver, method: str, site: CallSite) -> Optional[Tuple[str, str]]:
    """``(task library, task type)`` when ``receiver`` is a parameter of the function holding the
    call (not ``self``/``cls``) and ``method`` publishes a task of that library: the callers decide."""
    scope = site.scope
    if not isinstance(receiver, cst.Name) or scope.kind != "function":
        return None
    names = [p.name.value for p in scope.params]
    if receiver.value not in names or (scope.class_scope is not None and names[:1] == [receiver.value]):
        return None
    if any(b.kind != "param" for b in scope.bindings.get(receiver.value, ())):
        return None  # rebound in the body
    for deco in pubcat.TASK_DECORATORS:
        if method in deco.methods and deco.library in pubcat.DISTINCT_TASK_LIBRARIES:
            return deco.library, deco.task_type
    return None


@condition("handed-task")
def _is_handed_task(project, cond: tuple, depth: int) -> bool:
    """``("handed-task", function, library)``: a call of the function in the project hands it a
    project task as a value."""
    return project.program is not None and project.program.context.handed_tasks(cond[1])


@condition_notes("handed-task")
def _handed_where(project, cond: tuple) -> list:
    """Where a call hands the helper the task it publishes."""
    if project.program is None:
        return []
    out = []
    for i, line, task in project.program.context.handed_task_sites(cond[1])[:1]:
        helper, name = cond[1].rsplit(".", 1)[-1], task.rsplit(".", 1)[-1]
        out.append(Related(Location(project.program.displays[i], line, 1, line, 1),
                           f"`{helper}` is handed the task `{name}` here"))
    return out


def task_accessed(receiver):
    """The function argument of a task registry accessor (``request.task(fn)``), or None."""
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) \
            and receiver.func.attr.value in pubcat.TASK_ACCESSOR_METHODS and len(receiver.args) == 1 \
            and receiver.args[0].keyword is None and not receiver.args[0].star \
            and isinstance(receiver.args[0].value, (cst.Name, cst.Attribute)):
        return receiver.args[0].value
    return None


def _signature_source(receiver, scope: Scope, model: FileModel, ctx, depth: int = 0):
    """Where a Celery signature applied here was built: ``(a.s() | b.s())`` is a chain that starts
    with ``a``; ``sig = task.s(x)`` (then ``sig.apply_async()``) and ``sig = build(x)`` where a function
    of this file returns ``task.s(...)``: that expression, in the scope it is written in."""
    while isinstance(receiver, cst.BinaryOperation) and isinstance(receiver.operator, cst.BitOr):
        receiver = receiver.left
    if depth > 2 or not isinstance(receiver, cst.Name):
        return receiver, scope
    for call, where in constructor_calls(receiver, scope, ctx):
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in pubcat.SIGNATURE_METHODS:
            return call, where
        callee = ctx.resolver.resolve(call.func, where)
        helper = model.scopes.get(callee.qname) if callee.kind == "ref" else None
        if helper is None or helper.kind != "function":
            continue
        for r in helper.returns:
            while isinstance(r, cst.BinaryOperation) and isinstance(r.operator, cst.BitOr):
                r = r.left
            if isinstance(r, cst.Call) and isinstance(r.func, cst.Attribute) and r.func.attr.value in pubcat.SIGNATURE_METHODS:
                return r, helper
            if isinstance(r, cst.Name):
                found, inner = _signature_source(r, helper, model, ctx, depth + 1)
                if found is not r:
                    return found, inner
    return receiver, scope


def task_library(scope: Scope, resolver, model: FileModel) -> str:
    """The task library whose decorator makes this function a task, or ''."""
    for dec in scope.decorators:
        target = dec.func if isinstance(dec, cst.Call) else dec
        q = resolver.qualify(target, scope.parent or scope)
        for deco in pubcat.TASK_DECORATORS:
            if q and q in deco.qnames:
                return deco.library
        if isinstance(target, cst.Attribute):
            for deco in pubcat.TASK_DECORATORS:
                if target.attr.value in deco.attrs:
                    recv = resolver.resolve(target.value, scope.parent or scope)
                    lib = _library_of_type(recv.qname) if recv.kind == "instance" else ""
                    if lib and lib != deco.library:
                        continue
                    if lib or model.imports_any(pubcat.TASK_LIBRARY_MODULES[deco.library]) or deco.library == "celery":
                        return deco.library
        elif isinstance(target, cst.Name):
            # `from app.tasks import task; @task(...)`: the project's own wrapper of Celery's decorator
            value = resolver.resolve(target, scope.parent or scope)
            if value.kind == "ref" and value.project and value.qname.rsplit(".", 1)[-1] in CELERY_DECORATOR_ATTRS:
                return "celery"
    return ""


CELERY_DECORATOR_ATTRS = tuple(a for d in pubcat.TASK_DECORATORS if d.library == "celery" for a in d.attrs)


def _library_of_type(qname: str) -> str:
    from .catalog import CATALOG

    lib = CATALOG.library_of(qname)
    return lib if lib in pubcat.TASK_LIBRARY_MODULES else ""


@collector
def _task_facts(model: FileModel, ctx) -> dict:
    tasks = {}
    for scope in model.functions():
        if scope.decorators and scope.parent is not None and scope.parent.kind == "module":
            lib = task_library(scope, ctx.resolver, model)
            if lib:
                tasks[scope.qname] = lib
    return {"publish_tasks": tasks} if tasks else {}


@condition("task")
def _is_task(project, cond: tuple, depth: int) -> bool:
    _, qname, library = cond
    known = project.facts.get("publish_tasks", {})
    if qname not in known and project.program is not None:
        qname = project.program.canonical(qname) or qname  # a task re-exported by another module
    if qname in known:
        return known[qname] == library
    # a function we never saw: `.delay()`/`.apply_async()`/`.kiq()` say "task"; `.send()` does not
    return not project.is_project_symbol(qname) and library in pubcat.DISTINCT_TASK_LIBRARIES


# ---------------------------------------------------------------- native and hand-written instrumentation
@collector
def _native_instrumentation_facts(model: FileModel, ctx) -> dict:
    """Switches that make a library propagate by itself, found in code.

    ``import ddtrace.auto``, ``ddtrace.patch_all()``, ``ddtrace.patch(botocore=True)``, Pub/Sub's
    ``PublisherOptions(enable_open_telemetry_tracing=True)``, FastStream/taskiq telemetry
    middlewares, and the project's own publish hooks that inject (a Celery ``before_task_publish``
    handler, a dramatiq ``Middleware.before_enqueue``).
    """
    from .catalog import instrumentors as instcat

    found = []

    def add(qname, node):
        loc = ctx.location(node)
        found.append([qname, "module", loc.path, loc.line, loc.column, loc.end_line, loc.end_column])

    resolver = ctx.resolver
    for site in model.all_calls:
        call = site.node
        for arg in call.args:  # a middleware class handed to the application: `app.add_middleware(M)`
            if isinstance(arg.value, (cst.Name, cst.Attribute)):
                passed = resolver.qualify(arg.value, site.scope)
                if passed and passed.endswith("Middleware") and isinstance(instcat.CODE_SWITCHES.get(passed), str):
                    for qname in instcat.CODE_SWITCHES[passed].split(","):
                        add(qname, arg.value)
        q = resolver.callee_name(call, site.scope)
        if not q:
            continue
        switch = instcat.CODE_SWITCHES.get(q)
        if switch is None:
            continue
        kw = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        if switch == "*kwargs":
            for name, value in kw.items():
                if not (isinstance(value, cst.Name) and value.value == "False"):
                    target = instcat.DDTRACE_PATCH_NAMES.get(name)
                    if target:
                        add(target, call)
        elif isinstance(switch, tuple) and switch[0].startswith("any:"):
            if any(_set_value(kw.get(key)) for key in switch[0][4:].split("|")):
                for qname in switch[1].split(","):
                    add(qname, call)
        elif isinstance(switch, tuple):
            key, qname = switch
            value = kw.get(key)
            if isinstance(value, cst.Name) and value.value == "True":
                add(qname, call)
        else:
            for qname in switch.split(","):
                add(qname, call)
    for scope in model.root.walk():
        for target, _, _, _ in scope.attr_stores:
            if isinstance(target, cst.Attribute):
                owner = resolver.qualify(target.value, scope)
                switch = instcat.ATTRIBUTE_SWITCHES.get(f"{owner}.{target.attr.value}") if owner else None
                if switch:
                    add(switch, target)
    for name in model.imported:
        switch = instcat.IMPORT_SWITCHES.get(name)
        if switch:
            for qname in switch.split(","):
                add(qname, model.tree)
    flow = ctx.flow
    for scope in model.functions():
        hook = _publish_hook(scope, model, ctx)
        if hook and flow.injects_in(scope):
            add(hook, scope.node)
    return {"instrumentors": found} if found else {}


def _set_value(value) -> bool:
    """A keyword argument passed something other than ``None``, ``False`` or a zero literal."""
    if value is None:
        return False
    if isinstance(value, cst.Name):
        return value.value not in ("None", "False")
    if isinstance(value, (cst.Integer, cst.Float)):
        return float(value.value.replace("_", "")) != 0
    return True


def _publish_hook(scope: Scope, model: FileModel, ctx) -> str:
    from .catalog import instrumentors as instcat

    resolver = ctx.resolver
    for dec in scope.decorators:
        target = dec.func if isinstance(dec, cst.Call) else dec
        if isinstance(target, cst.Attribute) and target.attr.value == "connect":
            q = resolver.qualify(target.value, scope.parent or scope)
            hook = instcat.PUBLISH_HOOKS.get(q)
            if hook:
                return hook
    cls = scope.class_scope
    if cls is not None:
        for base in cls.bases:
            q = resolver.qualify(base, cls.parent or cls)
            hook = instcat.PUBLISH_HOOKS.get(f"{q}.{scope.name}")
            if hook:
                return hook
    return ""


# ---------------------------------------------------------------- carriers
def carrier_expr(ps: PublishSite) -> Optional[cst.BaseExpression]:
    c = ps.publisher.carrier
    if c is None or c.kwargs:
        return None
    if ps.spread_known:
        found = arg_value(ps.site.node, c.name, c.position)
        return found if found is not None else (ps.spread_carrier[0] if ps.spread_carrier else None)
    return arg_value(ps.site.node, c.name, c.position)


def kwargs_carrier(ps: PublishSite) -> List[cst.BaseExpression]:
    """The expressions that form a ``**attrs`` carrier (Pub/Sub attributes, taskiq labels)."""
    pub = ps.publisher
    out = []
    for label_call in ps.label_calls:
        out.extend(a.value for a in label_call.args)
    if pub.carrier is None or not pub.carrier.kwargs:
        return out
    others = set(pubcat.KWARGS_CARRIER_OTHER_PARAMS.get((pub.library, pub.method), ()))
    for arg in ps.site.node.args:
        if arg.star == "**" or (arg.keyword is not None and arg.keyword.value not in others):
            out.append(arg.value)
    return out


def payload_expr(ps: PublishSite) -> Optional[cst.BaseExpression]:
    p = ps.publisher.payload
    if p is None or p.kwargs:
        return None
    return arg_value(ps.site.node, p.name, p.position)


def opaque_call(ps: PublishSite) -> bool:
    """``send(*args, **kwargs)``: we cannot know which argument is the carrier."""
    c = ps.publisher.carrier
    if c is None or c.kwargs:
        return False
    for arg in ps.site.node.args:
        if arg.star == "**" and not ps.spread_known:
            return True
        if arg.star == "*" and c.position is not None and ps.override_span is None:
            return True
    return False


def any_argument_reaches(ps: PublishSite, ctx, skip=None) -> Reach:
    """Context carried on purpose anywhere in the call (payload envelope, task kwargs...).

    Only a positive answer counts here: a value we cannot see into (a parameter) carries
    business data, not the trace context, so ``unknown`` becomes ``no``.
    """
    cf = carrier_flow(ctx)
    result = Reach(NO)
    args = list(ps.site.node.args)
    payload = ps.publisher.payload
    if payload is not None and not payload.kwargs:
        # only the payload can carry it besides the carrier (a carrier passed at the wrong
        # position, e.g. as the partition, carries nothing)
        value = arg_value(ps.site.node, payload.name, payload.position)
        args = [a for a in args if a.value is value]
    for label_call in ps.label_calls:
        args += list(label_call.args)
    for arg in args:
        if skip is not None and arg.value is skip:
            continue
        reach = cf.reach(arg.value, ps.site, nested=True)
        if reach.status in (YES, CONDITIONAL):
            result = result | Reach(reach.status, reach.conditions)
    return result


def carrier_flow(ctx) -> "CarrierFlow":
    cf = ctx.shared.get("carrier_flow")
    if cf is None:
        cf = ctx.shared["carrier_flow"] = CarrierFlow(ctx)
    return cf


def _is_loop_target(expr, for_in) -> bool:
    """``k`` in ``{k: ... for k, v in m.items()}`` (or ``str(k)``): the comprehension keeps the source's keys."""
    if isinstance(expr, cst.Call) and len(expr.args) == 1 and isinstance(expr.func, cst.Name) and expr.func.value == "str":
        expr = expr.args[0].value
    if not isinstance(expr, cst.Name):
        return False
    while for_in is not None:
        target = for_in.target
        names = [target] if isinstance(target, cst.Name) else [
            e.value for e in getattr(target, "elements", ()) if isinstance(e.value, cst.Name)]
        if any(n.value == expr.value for n in names):
            return True
        for_in = for_in.inner_for_in
    return False


def _opaque(name: str, nested: bool) -> Reach:
    """A value we cannot see into: the caller's carrier (unknown), or business data nested in one."""
    if nested and not CONTEXTISH_NAME.search(name or ""):
        return Reach(NO)
    return Reach(UNKNOWN)


class CarrierFlow:
    """Does the current context reach a carrier or payload? (see the module docstring)"""

    MAX_DEPTH = 10

    def __init__(self, ctx):
        self.ctx = ctx
        self.flow = ctx.flow
        self.resolver = ctx.resolver
        self._message_types = {m.qname: m for m in pubcat.MESSAGE_CARRIERS}
        self._batch_types = {b.qname: b for b in pubcat.BATCH_TYPES}
        # methods that hand out a new, empty batch (`sender.create_message_batch()`), whatever the receiver
        self._batch_factories = frozenset(f.member for f in ctx.catalog.factories if f.result in self._batch_types)

    # ------------------------------------------------------------ entry
    def reach(self, expr, site: CallSite, nested: bool = False, depth: int = 0, seen=frozenset()) -> Reach:
        if expr is None or depth > self.MAX_DEPTH:
            return Reach(UNKNOWN)
        r = lambda e, n=nested: self.reach(e, site, n, depth + 1, seen)  # noqa: E731
        if isinstance(expr, cst.Name):
            if expr.value in ("None", "True", "False"):
                return Reach(NO)
            return self._name(expr.value, site, nested, depth, seen)
        if isinstance(expr, (cst.Await, cst.StarredElement)):
            inner = expr.expression if isinstance(expr, cst.Await) else expr.value
            return r(inner)
        if isinstance(expr, cst.Dict):
            result = Reach(NO)
            for el in expr.elements:
                if isinstance(el, cst.DictElement):
                    key = const_str(el.key)
                    if key is not None and CONTEXT_KEY.match(key) and not is_constant(el.value):
                        return Reach(YES)
                    result = result | r(el.value, True)
                else:
                    result = result | r(el.value)
            return result
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            els = expr.elements
            if isinstance(expr, cst.Tuple) and len(els) == 2:
                key = const_str(els[0].value)
                if key is not None and CONTEXT_KEY.match(key) and not is_constant(els[1].value):
                    return Reach(YES)  # ("traceparent", value): a header pair, an MQTT user property
            result = Reach(NO)
            for el in els:
                result = result | r(el.value, True)
            return result
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            if isinstance(expr, cst.DictComp):
                result = r(expr.key, True) | r(expr.value, True)
            else:
                result = r(expr.elt, True)
            # items built here from business data (`[{"Id": i, "MessageBody": b} for ...]`): the
            # iterated values are nested in the carrier; a plain conversion keeps the source's role,
            # including one that keeps the keys and wraps the values
            # (`{k: {"DataType": "String", "StringValue": v} for k, v in attrs.items()}`)
            element = expr.value if isinstance(expr, cst.DictComp) else expr.elt
            # items built here: dicts, or message objects (`[ServiceBusMessage(b) for b in bodies]`)
            built = isinstance(element, cst.Dict) or self._message_call(element, site) is not None
            if built and isinstance(expr, cst.DictComp) and _is_loop_target(expr.key, expr.for_in):
                built = False
            for_in = expr.for_in
            while for_in is not None:
                result = result | r(for_in.iter, nested or built)
                for_in = for_in.inner_for_in
            return result
        if isinstance(expr, cst.Call):
            return self._call(expr, site, nested, depth, seen)
        if isinstance(expr, (cst.Attribute, cst.Subscript)):
            if isinstance(expr, cst.Attribute) and expr.attr.value in CONTEXT_PRODUCING_MEMBERS + ("trace_id", "span_id"):
                return Reach(YES)
            if isinstance(expr, cst.Subscript):
                key = _subscript_key(expr)
                if key is not None and CONTEXT_KEY.match(key):
                    return self.flow.reaches(expr, site) if not nested else Reach(UNKNOWN)
            name = root_name(expr)
            if name and name != "self":
                owner, bindings = self.resolver.lookup(name, site.scope)
                if owner is site.scope and bindings and all(b.kind == "assign" for b in bindings):
                    return self._name(name, site, nested, depth, seen)
                if owner is not None and owner is not site.scope and all(b.kind in ("import", "def", "class") for b in bindings):
                    return Reach(NO)  # settings.TOPIC, enum members
            last = expr.attr.value if isinstance(expr, cst.Attribute) else name
            return _opaque(last, nested)
        if isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
            return r(expr.left, True) | r(expr.right, True)
        if isinstance(expr, cst.IfExp):
            return r(expr.body) | r(expr.orelse)
        if isinstance(expr, cst.FormattedString):
            result = Reach(NO)
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    result = result | r(part.expression, True)
            return result
        if isinstance(expr, cst.NamedExpr):
            return r(expr.value)
        if is_constant(expr):
            return Reach(NO)
        return Reach(UNKNOWN)

    def _message_call(self, expr, site: CallSite):
        """The MESSAGE_CARRIERS row of a message constructor call, or None."""
        if not isinstance(expr, cst.Call):
            return None
        callee = self.resolver.resolve(expr.func, site.scope)
        return self._message_types.get(self.ctx.catalog.canonical(callee.qname)) if callee.kind == "ref" else None

    def entry(self, arg: cst.Arg, site: CallSite, depth: int = 0, seen=frozenset()) -> Reach:
        """One argument of a carrier spread as keywords: ``**carrier`` is a whole carrier,
        ``traceparent=tp`` an entry that carries the context, ``origin=order.source`` business data."""
        if arg.star == "**" or arg.keyword is None:
            return self.reach(arg.value, site, False, depth, seen)
        if CONTEXT_KEY.match(arg.keyword.value) and not is_constant(arg.value):
            return Reach(YES)
        return self.reach(arg.value, site, True, depth, seen)

    # ------------------------------------------------------------ calls
    def _call(self, call: cst.Call, site: CallSite, nested: bool, depth: int, seen) -> Reach:
        scope = site.scope
        func = call.func
        r = lambda e, n=nested: self.reach(e, site, n, depth + 1, seen)  # noqa: E731
        if isinstance(func, cst.Attribute) and func.attr.value in CONTEXT_PRODUCING_MEMBERS:
            return Reach(YES)
        callee = self.resolver.resolve(func, scope)
        if callee.kind == "ref":
            if callee.qname in CONTEXT_PRODUCING_CALLS:
                return Reach(YES)
            message = self._message_types.get(self.ctx.catalog.canonical(callee.qname))
            if message is not None:
                if message.arg is None:
                    return Reach(NO, (), [(call, f"`{dotted(func) or 'the message'}` is built here without `{message.attr}`")])
                if message.arg.kwargs:
                    # PubsubMessage(data, **attributes): every other keyword is one carrier entry
                    entries = [a for a in call.args if a.star == "**"
                               or (a.keyword is not None and a.keyword.value not in message.others)]
                    if not entries:
                        return Reach(NO, (), [(call, f"`{dotted(func) or 'the message'}` is built here without {message.attr}")])
                    result = Reach(NO)
                    for arg in entries:
                        result = result | self.entry(arg, site, depth + 1, seen)
                    return result
                value = arg_value(call, message.arg.name, message.arg.position)
                if value is None:
                    return Reach(NO, (), [(call, f"`{dotted(func) or 'the message'}` is built here without `{message.arg.name}`")])
                return r(value, False)
            if callee.project:
                conds = [("returns-injected", callee.qname)]
                for index, arg in enumerate(call.args):
                    # a carrier handed to a project helper that returns it converted (header tuples)
                    if arg.star:
                        continue
                    inner = r(arg.value, False)
                    pos, kw = index if arg.keyword is None else None, arg.keyword.value if arg.keyword is not None else None
                    if inner.status == YES:
                        conds.append(("passes-through", callee.qname, pos, kw))
                    elif inner.status == CONDITIONAL and inner.conditions:
                        # helpers nested: to_pairs(merge_headers(base, carrier))
                        conds.append(("passes-through-if", callee.qname, pos, kw, tuple(inner.conditions)))
                return Reach(CONDITIONAL, tuple(conds))
        elif callee.kind == "unknown" and isinstance(func, cst.Name) and func.value not in _BUILTINS:
            return Reach(UNKNOWN)
        result = Reach(NO)
        if isinstance(func, cst.Attribute):
            recv = self.resolver.resolve(func.value, scope)
            if recv.kind == "instance" and recv.project:
                return Reach(CONDITIONAL, (("returns-injected", f"{recv.qname}.{func.attr.value}"),))
            if recv.kind == "instance" and self.resolver.resolve(call, scope).kind == "instance":
                return Reach(NO)  # a fresh library object (`sender.create_message_batch()`)
            if recv.kind == "unknown" and func.attr.value in self._batch_factories:
                return Reach(NO)  # a fresh, empty batch from a receiver we cannot resolve (a parameter)
            if recv.kind != "ref":
                # x.items(), json.dumps(x).encode(), carrier.copy(), event.to_json()
                result = result | r(func.value)
        for arg in call.args:
            result = result | r(arg.value)
        return result

    # ------------------------------------------------------------ names
    def _name(self, name: str, site: CallSite, nested: bool, depth: int, seen) -> Reach:
        key = (name, id(site.scope), site.order)
        if key in seen:
            return Reach(NO)
        seen = seen | {key}
        scope = site.scope
        owner, bindings = self.resolver.lookup(name, scope)
        if not bindings:
            return _opaque(name, nested)
        if owner is not scope:
            if all(b.kind == "assign" and is_constant(b.node) for b in bindings):
                return Reach(NO)
            if all(b.kind in ("import", "def", "class") for b in bindings):
                return Reach(NO)
            return _opaque(name, nested)
        local = self._local(name, site, depth, seen)
        if local.status == YES:
            return local
        copied = self._loop_copy(bindings, site, depth, seen)
        if copied is not None:
            return copied
        if any(b.kind not in ("assign", "augassign", "def", "class", "import") for b in bindings):
            if local.status == CONDITIONAL:
                return local
            opaque = _opaque(name, nested)
            return Reach(opaque.status, (), local.evidence) if opaque.status == NO else opaque
        result = local
        for b in bindings:
            if b.order >= site.order or not branch_compatible(b.branch, site.branch):
                continue
            if b.kind in ("assign", "augassign") and b.node is not None:
                got = self.reach(b.node, site, nested, depth + 1, seen)
                result = result | got
                if b.kind == "assign" and got.status == NO:
                    result.evidence.append((b.node, f"the carrier `{name}` is built here"))
        return result

    def _loop_copy(self, bindings, site: CallSite, depth: int, seen) -> Optional[Reach]:
        """A loop variable over a carrier's entries (``for k, v in headers.items(): out[k] = v``):
        the copy carries what the source carries, when the source visibly holds the context."""
        for b in bindings:
            if b.kind != "for" or b.node is None or b.order >= site.order:
                continue
            source = b.node
            if isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) \
                    and source.func.attr.value in ("items", "values", "keys") and not source.args:
                source = source.func.value
            if not isinstance(source, cst.Name):
                continue
            got = self.reach(source, site, False, depth + 1, seen)
            if got.status == YES:
                return got
        return None

    def _local(self, name: str, site: CallSite, depth: int, seen) -> Reach:
        """Injects, mutations, attribute stores and helper calls on ``name`` before ``site``."""
        scope = site.scope
        result = self.flow.direct_injection(name, site)
        if result.status == YES:
            return result
        r = lambda e, n=True: self.reach(e, site, n, depth + 1, seen)  # noqa: E731
        for other in scope.calls:
            if other.order >= site.order or other is site or not branch_compatible(other.branch, site.branch):
                continue
            call = other.node
            func = call.func
            if isinstance(func, cst.Attribute) and root_name(func.value) == name and func.attr.value in MUTATOR_METHODS:
                kw = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
                if "headers" in kw:  # aiokafka batch.append(key=, value=, timestamp=, headers=)
                    result = result | r(kw["headers"], False)
                    continue
                if kw and len(kw) == len(call.args) and {"key", "value"} <= set(kw):
                    # the same append without headers: key and value are the record's data, not a carrier
                    for value in kw.values():
                        result = result | r(value, True)
                    continue
                for arg in call.args:
                    key = const_str(arg.value)
                    if key is not None and CONTEXT_KEY.match(key) and len(call.args) >= 2:
                        return Reach(YES)  # headers.setdefault("traceparent", tp)
                    # a message added to a batch is a carrier of its own
                    result = result | r(arg.value, func.attr.value not in ("add_message", "add", "append"))
                continue
            for index, arg in enumerate(call.args):
                if isinstance(arg.value, cst.Name) and arg.value.value == name and not arg.star:
                    callee = self.flow._project_callee(call, scope)
                    if callee:
                        pos = index if arg.keyword is None else None
                        kw = arg.keyword.value if arg.keyword is not None else None
                        result = result | Reach(CONDITIONAL, (("injects", callee, pos, kw),))
        for target, value, order, branch in scope.attr_stores:
            if order >= site.order or root_name(target) != name or not branch_compatible(branch, site.branch):
                continue
            if isinstance(target, cst.Subscript):
                key = _subscript_key(target)
                if key is not None and CONTEXT_KEY.match(key) and not is_constant(value):
                    return Reach(YES)
            result = result | r(value, isinstance(target, cst.Subscript))
        return result


def _subscript_key(expr: cst.Subscript) -> Optional[str]:
    if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        return const_str(expr.slice[0].slice.value)
    return None


def astray_injects(ps: PublishSite, ctx, used: set) -> List[Tuple[cst.CSTNode, str]]:
    """Injects in the publishing function whose carrier never reaches the publish call."""
    out = []
    for inj in ctx.flow.injects_in(ps.site.scope):
        name = root_name(inj.carrier)
        if not name or name in used or inj.site.order > ps.site.order:
            continue
        out.append((inj.site.node, f"the context is injected into `{name}` here, but `{name}` is never passed to this publish"))
    return out[:2]


class _Names(cst.CSTVisitor):
    """Every name in a subtree (attribute names included); one class, not one per call."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set = set()

    def visit_Name(self, n: cst.Name) -> None:
        self.found.add(n.value)


def names_in(node) -> set:
    if node is None:
        return set()
    visitor = _Names()
    node.visit(visitor)
    return visitor.found


# ---------------------------------------------------------------- shared by CTX101 and CTX102
def publish_gap(ps: PublishSite, ctx, carrier, spread=()):
    """``(reach, related)`` when no context reaches ``carrier`` (or the spread carrier entries),
    else None. ``carrier`` None and no ``spread``: nothing was passed for it."""
    cf = carrier_flow(ctx)
    site = ps.site
    related = []
    if client_switched_on(ps, ctx):
        return None
    if carrier is None and not spread:
        reach = Reach(NO)
        if ps.override_span is not None:
            reach.evidence.append((ps.override_span, "this span is started here: the caller's arguments cannot hold its context"))
    else:
        reach = Reach(NO)
        if carrier is not None:
            entry = ps.spread_carrier
            reach = cf.reach(carrier, entry[1] if entry and entry[0] is carrier else site)
        spread_args = {id(a.value): a for c in (site.node,) + ps.label_calls for a in c.args}
        for expr in spread:
            arg = spread_args.get(id(expr))
            reach = reach | (cf.entry(arg, site) if arg is not None else cf.reach(expr, site))
        if reach.status == UNKNOWN and ps.override_span is not None and _bare_parameter(carrier, site):
            reach = Reach(NO, (), [(ps.override_span, "this span is started here, after the caller built the carrier: "
                                                      "the caller's headers cannot hold its context")])
        if reach.status in (UNKNOWN, CONDITIONAL) and ps.publisher.data_payload and not _bare_parameter(carrier, site):
            # data derived from a query, a library call or a parameter: tags are added here or not at all
            reach = Reach(NO, (), reach.evidence)
        if reach.status in (YES, UNKNOWN):
            return None
        if carrier is not None:
            related.append(ctx.related(carrier, f"the carrier `{ps.publisher.carrier.name if ps.publisher.carrier else 'payload'}` is passed here without injected context"))
    other = any_argument_reaches(ps, ctx, skip=carrier)
    if other.status == YES:
        return None
    reach = reach | other
    for node, msg in reach.evidence:
        related.append(ctx.related(node, msg))
    used = names_in(site.node)
    for node, msg in astray_injects(ps, ctx, used):
        related.append(ctx.related(node, msg))
    return reach, related


def client_switched_on(ps: PublishSite, ctx) -> bool:
    """The publishing client was built with its library's own tracing switched on
    (``PublisherClient(publisher_options=PublisherOptions(enable_open_telemetry_tracing=True))``):
    that client injects on every publish. Other clients of the file or process are not covered."""
    from .catalog import instrumentors as instcat

    func = ps.site.node.func
    if not isinstance(func, cst.Attribute):
        return False
    switches = [s for s in instcat.CLIENT_SWITCHES if s.client == ps.publisher.receiver]
    if not switches:
        return False
    canon = ctx.catalog.canonical
    for call, scope in constructor_calls(func.value, ps.site.scope, ctx):
        if canon(ctx.resolver.callee_name(call, scope)) != ps.publisher.receiver:
            continue
        for switch in switches:
            options = arg_value(call, switch.keyword, None)
            for opt_call, opt_scope in constructor_calls(options, scope, ctx) if options is not None else ():
                if ctx.resolver.callee_name(opt_call, opt_scope) not in switch.options:
                    continue
                flag = arg_value(opt_call, switch.flag, None)
                if isinstance(flag, cst.Name) and flag.value == "True":
                    return True
    return False


def constructor_calls(expr, scope: Scope, ctx, depth: int = 0) -> List[Tuple[cst.Call, Scope]]:
    """The calls whose result ``expr`` may be: the call itself, or what a local name or a ``self``
    attribute was assigned (in any method of the class)."""
    if expr is None or depth > 3:
        return []
    if isinstance(expr, cst.Await):
        expr = expr.expression
    if isinstance(expr, cst.Call):
        return [(expr, scope)]
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        return constructor_calls(expr.left, scope, ctx, depth + 1)  # a Celery chain starts with its left signature
    out: List[Tuple[cst.Call, Scope]] = []
    if isinstance(expr, cst.Name):
        owner, bindings = ctx.resolver.lookup(expr.value, scope)
        for b in bindings:
            if b.kind in ("assign", "with") and b.node is not None:
                out.extend(constructor_calls(b.node, owner, ctx, depth + 1))
        return out
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
        cls = scope.class_scope
        if cls is None:
            return out
        for method in cls.walk():
            for target, value, _, _ in method.attr_stores:
                if isinstance(target, cst.Attribute) and target.attr.value == expr.attr.value \
                        and isinstance(target.value, cst.Name) and target.value.value == "self":
                    out.extend(constructor_calls(value, method, ctx, depth + 1))
    return out


def _bare_parameter(expr, site: CallSite) -> bool:
    """The expression is one of the function's parameters, unchanged."""
    if not isinstance(expr, cst.Name):
        return False
    bindings = site.scope.bindings.get(expr.value, ())
    return bool(bindings) and all(b.kind == "param" for b in bindings)


def publish_candidate(rule, ps: PublishSite, ctx, reach: Reach, related, message: str, suggestion: str, fix=None):
    pub = ps.publisher
    site = ps.site
    unless = tuple(reach.conditions) if reach.status == CONDITIONAL else ()
    unless += (instrumented_condition(ps, ctx),)
    return ctx.candidate(
        rule, site.node, scope=site.scope, target=f"{pub.library}:{pub.method}",
        message=message, suggestion=suggestion,
        related=sorted(related[:6], key=lambda r: (r.location.path, r.location.line, r.location.column)),
        confidence=ps.confidence, requires=ps.requires, unless=unless, statement=site.statement, fix=fix,
    )


def instrumented_condition(ps: PublishSite, ctx) -> tuple:
    """The condition that an instrumentation covers this publish, in the process it runs in (a
    worker, inside a Celery task)."""
    pub = ps.publisher
    process = "celery-worker" if in_celery_task(ps.site.scope, ctx) else "main"
    return ("instrumented", pub.library, pub.method, pub.receiver, process)


def carrier_signal(ps: PublishSite, ctx) -> str:
    """Does the context visibly reach the publish's carrier (``yes`` / ``conditional`` / ``no`` /
    ``unknown``)? Context carried elsewhere in the call (a payload envelope) counts as ``yes``."""
    if ps.publisher.carrier is None or opaque_call(ps):
        return UNKNOWN
    carrier = carrier_expr(ps)
    reach = ctx.flow.reaches(carrier, ps.site) if carrier is not None else any_argument_reaches(ps, ctx)
    if reach.status != YES and carrier is not None and any_argument_reaches(ps, ctx, skip=carrier).status == YES:
        return YES
    return reach.status


def in_celery_task(scope, ctx) -> bool:
    """A publish made while a Celery task runs (its process is a worker)."""
    s = scope
    while s is not None and s.kind != "module":
        if s.kind == "function" and task_library(s, ctx.resolver, ctx.model) == "celery":
            return True
        s = s.parent
    return False


# ------------------------------------------------------------------ what each destination receives
@collector
def _sent_context_facts(model: FileModel, ctx) -> dict:
    """``sent_context``: per publish to a destination named by a literal (a Kafka topic, a queue),
    ``[destination, state, conditions, module]``: ``state`` is :func:`carrier_signal`'s (``no``:
    the context does not reach the carrier, though the conditions, an instrumentation that covers
    the call, may still carry it). The project pass answers whether a
    consumed message can carry a context at all (``message-carries``)."""
    out = []
    for ps in publish_sites(model, ctx):
        name = literal_destination(ps, ctx)
        if name is None:
            continue
        conditions = [list(instrumented_condition(ps, ctx))] + [list(c) for c in ps.requires]
        out.append([name, carrier_signal(ps, ctx), conditions, model.module or ""])
    return {"sent_context": out} if out else {}


def literal_destination(ps: PublishSite, ctx) -> Optional[str]:
    """The destination a publish names by a literal (or a constant the file defines), else None."""
    from .topology import destination_parts

    pub = ps.publisher
    if pub.destination is None:
        return None
    dest = arg_value(ps.site.node, pub.destination.name, pub.destination.position)
    if dest is None:
        return None
    parts = destination_parts(dest, ps.site.scope, ctx)
    if not parts or any(kind != "lit" for kind, _text in parts) or not "".join(t for _k, t in parts):
        return None
    return "".join(t for _k, t in parts)


@condition("message-carries")
def _message_carries(project, cond: tuple, depth: int) -> bool:
    """``("message-carries", [destination, ...])``: a message consumed from these destinations can
    carry a trace context: some publish of the project to one of them sends one, or none of the
    project's publishes goes there (the producer is outside the project)."""
    names = set(cond[1])
    confirmed = False
    here = (project._current_path, project._current_index)
    try:
        for row in project.facts.get("sent_context", ()):
            name, state, conditions = row[:3]
            if name not in names:
                continue
            project.at_module(row[3] if len(row) > 3 else "")  # instrumentation where the publish runs
            instrumented, requires = conditions[0], conditions[1:]
            if not all(project.holds(tuple(c), depth + 1) for c in requires):
                continue  # the call is not this library's publish after all
            confirmed = True
            if state != "no" or project.holds(tuple(instrumented), depth + 1):
                return True
        return not confirmed
    finally:
        project._current_path, project._current_index = here
