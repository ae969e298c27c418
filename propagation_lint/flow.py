"""Does the current trace context reach this expression? (intraprocedural, ordered, branch-aware)

Used by the publishing rules on a carrier or payload argument, and by the project pass to learn
which helpers inject into a parameter or return an injected carrier.

A context "reaches" an expression when, before the call and on a branch that can lead to it,
an inject wrote into the expression's variable or into a variable it was derived from (a dict
converted to Kafka's list of ``(str, bytes)``, merged with ``{**c}``, ``update()``-d, nested into
SQS attributes, serialised with ``json.dumps``...). Answers:

- ``yes``: it does;
- ``no``: it does not, with the evidence (where the carrier was built, an inject that went to
  another variable, an inject after the call, an inject on another branch);
- ``unknown``: we cannot tell (a parameter the caller fills, an attribute of an unknown object):
  rules stay silent, because a noisy rule costs more users than a missing one;
- ``conditional``: it does if a project helper does what its name suggests; the conditions go to
  the project pass (``("injects", qname, position, keyword)`` / ``("returns-injected", qname)``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import libcst as cst

from .catalog import CATALOG
from .catalog.tracing import CARRIER_KEYS, CONTEXT_PRODUCING_CALLS, CONTEXT_PRODUCING_MEMBERS, INJECT_METHOD_NAMES
from .model import CallSite, Scope, string_value
from .names import Resolver, root_name

YES, NO, UNKNOWN, CONDITIONAL = "yes", "no", "unknown", "conditional"
_RANK = {YES: 3, CONDITIONAL: 2, UNKNOWN: 1, NO: 0}
MUTATORS = ("update", "extend", "append", "setdefault", "__setitem__", "insert", "add")


@dataclass
class Reach:
    status: str
    conditions: Tuple[tuple, ...] = ()
    evidence: List[Tuple[cst.CSTNode, str]] = field(default_factory=list)

    def __or__(self, other: "Reach") -> "Reach":
        best = self if _RANK[self.status] >= _RANK[other.status] else other
        conds = self.conditions + tuple(c for c in other.conditions if c not in self.conditions)
        status = best.status
        if status in (NO, UNKNOWN) and conds:
            status = CONDITIONAL if status == NO else status
        return Reach(status, conds if status == CONDITIONAL else (), self.evidence + other.evidence)


def _no(evidence=None) -> Reach:
    return Reach(NO, (), list(evidence or []))


def branch_compatible(a, b) -> bool:
    """False when two statements sit in different arms of the same if/try."""
    other = dict(b)
    for key, arm in a:
        if key in other and other[key] != arm:
            return False
    return True


@dataclass
class InjectCall:
    site: CallSite
    carrier: cst.BaseExpression


class FlowAnalyzer:
    def __init__(self, resolver: Resolver):
        self.resolver = resolver
        self._injects = {}
        self._by_name = {}

    # ------------------------------------------------------------ injects
    def injects_in(self, scope: Scope) -> List[InjectCall]:
        cached = self._injects.get(id(scope))
        if cached is not None:
            return cached
        found = []
        for site in scope.calls:
            carrier = self.inject_carrier(site.node, scope)
            if carrier is not None:
                found.append(InjectCall(site, carrier))
        self._injects[id(scope)] = found
        return found

    def inject_carrier(self, call: cst.Call, scope: Scope) -> Optional[cst.BaseExpression]:
        """The carrier argument when ``call`` injects trace context, else None."""
        func = call.func
        qname = self.resolver.callee_name(call, scope)
        inj = CATALOG.injector(qname) if qname else None
        if inj is None and isinstance(func, cst.Attribute) and func.attr.value in INJECT_METHOD_NAMES:
            recv = self.resolver.resolve(func.value, scope)
            if recv.kind == "instance":
                inj = CATALOG.injector(f"{recv.qname}.{func.attr.value}")
            if inj is None:
                positional = [a for a in call.args if a.keyword is None and not a.star]
                kw = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
                for name in ("carrier", "headers"):
                    if name in kw:
                        return kw[name]
                if len(positional) >= 3:
                    return positional[2].value  # OpenTracing: inject(span_context, format, carrier)
                if len(positional) == 2 and _looks_like_dd_context(positional[0].value):
                    return positional[1].value
                if positional:
                    return positional[0].value
                return None
        elif inj is None and isinstance(func, cst.Name) and func.value in INJECT_METHOD_NAMES and not qname:
            pass
        if inj is None:
            return None
        return arg_value(call, inj.carrier.name, inj.carrier.position)

    # ------------------------------------------------------------ reach
    def reaches(self, expr, site: CallSite, depth: int = 0, seen=None) -> Reach:
        """Does the context reach ``expr``, evaluated at ``site``?"""
        seen = set() if seen is None else seen
        if expr is None or depth > 8:
            return Reach(UNKNOWN)
        scope = site.scope
        if isinstance(expr, cst.Name):
            return self._reach_name(expr.value, site, depth, seen)
        if isinstance(expr, cst.Await):
            return self.reaches(expr.expression, site, depth + 1, seen)
        if isinstance(expr, cst.Dict):
            result = _no()
            for el in expr.elements:
                if isinstance(el, cst.DictElement):
                    key = const_str(el.key)
                    if key is not None and key.lower() in CARRIER_KEYS and not is_constant(el.value):
                        return Reach(YES)
                    result = result | self.reaches(el.value, site, depth + 1, seen)
                else:  # ** spread
                    result = result | self.reaches(el.value, site, depth + 1, seen)
            return result
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            result = _no()
            for el in expr.elements:
                result = result | self.reaches(el.value, site, depth + 1, seen)
            return result
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self.reaches(expr.elt, site, depth + 1, seen) | self._reach_comp(expr.for_in, site, depth, seen)
        if isinstance(expr, cst.DictComp):
            return (self.reaches(expr.key, site, depth + 1, seen) | self.reaches(expr.value, site, depth + 1, seen)
                    | self._reach_comp(expr.for_in, site, depth, seen))
        if isinstance(expr, cst.Call):
            return self._reach_call(expr, site, depth, seen)
        if isinstance(expr, (cst.Attribute, cst.Subscript)):
            if isinstance(expr, cst.Attribute) and expr.attr.value in CONTEXT_PRODUCING_MEMBERS:
                return Reach(YES)
            if isinstance(expr, cst.Attribute) and expr.attr.value in ("trace_id", "span_id"):
                return Reach(YES)
            name = root_name(expr)
            if name and name != "self":
                owner, bindings = self.resolver.lookup(name, scope)
                if owner is scope and bindings and all(b.kind != "param" for b in bindings):
                    return self._reach_name(name, site, depth, seen)
            return Reach(UNKNOWN)
        if isinstance(expr, cst.BinaryOperation):
            return self.reaches(expr.left, site, depth + 1, seen) | self.reaches(expr.right, site, depth + 1, seen)
        if isinstance(expr, cst.BooleanOperation):
            return self.reaches(expr.left, site, depth + 1, seen) | self.reaches(expr.right, site, depth + 1, seen)
        if isinstance(expr, cst.IfExp):
            return self.reaches(expr.body, site, depth + 1, seen) | self.reaches(expr.orelse, site, depth + 1, seen)
        if isinstance(expr, cst.FormattedString):
            result = _no()
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    result = result | self.reaches(part.expression, site, depth + 1, seen)
            return result
        if isinstance(expr, cst.StarredElement):
            return self.reaches(expr.value, site, depth + 1, seen)
        if is_constant(expr):
            return _no()
        return Reach(UNKNOWN)

    def _reach_comp(self, for_in, site, depth, seen) -> Reach:
        result = _no()
        while for_in is not None:
            result = result | self.reaches(for_in.iter, site, depth + 1, seen)
            for_in = for_in.inner_for_in
        return result

    def _reach_call(self, call: cst.Call, site: CallSite, depth: int, seen) -> Reach:
        scope = site.scope
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in CONTEXT_PRODUCING_MEMBERS:
            return Reach(YES)
        callee = self.resolver.resolve(func, scope)
        if callee.kind == "ref" and callee.qname in CONTEXT_PRODUCING_CALLS:
            return Reach(YES)
        result = _no()
        if callee.kind == "ref" and callee.project:
            result = result | Reach(CONDITIONAL, (("returns-injected", callee.qname),))
        elif callee.kind == "unknown" and isinstance(func, cst.Name):
            return Reach(UNKNOWN)
        elif isinstance(func, cst.Attribute):
            recv = self.resolver.resolve(func.value, scope)
            if recv.kind == "instance" and recv.project:
                result = result | Reach(CONDITIONAL, (("returns-injected", f"{recv.qname}.{func.attr.value}"),))
            # x.items(), json.dumps(x).encode(), carrier.copy()
            if recv.kind != "ref":
                result = result | self.reaches(func.value, site, depth + 1, seen)
        for arg in call.args:
            result = result | self.reaches(arg.value, site, depth + 1, seen)
        return result

    def _reach_name(self, name: str, site: CallSite, depth: int, seen) -> Reach:
        key = (name, id(site.scope), site.order)
        if key in seen:
            return _no()
        seen = seen | {key}
        scope = site.scope
        owner, bindings = self.resolver.lookup(name, scope)
        if not bindings:
            return Reach(UNKNOWN)
        if owner is not scope:
            # a module-level or enclosing variable: constants carry nothing; others we cannot follow
            if all(b.kind == "assign" and is_constant(b.node) for b in bindings):
                return _no()
            if all(b.kind in ("import", "def", "class") for b in bindings):
                return _no()
            return Reach(UNKNOWN)
        if any(b.kind in ("param", "global", "for", "with", "except", "unpack", "annotated") for b in bindings):
            if any(b.kind == "param" for b in bindings):
                # the caller fills it; still "yes" if injected here
                local = self._local_injection(name, site, depth, seen)
                return local if local.status in (YES, CONDITIONAL) else Reach(UNKNOWN)
        result = self._local_injection(name, site, depth, seen)
        if result.status == YES:
            return result
        for b in bindings:
            if b.order >= site.order or not branch_compatible(b.branch, site.branch):
                continue
            if b.kind in ("assign", "augassign", "with", "unpack", "for") and b.node is not None:
                result = result | self.reaches(b.node, site, depth + 1, seen)
                if b.kind == "assign" and result.status == NO:
                    result.evidence.append((b.node, f"the carrier `{name}` is built here"))
            elif b.kind in ("global", "except", "annotated"):
                result = result | Reach(UNKNOWN)
        return result

    def direct_injection(self, name: str, site: CallSite) -> Reach:
        """``yes`` when an inject into ``name`` runs before ``site`` on a compatible branch; else
        ``no``, with the injects that went astray (after the call, on another branch) as evidence."""
        result = _no()
        for inj in self.injects_in(site.scope):
            if root_name(inj.carrier) != name:
                continue
            if inj.site.order < site.order and branch_compatible(inj.site.branch, site.branch):
                return Reach(YES)
            if inj.site.order > site.order:
                result.evidence.append((inj.site.node, f"`{name}` is injected here, after the publish"))
            else:
                result.evidence.append((inj.site.node, f"`{name}` is injected here, on another branch"))
        return result

    def _local_injection(self, name: str, site: CallSite, depth: int = 0, seen=frozenset()) -> Reach:
        """Injects, mutations and helper calls on ``name`` in the same function before ``site``."""
        scope = site.scope
        result = self.direct_injection(name, site)
        if result.status == YES:
            return result
        calls, stores = self._uses(scope)
        for other in calls.get(name, ()):
            if other.order >= site.order or other is site:
                continue
            call = other.node
            if not branch_compatible(other.branch, site.branch):
                continue
            func = call.func
            # mutations: carrier.update(x), headers.append(...)
            if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS and root_name(func.value) == name:
                for arg in call.args:
                    result = result | self.reaches(arg.value, other, depth + 1, seen)
                continue
            # helpers that take the carrier: inject_headers(carrier), self._inject(msg)
            for index, arg in enumerate(call.args):
                if isinstance(arg.value, cst.Name) and arg.value.value == name and not arg.star:
                    callee = self._project_callee(call, scope)
                    if callee:
                        pos = index if arg.keyword is None else None
                        kw = arg.keyword.value if arg.keyword is not None else None
                        result = result | Reach(CONDITIONAL, (("injects", callee, pos, kw),))
        for target, value, order, branch in stores.get(name, ()):
            if order < site.order and branch_compatible(branch, site.branch):
                result = result | self.reaches(value, site, depth + 1, seen)
        return result

    def _uses(self, scope: Scope):
        """The calls and attribute stores :meth:`_local_injection` can act on, by name (indexed
        once per scope): calls mutating ``name`` or passing it as a plain argument, in order, and
        stores to an attribute or item of ``name``."""
        uses = self._by_name.get(id(scope))
        if uses is None:
            calls: dict = {}
            for other in scope.calls:
                call = other.node
                func = call.func
                names = set()
                if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS:
                    names.add(root_name(func.value))
                for arg in call.args:
                    if isinstance(arg.value, cst.Name) and not arg.star:
                        names.add(arg.value.value)
                for name in names:
                    calls.setdefault(name, []).append(other)
            stores: dict = {}
            for store in scope.attr_stores:
                stores.setdefault(root_name(store[0]), []).append(store)
            uses = self._by_name[id(scope)] = (calls, stores)
        return uses

    def _project_callee(self, call: cst.Call, scope: Scope) -> str:
        func = call.func
        callee = self.resolver.resolve(func, scope)
        if callee.kind == "ref" and callee.project:
            return callee.qname
        if isinstance(func, cst.Attribute):
            recv = self.resolver.resolve(func.value, scope)
            if recv.kind == "instance" and recv.project:
                return f"{recv.qname}.{func.attr.value}"
        return ""


def arg_value(call: cst.Call, name: str, position: Optional[int]) -> Optional[cst.BaseExpression]:
    """The expression passed for a parameter, by keyword or by position (``*args`` stops positions)."""
    index = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == name:
                return arg.value
            continue
        if arg.star:
            if arg.star == "*":
                index = -10_000  # positions after *args are unknowable
            continue
        if position is not None and index == position:
            return arg.value
        index += 1
    return None


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def const_str(node) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        v = string_value(node)
        return v if isinstance(v, str) else None
    return None


def is_constant(node) -> bool:
    if node is None:
        return True
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary)):
        return True
    if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
        return True
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(is_constant(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(isinstance(e, cst.DictElement) and is_constant(e.key) and is_constant(e.value) for e in node.elements)
    if isinstance(node, cst.UnaryOperation):
        return is_constant(node.expression)
    return False


def _looks_like_dd_context(node) -> bool:
    text = cst.Module([]).code_for_node(node) if isinstance(node, cst.CSTNode) else ""
    return "context" in text.lower() or "span" in text.lower()
