"""Tokens of made-current contexts: where ``token = context.attach(ctx)`` is given back, and the paths
that leave without giving it back (CTX306). Library knowledge comes from ``catalog/tracing.py``
(``TOKEN_PAIRS``).

API:

- :func:`token_sites` ``(scope, ctx) -> list[TokenSite]``: the attach calls of a function, with how
  their token is kept (``discarded``, ``local``, ``kept`` (on an object, in a container, returned,
  handed to a helper: another place gives it back), ``with``).
- :func:`first_leak` ``(site) -> Leak | None``: for a token kept in a local name, the first path
  that leaves the region without detaching (a ``return``, ``continue``, ``break``, ``raise``, the end
  of a loop body or of the function, a call that may raise), in the manner of Go's lostcancel.
- :func:`wrap_fix` builds the ``try/finally`` that detaches on every path.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from .catalog import tracing as tc
from .model import CallSite, Scope, dotted

_LOOPS = (cst.For, cst.While)
_TRIES = (cst.Try, getattr(cst, "TryStar", cst.Try))


@dataclass
class TokenSite:
    site: CallSite
    opener: str  # the catalog qname of the attach
    closer: str  # detach qname (form "argument") or method name (form "method")
    form: str
    keep: str  # discarded | local | kept | with
    name: str = ""  # the local name holding the token
    statement: Optional[cst.SimpleStatementLine] = None
    detaches: List[cst.Call] = field(default_factory=list)


@dataclass
class Leak:
    kind: str  # return | continue | break | raise | loop-end | function-end | exception | never
    node: Optional[cst.CSTNode]
    call: Optional[cst.Call] = None  # for "exception": the call that may raise


# ----------------------------------------------------------------------------- recognising
def opener_of(call: cst.Call, scope: Scope, ctx) -> Optional[Tuple[str, str, str]]:
    """The ``TOKEN_PAIRS`` row of an attach call, or None."""
    q = ctx.resolver.callee_name(call, scope)
    for opener, closer, form in tc.TOKEN_PAIRS:
        if q and ctx.catalog.canonical(q) == opener:
            return opener, closer, form
    func = call.func
    if not isinstance(func, cst.Attribute):
        if isinstance(func, cst.Name) and func.value == "attach" and not q and ctx.model.imports_any(("opentelemetry",)):
            return tc.TOKEN_PAIRS[0]
        return None
    method = func.attr.value
    if q:
        return None  # resolved to something else
    if method == "attach" and ctx.model.imports_any(("opentelemetry",)):
        if dotted(func.value).split(".")[-1] in tc.CONTEXT_MODULE_NAMES:
            return tc.TOKEN_PAIRS[0]
    if method == "activate" and ctx.model.imports_any(("opentracing",)):
        if dotted(func.value).split(".")[-1] == tc.SCOPE_MANAGER_ATTRIBUTE:
            return next(p for p in tc.TOKEN_PAIRS if p[2] == "method")
    return None


def _is_detach(call: cst.Call, ts: TokenSite, scope: Scope, ctx) -> bool:
    func = call.func
    if ts.form == "method":
        return (isinstance(func, cst.Attribute) and func.attr.value == ts.closer
                and isinstance(func.value, cst.Name) and func.value.value == ts.name)
    if not call.args or not (isinstance(call.args[0].value, cst.Name) and call.args[0].value.value == ts.name):
        return False
    q = ctx.resolver.callee_name(call, scope)
    if q:
        return ctx.catalog.canonical(q) == ts.closer
    last = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return last == ts.closer.rsplit(".", 1)[-1]


def token_sites(scope: Scope, ctx) -> List[TokenSite]:
    out = []
    for site in scope.calls:
        row = opener_of(site.node, scope, ctx)
        if row is None:
            continue
        ts = TokenSite(site, row[0], row[1], row[2], keep="kept")
        stmt = site.statement
        if site.with_item is not None:
            ts.keep = "with"
        elif isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if isinstance(small, cst.Expr) and small.value is site.node:
                ts.keep, ts.statement = "discarded", stmt
            elif (isinstance(small, cst.Assign) and small.value is site.node and len(small.targets) == 1
                  and isinstance(small.targets[0].target, cst.Name)):
                ts.keep, ts.name, ts.statement = "local", small.targets[0].target.value, stmt
            elif isinstance(small, cst.AnnAssign) and small.value is site.node and isinstance(small.target, cst.Name):
                ts.keep, ts.name, ts.statement = "local", small.target.value, stmt
        if ts.keep == "local":
            uses = _Uses(ts.name, small.targets[0].target if isinstance(small, cst.Assign) else small.target)
            scope.node.body.visit(uses)
            if uses.escapes:
                ts.keep = "kept"
            else:
                ts.detaches = [c for c in uses.calls if _is_detach(c, ts, scope, ctx)]
                if len(ts.detaches) != len(uses.calls):
                    ts.keep = "kept"  # handed to a helper: it gives it back
        out.append(ts)
    return out


class _Uses(cst.CSTVisitor):
    """Reads of a token's name: calls it is passed to (or called on), and whether it escapes
    (returned, yielded, stored, aliased, captured by a nested function, declared global)."""

    def __init__(self, name: str, target: cst.CSTNode) -> None:
        self.name, self.target = name, target
        self.calls: List[cst.Call] = []
        self.escapes = False
        self._nested = 0

    def visit_FunctionDef(self, node) -> bool:
        self._nested += 1
        return True

    def leave_FunctionDef(self, node) -> None:
        self._nested -= 1

    def visit_Lambda(self, node) -> bool:
        self._nested += 1
        return True

    def leave_Lambda(self, node) -> None:
        self._nested -= 1

    def _declared(self, node) -> None:  # `global token` / `nonlocal token`
        if any(n.name.value == self.name for n in node.names):
            self.escapes = True

    visit_Global = visit_Nonlocal = _declared

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == self.name:
            self.calls.append(node)
        elif any(isinstance(a.value, cst.Name) and a.value.value == self.name for a in node.args):
            self.calls.append(node)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and node is not self.target and self._nested:
            self.escapes = True

    def _value(self, node) -> None:
        """The name, or a container holding it, is returned, yielded, stored or put in a collection."""
        value = node.value
        if isinstance(value, cst.Name) and value.value == self.name:
            self.escapes = True
        elif isinstance(value, (cst.Tuple, cst.List, cst.Set, cst.Dict)):
            self.escapes = self.escapes or self.name in _names(value)

    visit_Return = visit_Yield = visit_Assign = visit_AnnAssign = visit_Element = visit_DictElement = _value


def _names(node) -> set:
    found = set()

    class V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

    node.visit(V())
    return found


# ----------------------------------------------------------------------------- paths
@dataclass
class _Frame:
    owner: cst.CSTNode  # the compound statement (or the function) whose block holds ``body``
    body: Tuple[cst.BaseStatement, ...]
    index: int
    part: str  # body | orelse | handler | finally


def block_frames(fn: cst.FunctionDef, target: cst.CSTNode) -> Optional[List[_Frame]]:
    """The chain of blocks from the function body down to ``target`` (a statement)."""

    def search(owner, block, part) -> Optional[List[_Frame]]:
        body = tuple(block.body) if isinstance(block, cst.IndentedBlock) else ()
        for i, stmt in enumerate(body):
            if stmt is target:
                return [_Frame(owner, body, i, part)]
            for sub, subpart in _blocks(stmt):
                found = search(stmt, sub, subpart)
                if found is not None:
                    return [_Frame(owner, body, i, part)] + found
        return None

    return search(fn, fn.body, "body")


def _blocks(stmt) -> List[Tuple[cst.CSTNode, str]]:
    """The blocks of a compound statement (not of nested definitions)."""
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) or not hasattr(stmt, "body") or isinstance(stmt, cst.SimpleStatementLine):
        return []
    out = [(stmt.body, "body")]
    if isinstance(stmt, cst.If):
        orelse = stmt.orelse
        if isinstance(orelse, cst.If):
            out.append((cst.IndentedBlock(body=[orelse]), "orelse"))
        elif orelse is not None:
            out.append((orelse.body, "orelse"))
    elif isinstance(stmt, _TRIES):
        out += [(h.body, "handler") for h in stmt.handlers]
        if stmt.orelse is not None:
            out.append((stmt.orelse.body, "orelse"))
        if stmt.finalbody is not None:
            out.append((stmt.finalbody.body, "finally"))
    elif isinstance(stmt, _LOOPS) and stmt.orelse is not None:
        out.append((stmt.orelse.body, "orelse"))
    elif isinstance(stmt, cst.Match):
        out = [(case.body, "body") for case in stmt.cases]
    return out


class _Scan:
    """Walks statements after the attach, in order, looking for the detach and for exits before it."""

    def __init__(self, is_detach, name: str = "", guards: frozenset = frozenset()) -> None:
        self.is_detach = is_detach
        self.name = name
        # the conditions the attach runs under (`if enabled: token = attach(...)`): a detach under
        # the same condition (`finally: if enabled: detach(token)`) covers every path that attached
        self.guards = guards
        self.exit: Optional[Leak] = None  # the first return/continue/break/raise before a detach
        self.raises: Optional[Leak] = None  # the first call that may raise before a detach

    def _calls(self, node) -> List[cst.Call]:
        found: List[cst.Call] = []

        class V(cst.CSTVisitor):
            def visit_Call(self, c: cst.Call) -> None:
                found.append(c)

            def visit_Lambda(self, n) -> bool:
                return False

        node.visit(V())
        return found

    def _note_calls(self, node) -> bool:
        """Records the first call that may raise; True when ``node`` holds the detach itself."""
        calls = self._calls(node)
        if any(self.is_detach(c) for c in calls):
            return True
        if calls and self.raises is None:
            self.raises = Leak("exception", node, calls[0])
        return False

    def block(self, stmts, loop_depth: int) -> bool:
        """True when every path through ``stmts`` that falls through has detached."""
        for stmt in stmts:
            if self.statement(stmt, loop_depth):
                return True
        return False

    def statement(self, stmt, loop_depth: int) -> bool:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            return False
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if self._note_calls(small):
                    return True
                kind = {cst.Return: "return", cst.Raise: "raise", cst.Continue: "continue", cst.Break: "break"}.get(type(small))
                if kind in ("continue", "break") and loop_depth > 0:
                    return True  # goes to a loop inside the region: no path leaves it here
                if kind is not None:
                    if self.exit is None:
                        self.exit = Leak(kind, small)
                    return True  # this path has left; the rest of the block is dead code
            return False
        if isinstance(stmt, _TRIES):
            if stmt.finalbody is not None:
                saved = (self.exit, self.raises)
                if self.block(stmt.finalbody.body.body, loop_depth):
                    self.exit, self.raises = saved  # every path through the try detaches in finally
                    return True
            inner = _Scan(self.is_detach, self.name, self.guards)
            body = inner.block(stmt.body.body, loop_depth)
            self.exit = self.exit or inner.exit
            if body and inner.raises is None:
                return True  # detached before anything in the body could raise: no handler runs first
            self.raises = self.raises or inner.raises
            handlers = [self.block(h.body.body, loop_depth) for h in stmt.handlers]
            orelse = self.block(stmt.orelse.body.body, loop_depth) if stmt.orelse is not None else False
            return (body or orelse) and all(handlers)
        header = [getattr(stmt, "test", None), getattr(stmt, "iter", None)]
        header += [item.item for item in getattr(stmt, "items", ())]
        for h in header:
            if h is not None and self._note_calls(h):
                return True
        if isinstance(stmt, cst.If):
            body = self.block(stmt.body.body, loop_depth)
            orelse = stmt.orelse
            if body and (_tests_token(stmt.test, self.name) or _code(stmt.test) in self.guards
                         or _reads_current_context(stmt.test)):
                # `if token: detach(token)`: a token is never falsy; or the attach's own condition;
                # or a best-effort detach while the attached context is still the current one
                # (`if ctx is context.get_current():`: elsewhere it runs in another contextvars.Context)
                return True
            if orelse is None:
                return False
            other = self.statement(orelse, loop_depth) if isinstance(orelse, cst.If) else self.block(orelse.body.body, loop_depth)
            return body and other
        if isinstance(stmt, _LOOPS):
            self.block(stmt.body.body, loop_depth + 1)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body.body, loop_depth)
            return False  # may run zero times
        if isinstance(stmt, cst.With):
            return self.block(stmt.body.body, loop_depth)
        if isinstance(stmt, cst.Match):
            for case in stmt.cases:
                self.block(case.body.body, loop_depth)
            return False  # no case may match
        return False


def _code(node) -> str:
    """An expression's source, spaces aside (to compare two conditions)."""
    return "".join(cst.Module(body=[]).code_for_node(node).split())


