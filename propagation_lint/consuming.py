"""Consumer detection: which code handles received messages, and how its spans connect to them.

Shared by the consumer rules (CTX301-CTX305), CTX103 (follow-up events) and, later, the
conventions rules and the propagation map. All library knowledge comes from
``catalog/consumers.py`` (shapes, receive calls, callbacks, task decorators, Lambda sources) and
``catalog/tracing.py`` (extract, span starts, links, attach).

API (everything is computed once per file and cached in ``ctx.shared``):

- :func:`handlers` ``(model, ctx) -> list[Handler]``: every place that processes one message or a
  batch: a callback registered with a library (or in config), a task function, a Lambda handler,
  a ``for`` loop over messages, or the code after ``msg = consumer.poll()``. A :class:`Handler`
  knows its library, its region (``calls()`` / ``contains(site)``), its message variable and
  shape (where the carrier lives), whether it covers a batch, and the condition under which an
  instrumentor covers it (``instrumented``).
- :func:`span_starts` ``(scope, ctx)``, :meth:`Handler.first_span`: span starts (OTel, ddtrace,
  OpenTracing, decorator forms) with their parent / links / references arguments.
- :func:`connection` ``(handler, span, ctx) -> Connection``: is that span connected to the
  message (parent, link, attached context, helper conditions)?
- :func:`extract_calls` ``(scope, ctx)``: the ``extract(...)`` calls of a function, with their carrier.
- Facts: ``consumer_handlers`` (callbacks registered with a library, possibly defined in another
  module) and ``context_helpers`` (project functions that extract or attach a context), with the
  conditions ``("handler", qname)`` and ``("attaches", qname)``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from .catalog import consumers as cc
from .catalog import tracing as tc
from .facts import collector
from .flow import arg_value
from .model import CallSite, FileModel, Scope, dotted, string_value
from .names import Value, root_name
from .project import Project, condition

SHAPES: Dict[str, cc.Shape] = {s.key: s for s in cc.SHAPES}
_HELPER_NAME = re.compile(r"(?i)context|trac|extract|attach|propagat|span|otel|telemetry|carrier|link")


# ----------------------------------------------------------------------------- data
@dataclass
class SpanStart:
    node: cst.CSTNode  # the call (or the decorator)
    order: int
    site: Optional[CallSite] = None
    parent: Optional[cst.BaseExpression] = None  # context= / child_of=
    links: Optional[cst.BaseExpression] = None
    references: Optional[cst.BaseExpression] = None
    decorator: bool = False
    method: str = ""
    name: str = ""  # the span name when it is a literal


@dataclass
class Connection:
    parent: bool = False
    link: bool = False
    # we cannot tell (a helper named like tracing, a project decorator...): stay silent
    unknown: bool = False
    # connected if one of these holds (project helpers that attach or extract)
    conditions: Tuple[tuple, ...] = ()
    evidence: List[Tuple[cst.CSTNode, str]] = field(default_factory=list)

    @property
    def connected(self) -> bool:
        return self.parent or self.link or self.unknown


@dataclass(eq=False)
class Handler:
    kind: str  # callback | task | lambda | loop | received | receive-span | configured | delegate
    library: str
    pattern: str
    scope: Scope
    message: str  # the variable holding one message ("" when any parameter may carry it)
    carrier_kind: str
    anchor: cst.CSTNode  # where the messages come from (the consume call, the loop, the def)
    receiver: str = ""
    batch: bool = False  # the region holds several messages processed together
    batch_var: str = ""
    confidence: str = "resolved"
    requires: Tuple[tuple, ...] = ()
    loop: Optional[cst.CSTNode] = None
    start: int = -1  # region: calls of ``scope`` with a greater order (when ``loop`` is None)
    message_loops: List["Handler"] = field(default_factory=list)  # batch: the loops over its messages
    process: str = "main"
    _ids: Optional[FrozenSet[int]] = None
    _calls: Optional[List[CallSite]] = None
    _first: Optional[object] = None

    # ------------------------------------------------------------ region
    def contains(self, site) -> bool:
        if site.scope is not self.scope:
            return False
        if self.loop is not None:
            return id(site.node) in self._ids
        return site.order > self.start

    def calls(self) -> List[CallSite]:
        if self._calls is None:
            self._calls = [s for s in self.scope.calls if self.contains(s)]
        return self._calls

    @property
    def instrumented(self) -> tuple:
        """The ``unless`` condition: an instrumentor that really wraps this processing."""
        return ("instrumented", self.library, f"consume:{self.pattern}", self.receiver, self.process)

    @property
    def carrier_text(self) -> str:
        shape = _carrier_shape(self)
        if shape is None or not self.message:
            return ""
        return shape.carrier.format(m=self.message)

    def first_span(self, ctx) -> Optional[SpanStart]:
        if self._first is None:
            spans = [s for s in span_starts(self.scope, ctx) if s.decorator and self.loop is None and self.start < 0]
            spans += [s for s in span_starts(self.scope, ctx) if not s.decorator and s.site is not None and self.contains(s.site)]
            spans.sort(key=lambda s: s.order)
            # a span in an error branch (`if msg.error(): ...; continue`, an `except` handler) does
            # not process the message: the first span on the message's own path is the one to judge
            main = [s for s in spans if not _off_path(s, self.scope)]
            spans = main or spans
            self._first = spans[0] if spans else False
        return self._first or None


def _off_path(span: "SpanStart", scope: Scope) -> bool:
    """Is the span in an ``except`` handler, or in an ``if`` body that ends by leaving the message
    (``continue``/``break``/``return``/``raise``)?"""
    if span.site is None or not span.site.branch:
        return False
    nodes = _branch_nodes(scope)
    for key, index in span.site.branch:
        node = nodes.get(key)
        if isinstance(node, cst.Try) and index >= 1:
            return True
        if isinstance(node, cst.If) and index == 0 and _leaves(node.body):
            return True
    return False


def _branch_nodes(scope: Scope) -> Dict[int, cst.CSTNode]:
    cached = getattr(scope, "_branch_nodes", None)
    if cached is None:
        collector = _BranchCollector()
        scope.node.visit(collector)
        cached = collector.found
        try:
            scope._branch_nodes = cached
        except AttributeError:
            pass
    return cached


def _leaves(block) -> bool:
    body = getattr(block, "body", ())
    if not body:
        return False
    last = body[-1]
    smalls = last.body if isinstance(last, cst.SimpleStatementLine) else (body if isinstance(block, cst.SimpleStatementSuite) else ())
    return any(isinstance(x, (cst.Continue, cst.Break, cst.Return, cst.Raise)) for x in smalls)


def _carrier_shape(h: Handler) -> Optional[cc.Shape]:
    for s in cc.SHAPES:
        if s.kind == "message" and s.carrier_kind == h.carrier_kind:
            return s
    return None


@dataclass
class _Hit:
    """What a consumed expression is: a shape, where it came from, and the variables it went through."""

    shape: str
    row: Optional[object] = None  # the Receive/Callback row, or a pseudo origin
    node: Optional[cst.CSTNode] = None  # the receive call
    via: FrozenSet[str] = frozenset()
    confidence: str = "resolved"
    picked: bool = False


# ----------------------------------------------------------------------------- entry points
def handlers(model: FileModel, ctx) -> List[Handler]:
    cached = ctx.shared.get("consumer_handlers")
    if cached is None:
        cached = _Detector(model, ctx).run()
        ctx.shared["consumer_handlers"] = cached
    return cached


def handler_at(site, model, ctx) -> Optional[Handler]:
    """The innermost handler whose region holds ``site`` (a message loop wins over its batch)."""
    best = None
    for h in handlers(model, ctx):
        if h.contains(site):
            if best is None or (h.loop is not None and best.loop is None) or (h.start > best.start and best.loop is None):
                best = h
    return best


def site_map(model: FileModel, ctx) -> Dict[int, CallSite]:
    cached = ctx.shared.get("call_sites_by_node")
    if cached is None:
        cached = {id(s.node): s for s in model.all_calls}
        ctx.shared["call_sites_by_node"] = cached
    return cached


# ----------------------------------------------------------------------------- span starts
def span_starts(scope: Scope, ctx) -> List[SpanStart]:
    memo = ctx.shared.setdefault("span_starts", {})
    if id(scope) in memo:
        return memo[id(scope)]
    found: List[SpanStart] = []
    imports_dd = ctx.model.imports_any(("ddtrace",))
    for site in scope.calls:
        span = _span_from_call(site.node, scope, ctx, imports_dd)
        if span is not None:
            span.site = site
            span.order = site.order
            found.append(span)
    if scope.kind == "function":
        for dec in scope.decorators:
            span = _span_from_decorator(dec, scope.parent or scope, ctx, imports_dd)
            if span is not None:
                found.append(span)
    memo[id(scope)] = found
    return found


def _span_from_call(call: cst.Call, scope: Scope, ctx, imports_dd: bool) -> Optional[SpanStart]:
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    spec = tc.SPAN_START_METHODS.get(method)
    if spec is None:
        return None
    if not _tracer_receiver(func.value, scope, ctx, ddtrace_only=(method == "trace"), imports_dd=imports_dd,
                            library=tc.SPAN_METHOD_LIBRARY.get(method)):
        return None
    span = SpanStart(call, 0, method=method)
    for kw, pos in spec.get("parent", ()):
        value = arg_value(call, kw, pos)
        if value is not None and not _is_none(value):
            span.parent = value
            break
    for kw, pos in spec.get("links", ()):
        value = arg_value(call, kw, pos)
        if value is not None and not _is_none(value):
            span.links = value
    for kw, pos in spec.get("references", ()):
        value = arg_value(call, kw, pos)
        if value is not None and not _is_none(value):
            span.references = value
    name = arg_value(call, "name", 0)
    if isinstance(name, cst.SimpleString) and isinstance(string_value(name), str):
        span.name = string_value(name)
    return span


def _span_from_decorator(dec, scope: Scope, ctx, imports_dd: bool) -> Optional[SpanStart]:
    call = dec if isinstance(dec, cst.Call) else None
    func = call.func if call is not None else dec
    if not isinstance(func, cst.Attribute) or func.attr.value not in tc.SPAN_DECORATOR_METHODS:
        return None
    if not _tracer_receiver(func.value, scope, ctx, ddtrace_only=(func.attr.value == "wrap"), imports_dd=imports_dd,
                            library=tc.SPAN_METHOD_LIBRARY.get(func.attr.value)):
        return None
    span = SpanStart(dec, -1, decorator=True, method=func.attr.value)
    if call is not None:
        parent = arg_value(call, "context", 1)
        links = arg_value(call, "links", 4)
        span.parent = None if parent is None or _is_none(parent) else parent
        span.links = None if links is None or _is_none(links) else links
    return span


def _tracer_receiver(expr, scope: Scope, ctx, ddtrace_only: bool, imports_dd: bool, library: Optional[str] = None) -> bool:
    v = ctx.resolver.resolve(expr, scope)
    if library is not None:  # `logfire.span(...)`: the library's module or one of its objects only
        return v.kind in ("ref", "instance") and not v.project and v.qname.split(".")[0] == library
    if v.kind == "ref":
        top = v.qname.split(".")[0]
        if ddtrace_only:
            return v.qname in tc.DDTRACE_TRACER or (top == "ddtrace" and v.qname.endswith("tracer"))
        return top in tc.TRACING_MODULES or v.project
    if v.kind == "instance" and not v.project:
        top = v.qname.split(".")[0]
        if top not in tc.TRACING_MODULES:
            return False
    if ddtrace_only:
        text = dotted(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else ""
        return imports_dd and text.split(".")[-1].lower().endswith("tracer")
    return True


def _is_none(node) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


# ----------------------------------------------------------------------------- extract / attach
@dataclass
class ExtractCall:
    site: CallSite
    carrier: Optional[cst.BaseExpression]


def extract_calls(scope: Scope, ctx) -> List[ExtractCall]:
    memo = ctx.shared.setdefault("extract_calls", {})
    if id(scope) not in memo:
        memo[id(scope)] = [ExtractCall(s, c) for s in scope.calls for c in [_extract_carrier(s.node, scope, ctx)] if c is not False]
    return memo[id(scope)]


def is_extract(call: cst.Call, scope: Scope, ctx) -> bool:
    return _extract_carrier(call, scope, ctx) is not False


def _extract_carrier(call: cst.Call, scope: Scope, ctx):
    """The carrier of an extract call (None when not passed), or False when it is no extract."""
    func = call.func
    q = ctx.resolver.callee_name(call, scope)
    if q in tc.EXTRACT_FUNCTIONS:
        return arg_value(call, "carrier", tc.EXTRACT_FUNCTIONS[q]) or arg_value(call, "headers", 0)
    if not isinstance(func, cst.Attribute) or func.attr.value != tc.EXTRACT_METHOD:
        return False
    recv = ctx.resolver.resolve(func.value, scope)
    ok = False
    if recv.kind in ("ref", "instance") and recv.qname:
        ok = recv.qname.startswith(tc.PROPAGATOR_TYPES) or recv.qname.split(".")[0] in ("opentracing", "ddtrace")
        if not ok and recv.kind == "ref" and not recv.project:
            return False
    if not ok:
        if not ctx.model.imports_any(tc.TRACING_MODULES):
            return False
        text = ctx.code_for(func.value)
        last = text.split(".")[-1].split("(")[0]
        ok = bool(re.search(tc.PROPAGATOR_NAME, last)) or "textmap" in text.lower() or "propagat" in text.lower()
    if not ok:
        return False
    positional = [a for a in call.args if a.keyword is None and not a.star]
    kw = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    if "carrier" in kw:
        return kw["carrier"]
    if len(positional) >= 2 and _looks_like_format(positional[0].value):
        return positional[1].value  # OpenTracing: extract(format, carrier)
    return positional[0].value if positional else None


def _looks_like_format(node) -> bool:
    text = dotted(node) if isinstance(node, (cst.Name, cst.Attribute)) else ""
    return "Format" in text or text.isupper() or (isinstance(node, cst.SimpleString) and "text_map" in node.value.lower())


def is_attach(call: cst.Call, scope: Scope, ctx) -> bool:
    """``context.attach(ctx)``, ddtrace ``tracer.context_provider.activate(ctx)``, OpenTracing
    ``scope_manager.activate(span)``, ``trace.use_span(span)``."""
    q = ctx.resolver.callee_name(call, scope)
    if q in tc.ATTACH_FUNCTIONS or q in tc.USE_SPAN_FUNCTIONS:
        return True
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in tc.ACTIVATE_METHODS:
        owner = func.value
        text = ctx.code_for(owner)
        return "context_provider" in text or "scope_manager" in text
    if isinstance(func, cst.Attribute) and func.attr.value == "attach" and ctx.model.imports_any(("opentelemetry",)):
        text = ctx.code_for(func.value)
        return text.split(".")[-1] in ("context", "otel_context", "ctx_api", "context_api", "otel_ctx")
    if isinstance(func, cst.Name) and func.value == "attach" and not q:
        return ctx.model.imports_any(("opentelemetry",))
    return False


def is_add_link(call: cst.Call) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value in tc.ADD_LINK_METHODS


# ----------------------------------------------------------------------------- connection
def connection(h: Handler, span: SpanStart, ctx) -> Connection:
    conn = Connection()
    if span.parent is not None:
        conn.parent = True
        conn.evidence.append((span.parent, "the span's parent is given here"))
    if span.links is not None and not _empty_literal(span.links):
        conn.link = True
    if span.references is not None:
        kinds = _reference_kinds(span.references, h.scope, ctx)
        conn.parent = conn.parent or "parent" in kinds
        conn.link = conn.link or "link" in kinds
        if not kinds:
            conn.unknown = True
    derived = derived_names(h, ctx)
    for site in h.calls() if not span.decorator else h.scope.calls:
        if span.decorator or site.order > span.order:
            if is_add_link(site.node):
                conn.link = True
            continue
        if site.order == span.order:
            continue
        if is_attach(site.node, h.scope, ctx):
            conn.parent = True
            conn.evidence.append((site.node, "a context is made current here"))
            continue
        _helper_condition(site, h, derived, ctx, conn)
    if h.kind in ("callback", "task", "lambda", "configured", "delegate") and _opaque_decorators(h.scope, ctx):
        conn.unknown = True
    return conn


def _helper_condition(site: CallSite, h: Handler, derived: Set[str], ctx, conn: Connection) -> None:
    """A call before the span that hands the message (or, for tasks, anything) to a helper."""
    call = site.node
    if is_extract(call, h.scope, ctx):
        return
    passes = False
    for arg in call.args:
        names = _names_in(arg.value)
        if names & derived:
            passes = True
    if not passes:
        return
    func = call.func
    callee = ctx.resolver.resolve(func, h.scope)
    if callee.kind == "ref" and callee.project:
        conn.conditions += (("attaches", callee.qname),)
        return
    if isinstance(func, cst.Attribute):
        recv = ctx.resolver.resolve(func.value, h.scope)
        if recv.kind == "instance" and recv.project:
            conn.conditions += (("attaches", f"{recv.qname}.{func.attr.value}"),)
            return
        if recv.kind == "ref" and not recv.project:
            return  # a library function (json.loads...)
    text = ctx.code_for(func)
    if _HELPER_NAME.search(text.split(".")[-1]):
        conn.unknown = True


# Handlers whose region runs outside any caller's span: a consume loop, a received batch, a
# callback the consumer library calls.
CONTEXT_FREE_HANDLER_KINDS = ("loop", "received", "callback")


def message_context_only(site, model, ctx) -> Optional[tuple]:
    """For a publish at ``site`` inside a consume loop or callback that, before it, starts no span,
    extracts nothing and attaches nothing: the only context that can be current there is the
    message's, made current by the consumer's instrumentation or by a project helper. Returns the
    ``("any", ...)`` condition under which that happens, or None when a context of the handler's
    own may exist (the publish is then judged on its own)."""
    h = handler_at(site, model, ctx)
    if h is None or h.kind not in CONTEXT_FREE_HANDLER_KINDS or (h.batch and not h.message):
        return None
    span = h.first_span(ctx)
    if span is not None and (span.decorator or span.order < site.order):
        return None
    if any(h.contains(e.site) and e.site.order < site.order for e in extract_calls(h.scope, ctx)):
        return None
    conn = Connection()
    derived = derived_names(h, ctx)
    for other in h.calls():
        if other.order >= site.order:
            break
        if is_attach(other.node, h.scope, ctx):
            return None
        _helper_condition(other, h, derived, ctx, conn)
    if conn.unknown:
        return None
    return ("any", h.instrumented) + tuple(conn.conditions)


def derived_names(h: Handler, ctx) -> Set[str]:
    """The message variable and every local variable computed from it in the handler's scope."""
    if not h.message:
        names = {p.name.value for p in h.scope.params if p.name.value not in ("self", "cls")}
        names |= {"request", "current_task", "get_current_job"}
    else:
        names = {h.message}
    if h.batch_var:
        names.add(h.batch_var)
    for _ in range(4):
        grew = False
        for name, bindings in h.scope.bindings.items():
            if name in names:
                continue
            for b in bindings:
                if b.kind in ("assign", "unpack", "for", "with") and b.node is not None and _names_in(b.node) & names:
                    names.add(name)
                    grew = True
                    break
        if not grew:
            break
    return names


