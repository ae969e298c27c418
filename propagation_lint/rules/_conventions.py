"""Helpers shared by the convention rules (CTX4xx): reading their settings, event dict literals,
string constants, span starts. No rule lives here."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import libcst as cst

from ..model import CallSite, Scope, string_value

SERIALIZERS = ("json.dumps", "orjson.dumps", "ujson.dumps", "simplejson.dumps", "rapidjson.dumps")
MAX_DEPTH = 4


def _publish_words():
    from ..catalog import CATALOG

    words = set(CATALOG.publish_method_names)
    for row in CATALOG.publishers:
        words.update(m.split(".")[0] for m in row.hint_modules)
    return tuple(sorted(words))


# A file that mentions none of these publishes nothing the catalog knows.
PUBLISH_WORDS = _publish_words()


def setting(ctx, key: str, default):
    """A ``[tool.propagation-lint.conventions]`` value, or the rule's default."""
    conventions = getattr(ctx.settings, "conventions", None) or {}
    value = conventions.get(key)
    return default if value is None else value


def const_str(node) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        v = string_value(node)
        return v if isinstance(v, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = const_str(node.left), const_str(node.right)
        return left + right if left is not None and right is not None else None
    return None


@dataclass
class EventDict:
    """The fields of an event built from dict literals: ``paths`` holds every key path
    (``("metadata", "traceId")``); ``node`` is the literal; ``complete`` is False when something
    we cannot see may add keys (``**spread``, a helper that receives the dict)."""

    node: cst.CSTNode
    paths: List[Tuple[str, ...]] = field(default_factory=list)
    complete: bool = True

    def has(self, name: str) -> bool:
        if "." in name:
            return tuple(name.split(".")) in self.paths
        return any(p and p[-1] == name for p in self.paths)

    def keys(self) -> List[str]:
        return sorted({p[-1] for p in self.paths if p})


def unwrap_serialized(expr, scope: Scope, ctx):
    """``json.dumps(x).encode()`` / ``json.dumps(x)`` / ``x`` -> ``x``."""
    for _ in range(3):
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "encode":
            expr = expr.func.value
            continue
        if isinstance(expr, cst.Call) and expr.args and ctx.resolver.callee_name(expr, scope) in SERIALIZERS:
            expr = expr.args[0].value
            continue
        break
    return expr


def literal_keys(node, prefix: Tuple[str, ...], out: EventDict) -> None:
    """Key paths of a dict literal or ``dict(k=v)`` call, nested literals included."""
    if isinstance(node, cst.Dict):
        for el in node.elements:
            if isinstance(el, cst.StarredDictElement):
                out.complete = False
                continue
            key = const_str(el.key)
            if key is None:
                out.complete = False
                continue
            out.paths.append(prefix + (key,))
            literal_keys(el.value, prefix + (key,), out)
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
        for arg in node.args:
            if arg.star or arg.keyword is None:
                out.complete = False
                continue
            out.paths.append(prefix + (arg.keyword.value,))
            literal_keys(arg.value, prefix + (arg.keyword.value,), out)


def is_dict_literal(node) -> bool:
    return isinstance(node, cst.Dict) or (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict"
    )


def event_dict(expr, site: CallSite, ctx, depth: int = 0) -> Optional[EventDict]:
    """The event dict literal an argument is built from: directly, serialised with
    ``json.dumps``, or through a variable assigned once in the same function (keys stored
    later with ``event["k"] = v`` or ``event.update(k=v)`` before the call count too)."""
    if expr is None or depth > MAX_DEPTH:
        return None
    scope = site.scope
    expr = unwrap_serialized(expr, scope, ctx)
    if is_dict_literal(expr):
        out = EventDict(expr)
        literal_keys(expr, (), out)
        return out
    if not isinstance(expr, cst.Name):
        return None
    name = expr.value
    bindings = scope.bindings.get(name, [])
    if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].order > site.order:
        return None
    binding = bindings[0]
    inner = binding.node
    if isinstance(inner, cst.Name) or is_dict_literal(unwrap_serialized(inner, scope, ctx)):
        pass
    else:
        return None
    result = event_dict(inner, _AtOrder(site, binding.order), ctx, depth + 1)
    if result is None:
        return None
    if not _later_keys(name, binding.order, site, ctx, result):
        return None
    return result


class _AtOrder:
    """A stand-in call site at an earlier point of the same scope."""

    def __init__(self, site: CallSite, order: int):
        self.scope = site.scope
        self.order = order
        self.node = site.node
        self.branch = site.branch


def _later_keys(name: str, start: int, site: CallSite, ctx, out: EventDict) -> bool:
    """Add keys stored into ``name`` between its assignment and the call; False when the dict
    escapes into something that may change it."""
    scope = site.scope
    for target, _value, order, _branch in scope.attr_stores:
        if not (start < order < site.order):
            continue
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and target.value.value == name:
            key = const_str(target.slice[0].slice.value) if isinstance(target.slice[0].slice, cst.Index) else None
            if key is None:
                return False
            out.paths.append((key,))
    for other in scope.calls:
        if not (start < other.order < site.order) or other.node is site.node:
            continue
        call = other.node
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == name:
            method = func.attr.value
            if method == "update":
                for arg in call.args:
                    if arg.keyword is not None and not arg.star:
                        out.paths.append((arg.keyword.value,))
                    elif is_dict_literal(arg.value):
                        literal_keys(arg.value, (), out)
                    else:
                        return False
            elif method == "setdefault" and call.args and const_str(call.args[0].value) is not None:
                out.paths.append((const_str(call.args[0].value),))
            elif method in ("get", "items", "keys", "values", "copy"):
                continue
            else:
                return False
            continue
        if any(isinstance(a.value, cst.Name) and a.value.value == name for a in call.args):
            if ctx.resolver.callee_name(call, scope) in SERIALIZERS:
                continue
            return False  # a helper may add fields: we cannot tell
    for b in scope.bindings.get(name, []):
        if b.kind == "augassign" and start < b.order < site.order:
            return False
    return True


# ------------------------------------------------------------------ spans
def span_name_arg(call: cst.Call):
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            return arg.value
        if arg.keyword is not None and arg.keyword.value in ("name", "span_name"):
            return arg.value
    return None


def qualified_decorator(dec, scope: Scope, ctx) -> Tuple[str, Optional[cst.Call]]:
    """The qualified name a decorator refers to (``@retry(...)`` -> ``tenacity.retry``) and its call."""
    call = dec if isinstance(dec, cst.Call) else None
    target = dec.func if call is not None else dec
    return ctx.resolver.qualify(target, scope.parent or scope), call


def keyword_names(call: Optional[cst.Call]) -> Dict[str, cst.BaseExpression]:
    if call is None:
        return {}
    return {a.keyword.value: a.value for a in call.args if a.keyword is not None}