def _reads_current_context(test) -> bool:
    """The condition calls ``get_current()`` (``if ctx is context.get_current():``)."""
    found = [False]

    class V(cst.CSTVisitor):
        def visit_Call(self, c: cst.Call) -> None:
            func = c.func
            name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
            if name == "get_current":
                found[0] = True

    test.visit(V())
    return found[0]


def _tests_token(test, name: str) -> bool:
    if isinstance(test, cst.Name):
        return test.value == name
    if isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == name \
            and len(test.comparisons) == 1:
        comp = test.comparisons[0]
        return isinstance(comp.operator, cst.IsNot) and isinstance(comp.comparator, cst.Name) \
            and comp.comparator.value == "None"
    return False


def continues_after_exceptions(ts: TokenSite) -> bool:
    """The attach is in a loop body or in a ``try`` with ``except`` handlers: an exception after it
    is caught and the thread goes on (to the next message) with the context still attached."""
    return any(_goes_on_after_exceptions(frame) for frame in block_frames(ts.site.scope.node, ts.statement) or [])


def _goes_on_after_exceptions(frame: _Frame) -> bool:
    """The block is a loop's body or the body of a ``try`` that catches: after an exception in
    it, the thread goes on (to the next item, or past the handler)."""
    return frame.part == "body" and (isinstance(frame.owner, _LOOPS) or isinstance(frame.owner, _TRIES)
                                     and bool(frame.owner.handlers))