def _names_in(node) -> Set[str]:
    if node is None:
        return set()
    visitor = _NameCollector()
    node.visit(visitor)
    return visitor.found


def _empty_literal(node) -> bool:
    return isinstance(node, (cst.List, cst.Tuple)) and not node.elements


def _reference_kinds(node, scope: Scope, ctx) -> Set[str]:
    visitor = _ReferenceKinds(scope, ctx)
    node.visit(visitor)
    return visitor.kinds


# Visitors are defined once, not per call: a class made per call costs its creation and a fresh
# dispatch table in fastvisit every time.
class _BranchCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: Dict[int, cst.CSTNode] = {}

    def visit_If(self, n: cst.If) -> None:
        self.found[id(n)] = n

    def visit_Try(self, n: cst.Try) -> None:
        self.found[id(n)] = n


class _ReferenceKinds(cst.CSTVisitor):
    def __init__(self, scope: Scope, ctx) -> None:
        super().__init__()
        self.scope, self.ctx = scope, ctx
        self.kinds: Set[str] = set()

    def visit_Call(self, c: cst.Call) -> None:
        q = self.ctx.resolver.callee_name(c, self.scope)
        name = q or dotted(c.func)
        last = name.split(".")[-1]
        if q in tc.OPENTRACING_CHILD_OF or last == "child_of":
            self.kinds.add("parent")
        elif q in tc.OPENTRACING_FOLLOWS_FROM or last == "follows_from":
            self.kinds.add("link")


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: Set[str] = set()

    def visit_Name(self, n: cst.Name) -> None:
        self.found.add(n.value)

    def visit_Attribute(self, n: cst.Attribute) -> bool:
        n.value.visit(self)
        return False