def earlier_token(ts: TokenSite, sites: List[TokenSite]) -> bool:
    """A token attached before this one in the function (by an attach here, or returned by a helper
    into a name like ``token``) that is detached or kept: its detach restores the context from
    before both, so this one needs no detach of its own."""
    if any(o.keep != "discarded" and o.site.order < ts.site.order for o in sites):
        return True
    scope = ts.site.scope
    return any("token" in name.lower() and b.kind in ("assign", "unpack") and b.order < ts.site.order
               for name, bindings in scope.bindings.items() for b in bindings)


_SETUP_NAME = re.compile(r"(?i)setup|set_up|init|configure|bootstrap|^main$")


def process_setup(ts: TokenSite, ctx) -> bool:
    """The function sets tracing up for the whole process (named like setup/init/main, or it sets a
    tracer provider): a context it attaches is meant to stay for the process's life."""
    scope = ts.site.scope
    if _SETUP_NAME.search(scope.name):
        return True
    return any(ctx.resolver.callee_name(s.node, scope) in tc.SET_TRACER_PROVIDER for s in scope.calls)


def last_statement(ts: TokenSite, sites: Sequence[TokenSite] = ()) -> bool:
    """Nothing runs after the attach in its function (``except`` handlers aside) but other attaches
    whose tokens are thrown away (``sites``): a helper whose job is to make a context current for
    its caller (``set_prompt_context(key, version)`` attaching one value after another)."""
    frames = block_frames(ts.site.scope.node, ts.statement)
    if not frames:
        return False
    discarded = {id(o.statement) for o in sites if o.keep == "discarded" and o.statement is not None}
    return all(all(id(stmt) in discarded for stmt in frame.body[frame.index + 1:]) and frame.part != "finally"
               for frame in frames) and not any(isinstance(frame.owner, _LOOPS) for frame in frames)