class _CallIds(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: Set[int] = set()

    def visit_Call(self, c: cst.Call) -> None:
        self.found.add(id(c))

    def visit_FunctionDef(self, n) -> bool:
        return False

    def visit_Lambda(self, n) -> bool:
        return False


class _StringCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: Set[str] = set()

    def visit_SimpleString(self, s: cst.SimpleString) -> None:
        v = string_value(s)
        if isinstance(v, str):
            self.found.add(v)


class _AttributeUses(cst.CSTVisitor):
    def __init__(self, name: str, attr: str) -> None:
        super().__init__()
        self.name, self.attr = name, attr
        self.found = False

    def visit_Attribute(self, a: cst.Attribute) -> None:
        if a.attr.value == self.attr and isinstance(a.value, cst.Name) and a.value.value == self.name:
            self.found = True


def _opaque_decorators(scope: Scope, ctx) -> bool:
    """A project decorator (not a task or span decorator) may extract and attach for the function."""
    for dec in scope.decorators:
        target = dec.func if isinstance(dec, cst.Call) else dec
        v = ctx.resolver.resolve(target, scope.parent or scope)
        if v.kind == "ref" and v.project:
            return True
        if v.kind == "unknown" and isinstance(target, cst.Name):
            return True
        if v.kind == "unknown" and isinstance(target, cst.Attribute) and _HELPER_NAME.search(target.attr.value):
            if target.attr.value not in tc.SPAN_DECORATOR_METHODS:
                return True
    return False


def links_per_message(span: SpanStart, batch: Handler, ctx) -> Optional[bool]:
    """Does a batch span link every message? True / False / None (cannot tell)."""
    value = span.links
    if value is not None:
        kind = _links_shape(value, batch, ctx, 0)
        if kind is not None:
            return kind
        return None
    # span.add_link(...) inside a loop over the messages, after the span started
    for site in batch.calls():
        if site.order > span.order and is_add_link(site.node) and site.in_loop:
            return True
    return False


def _links_shape(value, batch: Handler, ctx, depth: int) -> Optional[bool]:
    if isinstance(value, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
        return True
    if isinstance(value, (cst.List, cst.Tuple)):
        if any(isinstance(e, cst.StarredElement) for e in value.elements):
            return None
        return False
    if isinstance(value, cst.Call) and dotted(value.func) in ("list", "tuple"):
        return True
    if isinstance(value, cst.Name) and depth < 3:
        owner, bindings = ctx.resolver.lookup(value.value, batch.scope)
        if owner is not batch.scope:
            return None
        for b in bindings:
            if b.kind == "assign" and b.node is not None:
                r = _links_shape(b.node, batch, ctx, depth + 1)
                if r is not False:
                    return r
        # links = []; for m in batch: links.append(Link(...))
        for site in batch.scope.calls:
            f = site.node.func
            if site.in_loop and isinstance(f, cst.Attribute) and f.attr.value in ("append", "extend") and root_name(f.value) == value.value:
                return True
        return False
    return None


# ----------------------------------------------------------------------------- detection
class _Detector:
    def __init__(self, model: FileModel, ctx):
        self.model = model
        self.ctx = ctx
        self.resolver = ctx.resolver
        self.sites = site_map(model, ctx)
        self.param_shapes: Dict[Tuple[int, str], _Hit] = {}
        self.found: List[Handler] = []
        self.function_handlers: Dict[int, Handler] = {}
        settings = ctx.settings
        self.user_handlers = tuple(getattr(settings, "handlers", ()) or ())
        self.user_consumers = dict(getattr(settings, "consumers", {}) or {})

    def run(self) -> List[Handler]:
        self._callbacks()
        self._tasks_and_lambdas()
        for scope in list(self.model.functions()) + [self.model.root]:
            self._loops_and_receives(scope)
        self._delegations()
        return self.found

    # ------------------------------------------------------------ function handlers
    def _add_function(self, h: Handler) -> None:
        if id(h.scope) in self.function_handlers:
            return
        self.function_handlers[id(h.scope)] = h
        self.found.append(h)

    def _callbacks(self) -> None:
        for site in self.model.all_calls:
            for row, cb_expr, confidence in self._callback_args(site):
                self._register(site, row, cb_expr, confidence)
        for scope in self.model.root.walk():
            for target, value, order, _ in scope.attr_stores:
                if not isinstance(target, cst.Attribute):
                    continue
                for row in cc.CALLBACKS:
                    if row.method != "=" + target.attr.value:
                        continue
                    conf = self._receiver_matches(row, target.value, scope)
                    if conf:
                        self._register_value(scope, target, row, value, conf)

    def _callback_args(self, site: CallSite):
        call = site.node
        func = call.func
        scope = site.scope
        q = self.resolver.callee_name(call, scope)
        rows = _CALLBACK_ROWS.get(func.attr.value, _FUNCTION_CALLBACK_ROWS) if isinstance(func, cst.Attribute) else _FUNCTION_CALLBACK_ROWS
        called = self.resolver.resolve(func, scope) if _CALLED_INSTANCE_ROWS else None
        if called is not None and called.kind == "instance" and not called.project:
            # an instance called like a function: `with processor(records, handler): ...`
            rows = rows + tuple(r for r in _CALLED_INSTANCE_ROWS if r.receiver == self.ctx.catalog.canonical(called.qname))
        for row in rows:
            conf = ""
            if row.method == "__call__" and not row.function:
                conf = "resolved"
            elif row.function:
                if q and self.ctx.catalog.canonical(q) == row.function:
                    conf = "resolved"
                elif (isinstance(func, cst.Name) and func.value == row.function.rsplit(".", 1)[-1] and not q
                      and self.model.imports_any((row.function.split(".")[0],))):
                    conf = "heuristic"  # ConsumerMixin.get_consumers(self, Consumer, channel)
            elif isinstance(func, cst.Attribute) and func.attr.value == row.method:
                conf = self._receiver_matches(row, func.value, scope)
            if not conf:
                continue
            if row.any_keyword:
                for arg in call.args:
                    if arg.keyword is not None or arg.star == "**":
                        yield row, arg.value, conf
                continue
            for a in row.args:
                value = arg_value(call, a.name, a.position)
                if value is not None:
                    yield row, value, conf
                    break
        # config: [tool.propagation-lint.consumers] "myco.bus.subscribe" = { callback = "handler", position = 1 }
        for qname, spec in self.user_consumers.items():
            owner, _, method = qname.rpartition(".")
            match = q == qname
            if not match and isinstance(func, cst.Attribute) and func.attr.value == method:
                recv = self.resolver.resolve(func.value, scope)
                match = recv.kind == "instance" and recv.qname == owner
            if match:
                value = arg_value(call, spec["callback"], spec.get("position"))
                if value is not None:
                    carrier = spec.get("carrier", "")
                    row = cc.Callback("user", method, message_param=0, shape="", pattern="user:" + qname)
                    yield row, value, ("user-carrier:" + carrier) if carrier else "resolved"

    def _library_view(self, recv):
        """A receiver that is an instance of a *project* class is the project's own API (often a
        tracing wrapper: ``TracedJetStream(js).subscribe(cb=...)``), not the library's: None,
        unless the class (defined in this file) subclasses a library class, then that class."""
        if recv.kind != "instance" or not recv.project:
            return recv
        cls = self.model.scopes.get(recv.qname)
        if cls is None or cls.kind != "class":
            return None
        for base_expr in cls.bases:
            base = self.resolver.resolve(base_expr, cls.parent or cls)
            if base.kind == "ref" and not base.project and base.qname:
                return Value("instance", self.ctx.catalog.canonical(base.qname))
        return None

    def _receiver_matches(self, row, expr, scope) -> str:
        recv = self._library_view(self.resolver.resolve(expr, scope))
        if recv is None:
            return ""
        if recv.kind == "instance" and not recv.project:
            return "resolved" if recv.qname == row.receiver else ""
        if recv.kind == "ref" and not recv.project:
            return ""
        if row.hint_receiver and row.hint_modules and self.model.imports_any(row.hint_modules):
            text = self.ctx.code_for(expr)
            last = text.split(".")[-1]
            if re.search(row.hint_receiver, last):
                return "heuristic"
        return ""

    def _register(self, site: CallSite, row, cb_expr, confidence: str) -> None:
        values = [e.value for e in cb_expr.elements] if isinstance(cb_expr, (cst.List, cst.Tuple)) else [cb_expr]
        for value in values:
            self._register_value(site.scope, site.node, row, value, confidence)

    def _register_value(self, scope: Scope, anchor, row, value, confidence: str) -> None:
        target, offset, qname = self._callback_target(value, scope)
        user_carrier = ""
        if confidence.startswith("user-carrier:"):
            user_carrier = confidence.split(":", 1)[1]
            confidence = "resolved"
        if target is None:
            if qname:
                self.ctx.shared.setdefault("consumer_registrations", {}).setdefault(qname, []).append(
                    [row.library, row.pattern, row.receiver])
                # a handler defined elsewhere: the propagation map still draws the registration
                self.ctx.shared.setdefault("remote_handlers", []).append((anchor, row, qname, scope, value))
            return
        index = row.message_param + offset
        params = [p for p in target.params]
        if target.class_scope is not None and not _is_static(target):
            index += 1
        message = ""
        if user_carrier:
            first = user_carrier.split(".")[0]
            names = [p.name.value for p in params]
            message = first if first in names else (names[index] if index < len(names) else "")
        elif 0 <= index < len(params) and not params[index].star:
            message = params[index].name.value
        shape = SHAPES.get(row.shape)
        batch = shape is not None and shape.kind == "batch"
        carrier_kind = shape.carrier_kind if shape is not None and shape.kind == "message" else "dict"
        h = Handler("callback", row.library, row.pattern, target, "" if batch else message, carrier_kind, anchor,
                    receiver=row.receiver, batch=batch, batch_var=message if batch else "", confidence=confidence)
        if batch and shape is not None:
            h.carrier_kind = SHAPES[shape.element].carrier_kind if shape.element in SHAPES else "dict"
        if message:
            self.param_shapes[(id(target), message)] = _Hit(row.shape, row, anchor, frozenset({message}), confidence)
        self._add_function(h)
        # record it as a fact too (the function may be flagged from a speculative candidate)
        self.ctx.shared.setdefault("consumer_registrations", {}).setdefault(target.qname, []).append(
            [row.library, row.pattern, row.receiver])

    def _callback_target(self, value, scope: Scope):
        """(function scope in this file or None, positional offset, qualified name)."""
        offset = 0
        if isinstance(value, cst.Call):
            q = self.resolver.callee_name(value, scope)
            if q in ("functools.partial", "partial"):
                args = [a for a in value.args if a.keyword is None and not a.star]
                if not args:
                    return None, 0, ""
                offset = -(len(args) - 1)
                value = args[0].value
            else:
                return None, 0, ""
        if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) and value.value.value in ("self", "cls"):
            cls = scope.class_scope if scope.kind == "function" else (scope if scope.kind == "class" else None)
            s = scope
            while cls is None and s is not None:
                cls = s.class_scope
                s = s.parent
            if cls is not None:
                target = self.model.scopes.get(f"{cls.qname}.{value.attr.value}")
                if target is not None and target.kind == "function":
                    return target, offset, target.qname
            return None, 0, ""
        v = self.resolver.resolve(value, scope)
        if v.kind == "ref":
            target = self.model.scopes.get(v.qname)
            if target is not None and target.kind == "function":
                return target, offset, v.qname
            if v.project:
                return None, offset, v.qname
        if v.kind == "unknown" and isinstance(value, cst.Attribute):
            recv = self.resolver.resolve(value.value, scope)
            if recv.kind == "instance" and recv.project:
                target = self.model.scopes.get(f"{recv.qname}.{value.attr.value}")
                if target is not None:
                    return target, offset, target.qname
                return None, offset, f"{recv.qname}.{value.attr.value}"
        return None, 0, ""

    def _tasks_and_lambdas(self) -> None:
        for scope in self.model.functions():
            if scope.qname in self.user_handlers:
                message = _first_param(scope)
                self._add_function(Handler("configured", "user", "handler", scope, message, "dict", scope.node))
                continue
            entry = self._task_entry(scope)
            if entry is not None:
                library, pattern, kind = entry
                h = Handler("task", library, pattern, scope, "", kind, scope.node, process="celery-worker")
                self._add_function(h)
                continue
            self._lambda(scope)

    def _task_entry(self, scope: Scope):
        for dec in scope.decorators:
            target = dec.func if isinstance(dec, cst.Call) else dec
            q = self.resolver.qualify(target, scope.parent or scope)
            for entry in cc.TASK_ENTRIES:
                if q and self.ctx.catalog.canonical(q) in entry.qnames:
                    return entry.library, entry.pattern, entry.carrier_kind
            if isinstance(target, cst.Attribute):
                recv = self.resolver.resolve(target.value, scope.parent or scope)
                if recv.kind == "instance" and recv.qname == "celery.Celery" and target.attr.value == "task":
                    return "celery", "task", "celery-task"
                if recv.kind == "instance" and not recv.project and self.ctx.catalog.is_known_class(recv.qname):
                    # a known client (a FastStream broker, a faust app): its own library's entries only
                    library = self.ctx.catalog.library_of(recv.qname)
                    for entry in cc.TASK_ENTRIES:
                        if entry.library == library and target.attr.value in entry.attrs:
                            return entry.library, entry.pattern, entry.carrier_kind
                    continue
                if recv.kind == "instance" and not recv.project:
                    continue
                for entry in cc.TASK_ENTRIES:
                    if target.attr.value in entry.attrs and self.model.imports_any(entry.modules):
                        return entry.library, entry.pattern, entry.carrier_kind
                if target.attr.value == "task" and re.search(r"(?i)app|celery", dotted(target.value) or "x"):
                    if not self.model.imports_any(("taskiq", "huey", "arq")):
                        return "celery", "task", "celery-task"
        return None

    def _lambda(self, scope: Scope) -> None:
        if scope.parent is None or scope.parent.kind != "module" or len(scope.params) < 2:
            return
        p0, p1 = scope.params[0].name.value, scope.params[1].name.value
        if p0 not in cc.LAMBDA_EVENT_PARAMS or p1 not in cc.LAMBDA_CONTEXT_PARAMS:
            return
        strings = _strings_in(scope.node)
        if not re.search(cc.LAMBDA_HANDLER_NAMES, scope.name) and not (
                len(scope.params) == 2 and "Records" in strings and strings & set(cc.LAMBDA_SHAPE_KEYS)):
            return
        # the records are often read by a function of this module the handler passes `event` to
        for site in scope.calls:
            if any(isinstance(a.value, cst.Name) and a.value.value == p0 for a in site.node.args):
                v = self.resolver.resolve(site.node.func, scope)
                helper = self.model.scopes.get(v.qname) if v.kind == "ref" else None
                if helper is not None and helper.kind == "function" and helper is not scope:
                    strings |= _strings_in(helper.node)
        if "Records" in strings or _uses_attr(scope.node, p0, "records"):
            source = None
            for s in cc.LAMBDA_SOURCES:
                if strings & set(s.keys):
                    source = s
                    break
            if source is None:
                return  # S3, DynamoDB streams...: no carrier to read
            shape = "aws-lambda:event"
        elif "records" in strings and strings & set(cc.LAMBDA_MSK.keys):
            source, shape = cc.LAMBDA_MSK, "aws-lambda:msk-event"
        elif "detail" in strings and ("detail-type" in strings or "source" in strings):
            source = cc.LAMBDA_EVENTBRIDGE
            h = Handler("lambda", source.library, source.pattern, scope, p0, source.carrier_kind, scope.node)
            h.library = "aws-lambda"
            self._add_function(h)
            return
        else:
            return
        h = Handler("lambda", "aws-lambda", source.pattern, scope, "", source.carrier_kind, scope.node,
                    batch=True, batch_var=p0)
        self.param_shapes[(id(scope), p0)] = _Hit(shape, source, scope.node, frozenset({p0}))
        self._add_function(h)

    # ------------------------------------------------------------ loops and receive calls
    def _loops_and_receives(self, scope: Scope) -> None:
        fh = self.function_handlers.get(id(scope))
        batches: List[Handler] = []
        if fh is not None and fh.batch:
            batches.append(fh)
        self._receive_override_span(scope)
        # receive calls bound to a variable: msg = consumer.poll(1.0); records = consumer.poll()
        for name, bindings in scope.bindings.items():
            for b in bindings:
                if b.kind not in ("assign", "unpack") or b.node is None:
                    continue
                hit = self._direct_receive(b.node, scope)
                if hit is None:
                    continue
                shape = SHAPES.get(hit.shape)
                site = self.sites.get(id(_unwrap(b.node)))
                start = site.order if site is not None else b.order
                if b.kind == "unpack":
                    picked = self._unpack_shape(name, b, site, hit)
                    if picked is None:
                        continue
                    shape = SHAPES.get(picked)
                    hit = _Hit(picked, hit.row, hit.node, hit.via, hit.confidence)
                if shape is None:
                    continue
                row = hit.row
                if shape.kind == "message":
                    h = Handler("received", row.library, row.pattern, scope, name, shape.carrier_kind, hit.node,
                                receiver=row.receiver, confidence=hit.confidence, start=start)
                    self.found.append(h)
                elif shape.kind in ("batch", "container") and self._is_batch(hit):
                    elem = _message_shape_of(shape)
                    h = Handler("received", row.library, row.pattern, scope, "", elem.carrier_kind if elem else "dict",
                                hit.node, receiver=row.receiver, confidence=hit.confidence, start=start,
                                batch=True, batch_var=name)
                    self.found.append(h)
                    batches.append(h)
        # loops over messages
        for target, iter_expr, order, node in scope.loops:
            hit = self._element(iter_expr, scope, node)
            if hit is None:
                continue
            shape = SHAPES.get(hit.shape)
            message = ""
            if shape is not None and shape.tuple_elements and isinstance(target, (cst.Tuple, cst.List)):
                for i, el in enumerate(target.elements):
                    s = SHAPES.get(shape.tuple_elements[i]) if i < len(shape.tuple_elements) else None
                    if s is not None and isinstance(el.value, cst.Name):
                        if s.kind == "message":
                            shape, message = s, el.value.value
                        else:
                            self.param_shapes[(id(scope), el.value.value)] = _Hit(s.key, hit.row, hit.node, hit.via | {el.value.value})
            elif shape is not None and shape.kind == "message" and isinstance(target, cst.Name):
                message = target.value
            elif shape is not None and shape.tuple_elements and isinstance(target, cst.Name):
                msg_el = [SHAPES[k] for k in shape.tuple_elements if k in SHAPES and SHAPES[k].kind == "message"]
                if msg_el:
                    shape, message = msg_el[0], target.value
            if not message or shape is None or shape.kind != "message":
                continue
            row = hit.row
            h = Handler("loop", getattr(row, "library", "aws-lambda"), getattr(row, "pattern", ""), scope, message,
                        shape.carrier_kind, iter_expr, receiver=getattr(row, "receiver", ""),
                        confidence=hit.confidence, loop=node)
            h._ids = frozenset(_call_ids(node.body))
            if isinstance(row, cc.LambdaSource):
                h.carrier_kind = row.carrier_kind
                h.pattern = row.pattern
                h.library = "aws-lambda"
            fh_row = fh
            for b in batches:
                if b.batch_var in hit.via or (b is fh_row and fh_row.batch_var in hit.via):
                    b.message_loops.append(h)
                    h.batch = False
            self.found.append(h)

    def _is_batch(self, hit: _Hit) -> bool:
        row = hit.row
        if not isinstance(row, cc.Receive):
            return True
        if row.count is None:
            return row.default_count > 1
        value = arg_value(hit.node, row.count.name, row.count.position) if isinstance(hit.node, cst.Call) else None
        if value is None:
            return row.default_count > 1
        if isinstance(value, cst.Integer):
            return int(value.value) > 1
        return True

    def _unpack_shape(self, name: str, b, site, hit: _Hit) -> Optional[str]:
        shape = SHAPES.get(hit.shape)
        if shape is None or not shape.tuple_elements or site is None:
            return None
        stmt = site.statement
        if not isinstance(stmt, cst.SimpleStatementLine):
            return None
        for small in stmt.body:
            if isinstance(small, cst.Assign) and _unwrap(small.value) is _unwrap(b.node):
                tgt = small.targets[0].target
                if isinstance(tgt, (cst.Tuple, cst.List)):
                    for i, el in enumerate(tgt.elements):
                        if isinstance(el.value, cst.Name) and el.value.value == name and i < len(shape.tuple_elements):
                            return shape.tuple_elements[i] or None
        return None

    def _receive_override_span(self, scope: Scope) -> None:
        """A client subclass overriding a receive method with a span around the base call
        (``def poll(self, t): with tracer.start_span("poll"): Consumer.poll(self, t)``): the span starts
        before any message exists, so only a link added afterwards connects it to the producer."""
        if scope.kind != "function" or scope.class_scope is None:
            return
        spans = [sp for sp in span_starts(scope, self.ctx) if not sp.decorator and sp.site is not None
                 and sp.site.with_item is not None]
        if not spans:
            return
        for site in scope.calls:
            func = site.node.func
            if not isinstance(func, cst.Attribute) or func.attr.value != scope.name:
                continue
            hit = self._base_receive(func.value, site.node, scope)
            if hit is None:
                continue
            span = next((sp for sp in spans if sp.order < site.order and id(site.node) in _with_body_calls(sp, scope)), None)
            shape = SHAPES.get(hit.shape)
            elem = shape if shape is not None and shape.kind == "message" else (_message_shape_of(shape) if shape else None)
            if span is None or elem is None:
                continue
            row = hit.row
            self.found.append(Handler("receive-span", row.library, row.pattern, scope, "", elem.carrier_kind, hit.node,
                                      receiver=row.receiver, start=span.order - 1))

    def _base_receive(self, recv_expr, node: cst.Call, scope: Scope) -> Optional[_Hit]:
        """``Consumer.poll(self, ...)`` / ``super().poll(...)`` inside a subclass of the library class."""
        catalog = self.ctx.catalog
        if isinstance(recv_expr, cst.Call) and isinstance(recv_expr.func, cst.Name) and recv_expr.func.value == "super":
            cls = scope.class_scope
            types = [self.resolver.resolve(b, cls.parent or cls) for b in cls.bases]
        else:
            first = node.args[0].value if node.args else None
            if not (isinstance(first, cst.Name) and first.value == "self"):
                return None
            types = [self.resolver.resolve(recv_expr, scope)]
        for t in types:
            if t.kind == "ref" and not t.project:
                q = catalog.canonical(t.qname)
                for r in cc.RECEIVES:
                    if r.receiver == q and r.method == node.func.attr.value:
                        return _Hit(r.result, r, node)
        return None

    def _direct_receive(self, expr, scope: Scope) -> Optional[_Hit]:
        """A receive call (``consumer.poll()``, ``sqs.receive_message(...)``), awaited or not."""
        expr = _unwrap(expr)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            return self._receive_row(expr.func.value, expr.func.attr.value, scope, expr)
        return None

    def _receive_row(self, recv_expr, method: str, scope: Scope, node, is_async: Optional[bool] = None) -> Optional[_Hit]:
        rows = [r for r in cc.RECEIVES if r.method == method and (is_async is None or r.is_async in (None, is_async))]
        if not rows:
            return None
        if (isinstance(recv_expr, cst.Call) and isinstance(recv_expr.func, cst.Name) and recv_expr.func.value == "super"
                and isinstance(node, cst.Call) and scope.class_scope is not None):
            return self._base_receive(recv_expr, node, scope)  # super().poll(...) in a subclass
        recv = self._library_view(self.resolver.resolve(recv_expr, scope))
        if recv is None:
            return None
        if recv.kind == "instance" and not recv.project:
            for r in rows:
                if r.receiver == recv.qname:
                    return _Hit(r.result, r, node)
            return None
        if recv.kind == "ref" and not recv.project:
            # `Consumer.poll(self, ...)` in a subclass: the base method, unbound
            return self._base_receive(recv_expr, node, scope) if isinstance(node, cst.Call) else None
        text = self.ctx.code_for(recv_expr)
        last = text.split(".")[-1]
        for r in rows:
            if r.hint_receiver and r.hint_modules and self.model.imports_any(r.hint_modules) and re.search(r.hint_receiver, last):
                return _Hit(r.result, r, node, confidence="heuristic")
        return None

    def _shape(self, expr, scope: Scope, depth: int = 0) -> Optional[_Hit]:
        if expr is None or depth > 8:
            return None
        expr = _unwrap(expr)
        if isinstance(expr, cst.BooleanOperation):
            return self._shape(expr.left, scope, depth + 1) or self._shape(expr.right, scope, depth + 1)
        if isinstance(expr, cst.Name):
            hit = self.param_shapes.get((id(scope), expr.value))
            if hit is not None:
                return hit
            owner, bindings = self.resolver.lookup(expr.value, scope)
            if owner is not scope:
                return None
            for b in reversed(bindings):
                if b.kind == "assign" and b.node is not None:
                    hit = self._shape(b.node, scope, depth + 1)
                    if hit is not None:
                        return _Hit(hit.shape, hit.row, hit.node, hit.via | {expr.value}, hit.confidence)
                if b.kind == "with" and b.node is not None:
                    hit = self._shape(b.node, scope, depth + 1)
                    if hit is not None:
                        return _Hit(hit.shape, hit.row, hit.node, hit.via | {expr.value}, hit.confidence)
                if b.kind == "for" and b.node is not None:
                    for target, iter_expr, _, node in scope.loops:
                        if iter_expr is b.node and isinstance(target, cst.Name) and target.value == expr.value:
                            hit = self._element(iter_expr, scope, node, depth + 1)
                            if hit is not None:
                                return _Hit(hit.shape, hit.row, hit.node, hit.via | {expr.value}, hit.confidence)
            return None
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            base = self._shape(expr.func.value, scope, depth + 1)
            method = expr.func.attr.value
            if base is not None:
                shape = SHAPES.get(base.shape)
                if shape is None:
                    return None
                if method == "get" and expr.args and isinstance(expr.args[0].value, cst.SimpleString):
                    key = string_value(expr.args[0].value)
                    return _derive(base, shape.member(f'["{key}"]'))
                if method == "items" and shape.items:
                    return _derive(base, "items:" + shape.items)
                if method == "values":
                    return _derive(base, shape.member(".values()"))
                return None
            return self._direct_receive(expr, scope)
        if isinstance(expr, cst.Subscript):
            base = self._shape(expr.value, scope, depth + 1)
            if base is None:
                return None
            shape = SHAPES.get(base.shape)
            if shape is None or len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
                return None
            key = expr.slice[0].slice.value
            if isinstance(key, cst.SimpleString):
                return _derive(base, shape.member(f'["{string_value(key)}"]'))
            if shape.kind == "batch":
                return _derive(base, shape.element, picked=True)
            return _derive(base, shape.member("[]"))
        if isinstance(expr, cst.Attribute):
            base = self._shape(expr.value, scope, depth + 1)
            if base is not None:
                shape = SHAPES.get(base.shape)
                return _derive(base, shape.member("." + expr.attr.value)) if shape is not None else None
            return self._receive_row(expr.value, "." + expr.attr.value, scope, expr)
        return None

    def _element(self, iter_expr, scope: Scope, loop_node, depth: int = 0) -> Optional[_Hit]:
        """The shape of one element when iterating ``iter_expr``."""
        if depth > 8:
            return None
        is_async = getattr(loop_node, "asynchronous", None) is not None
        hit = self._shape(iter_expr, scope, depth + 1)
        if hit is not None:
            if hit.shape.startswith("items:"):
                return _derive(hit, hit.shape[len("items:"):])
            shape = SHAPES.get(hit.shape)
            if shape is None or not shape.element:
                return None
            return _derive(hit, shape.element)
        inner = _unwrap(iter_expr)
        if isinstance(inner, (cst.Name, cst.Attribute, cst.Call)):
            return self._receive_row(inner, "__iter__", scope, iter_expr, is_async)
        return None

    # ------------------------------------------------------------ delegation
    def _delegations(self) -> None:
        """A loop or receive region without spans that hands its message to a project function."""
        for h in list(self.found):
            if not h.message or h.kind not in ("loop", "received"):
                continue
            if h.first_span(self.ctx) is not None:
                continue
            derived = {h.message}
            for site in h.calls():
                if is_extract(site.node, h.scope, self.ctx) or is_attach(site.node, h.scope, self.ctx):
                    break
                for index, arg in enumerate(site.node.args):
                    if not (isinstance(arg.value, cst.Name) and arg.value.value in derived) or arg.star:
                        continue
                    if arg.keyword is not None:
                        continue
                    target, offset, qname = self._callback_target(site.node.func, h.scope)
                    if target is None and isinstance(site.node.func, cst.Name):
                        v = self.resolver.resolve(site.node.func, h.scope)
                        if v.kind == "ref" and v.project:
                            qname = v.qname
                    if target is not None and id(target) not in self.function_handlers:
                        pos = index + (1 if target.class_scope is not None and not _is_static(target) else 0)
                        if pos < len(target.params):
                            message = target.params[pos].name.value
                            d = Handler("delegate", h.library, h.pattern, target, message, h.carrier_kind, site.node,
                                        receiver=h.receiver, confidence=h.confidence)
                            self._add_function(d)
                    elif target is None and qname:
                        self.ctx.shared.setdefault("consumer_registrations", {}).setdefault(qname, []).append(
                            [h.library, h.pattern, h.receiver])


def _with_body_calls(span: SpanStart, scope: Scope) -> Set[int]:
    """The calls inside the body of the ``with`` statement that starts ``span``."""
    finder = _WithOf(span.site.with_item)
    scope.node.visit(finder)
    return _call_ids(finder.found.body) if finder.found is not None else set()


class _WithOf(cst.CSTVisitor):
    def __init__(self, item) -> None:
        super().__init__()
        self.item = item
        self.found = None

    def visit_With(self, n: cst.With) -> None:
        if any(i is self.item for i in n.items):
            self.found = n


def _derive(base: _Hit, shape: str, picked: bool = False) -> Optional[_Hit]:
    if not shape:
        return None
    return _Hit(shape, base.row, base.node, base.via, base.confidence, picked or base.picked)


def _message_shape_of(shape: cc.Shape, depth: int = 0) -> Optional[cc.Shape]:
    if shape is None or depth > 5:
        return None
    if shape.kind == "message":
        return shape
    for key in (shape.element, shape.items, *[v for _, v in shape.members], *shape.tuple_elements):
        if key and key in SHAPES:
            found = _message_shape_of(SHAPES[key], depth + 1)
            if found is not None:
                return found
    return None


def _unwrap(expr):
    while isinstance(expr, cst.Await):
        expr = expr.expression
    return expr


def _target_names(target) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _target_names(el.value)]
    return []


def _call_ids(node) -> Set[int]:
    visitor = _CallIds()
    node.visit(visitor)
    return visitor.found


def _strings_in(node) -> Set[str]:
    visitor = _StringCollector()
    node.visit(visitor)
    return visitor.found


def _uses_attr(node, name: str, attr: str) -> bool:
    visitor = _AttributeUses(name, attr)
    node.visit(visitor)
    return visitor.found


def _first_param(scope: Scope) -> str:
    params = [p for p in scope.params if p.name.value not in ("self", "cls") and not p.star]
    return params[0].name.value if params else ""


def _is_static(fn: Scope) -> bool:
    return any(dotted(d) == "staticmethod" for d in fn.decorators)


# ----------------------------------------------------------------------------- facts
@collector
def _consumer_facts(model: FileModel, ctx) -> dict:
    """Callbacks registered with a consumer library (by qualified name), and project helpers that
    extract or attach a context (so a handler calling them is connected)."""
    try:
        return _collect(model, ctx)
    except RecursionError:
        raise
    except Exception:  # never let this family's bug drop the other families' facts
        return {}


def _collect(model: FileModel, ctx) -> dict:
    registrations: dict = {}
    helpers: dict = {}
    if model.imports_any(_CONSUMER_MODULES) or ctx.settings is not None and (
            getattr(ctx.settings, "consumers", None) or getattr(ctx.settings, "handlers", None)):
        handlers(model, ctx)
        registrations = {k: v for k, v in ctx.shared.get("consumer_registrations", {}).items()}
    if model.imports_any(tc.TRACING_MODULES):
        for scope in model.functions():
            if extract_calls(scope, ctx) or any(is_attach(s.node, scope, ctx) for s in scope.calls):
                helpers[scope.qname] = []
                continue
            if not _HELPER_NAME.search(scope.name):
                continue
            conds = []
            params = {p.name.value for p in scope.params}
            for site in scope.calls:
                if any(_names_in(a.value) & params for a in site.node.args):
                    v = ctx.resolver.resolve(site.node.func, scope)
                    if v.kind == "ref" and v.project and v.qname != scope.qname:
                        conds.append(["attaches", v.qname])
            if conds:
                helpers[scope.qname] = conds
    return {"consumer_handlers": registrations, "context_helpers": helpers}