def restored_by_reattach(ts: TokenSite, ctx) -> bool:
    """``previous = context.get_current()`` before the attach, and a ``finally`` around or after it
    that attaches ``previous`` again: the context from before is current again when the block
    ends (a re-attach in place of a detach, which also works where the ``finally`` runs in another
    ``contextvars.Context``, as a generator's may). The restoring attach is no leak either."""
    scope = ts.site.scope
    saved = {name for name, bindings in scope.bindings.items()  # (every binding of it: `previous = get_current()`)
             if bindings and all(b.kind == "assign" and b.order < ts.site.order and isinstance(b.node, cst.Call)
                                 and ctx.resolver.callee_name(b.node, scope) in tc.SAVE_CURRENT_CONTEXT
                                 for b in bindings)}

    def restores(c: cst.Call) -> bool:  # `context.attach(previous)`
        return bool(c.args) and isinstance(c.args[0].value, cst.Name) and c.args[0].value.value in saved \
            and opener_of(c, scope, ctx) is not None

    if restores(ts.site.node):
        return True  # the restoring attach itself
    frames = block_frames(scope.node, ts.statement) if saved and ts.statement is not None else None
    if not frames:
        return False
    tries = [outer.body[outer.index] for outer, inner in zip(frames, frames[1:]) if inner.part == "body"]
    tries += frames[-1].body[frames[-1].index + 1:]
    return any(isinstance(stmt, _TRIES) and stmt.finalbody is not None and holds_call_where(stmt.finalbody, restores)
               for stmt in tries)