# the CALLBACKS rows a call can match, by the called method's name (in catalog order; rows that
# name a function match any call)
_FUNCTION_CALLBACK_ROWS = tuple(r for r in cc.CALLBACKS if r.function)
_CALLED_INSTANCE_ROWS = tuple(r for r in cc.CALLBACKS if r.method == "__call__" and not r.function)
_CALLBACK_ROWS = {m: tuple(r for r in cc.CALLBACKS if r.function or r.method == m)
                  for m in {r.method for r in cc.CALLBACKS if not r.function}}

_CONSUMER_MODULES = tuple(sorted({m for r in cc.RECEIVES for m in r.hint_modules} | {m for r in cc.CALLBACKS for m in r.hint_modules}
                                 | {r.receiver.split(".")[0] for r in cc.RECEIVES}
                                 | {(r.receiver or r.function).split(".")[0] for r in cc.CALLBACKS}
                                 | {e for t in cc.TASK_ENTRIES for e in t.modules}
                                 | {"kombu", "boto3", "aws_lambda_powertools"}))


@condition("handler")
def _is_handler(project: Project, cond: tuple, depth: int) -> bool:
    """``("handler", qname)``: a library calls this function with messages, and no instrumentor
    enabled in the project wraps that registration."""
    regs = project.facts.get("consumer_handlers", {}).get(cond[1])
    if not regs:
        return False
    for library, pattern, receiver in regs:
        if not project.holds(("instrumented", library, f"consume:{pattern}", receiver, "main"), depth + 1):
            return True
    return False