def inside_current_span_block(ts: TokenSite) -> bool:
    """The attach is in the block of ``with tracer.start_as_current_span(...):`` (or ``use_span``,
    OpenTracing's ``start_active_span``), with no loop or ``try`` that catches between the two: the
    block's exit gives the context var back its value from before the block, whatever was
    attached inside, so no path leaves the attached context behind (within the block it is the
    context the block's code means to run in)."""
    frames = block_frames(ts.site.scope.node, ts.statement) if ts.statement is not None else None
    for frame in reversed(frames or ()):
        owner = frame.owner
        if isinstance(owner, (cst.With,)) and any(
                isinstance(item.item, cst.Call) and isinstance(item.item.func, (cst.Attribute, cst.Name))
                and (item.item.func.attr.value if isinstance(item.item.func, cst.Attribute) else item.item.func.value)
                in tc.CURRENT_SPAN_BLOCKS for item in owner.items):
            return True
        if isinstance(owner, _LOOPS) or _goes_on_after_exceptions(frame):
            return False
    return False


def first_leak(ts: TokenSite, ctx) -> Optional[Leak]:
    """The first way out of the attach's region that does not detach, or None when every path
    detaches (or the shape is not one this analysis follows)."""
    scope = ts.site.scope
    fn = scope.node
    if not isinstance(fn, cst.FunctionDef) or ts.statement is None:
        return None
    frames = block_frames(fn, ts.statement)
    if frames is None:
        return None
    detach_ids = {id(c) for c in ts.detaches}
    if not detach_ids:
        return Leak("never", None)
    # a try whose finally detaches around the attach protects it
    for outer, inner in zip(frames, frames[1:]):
        stmt = outer.body[outer.index]
        if isinstance(stmt, cst.Try) and stmt.finalbody is not None and inner.part != "finally" \
                and holds_call(stmt.finalbody, detach_ids):
            return None
    guards = frozenset(_code(f.owner.test) for f in frames[1:] if isinstance(f.owner, cst.If) and f.part == "body")
    scan = _Scan(lambda c: id(c) in detach_ids, ts.name, guards)
    # innermost block first, then outwards
    for depth in range(len(frames) - 1, -1, -1):
        frame = frames[depth]
        if scan.block(frame.body[frame.index + 1:], 0):
            return scan.exit or scan.raises
        if scan.exit is not None:
            return scan.exit
        owner = frame.owner
        if isinstance(owner, _LOOPS) and frame.part == "body":
            return Leak("loop-end", owner)
        if owner is fn:
            return Leak("function-end", fn)
    return None


def holds_call(node, ids) -> bool:
    """``node`` contains one of the calls whose ids are ``ids``."""
    return holds_call_where(node, lambda c: id(c) in ids)


def holds_call_where(node, predicate) -> bool:
    """``node`` contains a call for which ``predicate`` holds."""
    found = [False]

    class V(cst.CSTVisitor):
        def visit_Call(self, c: cst.Call) -> None:
            if not found[0] and predicate(c):
                found[0] = True

    node.visit(V())
    return found[0]


# ----------------------------------------------------------------------------- fix
def wrap_fix_edit(ctx, ts: TokenSite, closing: Optional[cst.SimpleStatementLine]):
    """``(first statement, last statement, new text)``: the statements after the attach, up to and
    including ``closing`` (the existing detach), or to the end of the block with a new detach
    statement appended, wrapped in ``try: ... finally: <detach>``. None when the shape does not allow it."""
    frames = block_frames(ts.site.scope.node, ts.statement)
    if not frames:
        return None
    frame = frames[-1]
    after = frame.body[frame.index + 1:]
    if closing is not None:
        if closing not in after:
            return None
        inner = after[: after.index(closing)]
        final = closing
    else:
        if not (frame.owner is ts.site.scope.node or isinstance(frame.owner, _LOOPS) and frame.part == "body"):
            return None
        inner = after
        final = None
    if not inner:
        return None
    return frame, list(inner), final


def render_try(ctx, ts: TokenSite, inner: list, final: cst.SimpleStatementLine, indent: str, block_indent: Optional[str]) -> str:
    module = ctx.model.tree
    first = inner[0].with_changes(leading_lines=[])
    body = cst.IndentedBlock(body=[first] + inner[1:], indent=block_indent)
    finalbody = cst.Finally(body=cst.IndentedBlock(body=[final], indent=block_indent))
    node = cst.Try(body=body, finalbody=finalbody)
    state = CodegenState(default_indent=module.default_indent, default_newline=module.default_newline, indent_tokens=[indent])
    node._codegen(state)
    return "".join(state.tokens)