@condition("attaches")
def _attaches(project: Project, cond: tuple, depth: int) -> bool:
    """``("attaches", qname)``: the project function extracts or attaches a context (directly or
    through the helpers it hands its parameters to). A function outside the project is unknown:
    assumed to attach only when it is a tracing library's or named like a tracing helper
    (``extract_context``, ``with_trace``); a logger or an ORM call given the message does not."""
    qname = cond[1]
    helpers = project.facts.get("context_helpers", {})
    if qname in helpers:
        conds = helpers[qname]
        return not conds or any(project.holds(tuple(c), depth + 1) for c in conds)
    if project.is_project_symbol(qname):
        return False
    return qname.split(".")[0] in tc.TRACING_MODULES or bool(_HELPER_NAME.search(qname.rsplit(".", 1)[-1]))


# ----------------------------------------------------------------------------- functions handled elsewhere
FUNCTION_KINDS = ("callback", "task", "lambda", "configured", "delegate")


def unconnected_function_span(scope: Scope, ctx):
    """For a function that may be registered as a handler in another module: its first span, when
    nothing in the function connects it to anything, and the helper conditions that would.
    ``None`` when the function starts no span, extracts, or cannot be judged."""
    if scope.kind != "function" or not [p for p in scope.params if p.name.value not in ("self", "cls")]:
        return None
    spans = span_starts(scope, ctx)
    if not spans:
        return None
    span = min(spans, key=lambda s: s.order)
    if extract_calls(scope, ctx):
        return None
    h = Handler("configured", "", "", scope, "", "dict", scope.node)
    conn = connection(h, span, ctx)
    if conn.connected:
        return None
    return span, tuple(conn.conditions)


def function_of(site) -> Optional[Scope]:
    s = site.scope
    while s is not None and s.kind != "function":
        s = s.parent
    return s
