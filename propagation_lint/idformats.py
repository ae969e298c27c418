"""Trace and span ids written to a carrier as text, and read back: in which base (CTX307).

A span context holds its ids as ints. Code that carries them by hand writes them as text
(``str(span_context.trace_id)``: decimal; ``format(span_context.trace_id, "032x")``,
``format_trace_id(...)``, ``f"{...:032x}"``, ``hex(...)``: hex) under a carrier key, and reads them back
with ``int(value, 16)`` (hex) or ``int(value)`` (decimal). A key written in one base and read in
the other gives a different id: the reader's span joins a trace that does not exist.

- :func:`id_writes` / :func:`id_reads` ``(model, ctx)``: ``IdUse(key, fmt, node, scope)`` per place.
Where a write is recognised: a dict literal's value, ``carrier["k"] = ...``, a keyword argument
(``publish(..., trace_id=...)``), ``setter.set(carrier, "k", ...)`` and ``<x>.<method>("k", ...)``
(``events.add_tag``), never a span attribute (``catalog.tracing.SPAN_ATTRIBUTE_METHODS``).

- Facts (``id_writes``): ``[[key, fmt, path, line, column, end_line, end_column], ...]``, so the
  project pass can join a reader in one module with the writers in every other.
- Condition ``("id-written-as", key, fmt)``: every place in the project that writes ``key`` writes
  it in ``fmt`` (and there is one); its notes point at those places.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

import libcst as cst

from .catalog import tracing as tc
from .facts import collector
from .findings import Location, Related
from .flow import arg_value
from .model import FileModel, Scope, string_value
from .project import Project, condition, condition_notes

_HOLDER = re.compile(r"(?i)span|context|ctx|^sc$")


@dataclass
class IdUse:
    key: str
    fmt: str  # hex | decimal
    node: cst.CSTNode
    scope: Scope


def _is_id(expr, scope: Scope, ctx) -> bool:
    """``<span context>.trace_id`` / ``.span_id``. In a file that imports no tracing library (a helper
    handed a span), the holder must be seen to be a span context: ``sc = span.get_span_context()``."""
    if not (isinstance(expr, cst.Attribute) and expr.attr.value in tc.ID_MEMBERS):
        return False
    holder = expr.value
    if isinstance(holder, cst.Call):
        func = holder.func
        if isinstance(func, cst.Attribute) and func.attr.value in tc.SPAN_CONTEXT_METHODS:
            return True
        q = ctx.resolver.callee_name(holder, scope)
        return ctx.catalog.canonical(q) in tc.SPAN_CONTEXT_TYPES if q else False
    if not ctx.model.imports_any(tc.TRACING_MODULES):
        value = _single_value(holder, scope, ctx) if isinstance(holder, cst.Name) else None
        return isinstance(value, cst.Call) and _is_id(cst.Attribute(value=value, attr=expr.attr), scope, ctx)
    last = holder.attr.value if isinstance(holder, cst.Attribute) else holder.value if isinstance(holder, cst.Name) else ""
    return bool(last) and bool(_HOLDER.search(last))


def _spec_format(spec: str) -> Optional[str]:
    if spec.endswith(("x", "X")):
        return "hex"
    if spec == "" or spec.endswith("d"):
        return "decimal"
    return None


def written_format(expr, scope: Scope, ctx, depth: int = 0) -> Optional[str]:
    """The base an id is written in by ``expr``, or None when ``expr`` writes no id."""
    if isinstance(expr, cst.Name) and depth < 2:
        value = _single_value(expr, scope, ctx)
        return written_format(value, scope, ctx, depth + 1) if value is not None else None
    if isinstance(expr, cst.Call) and expr.args:
        first = expr.args[0].value
        q = ctx.resolver.callee_name(expr, scope)
        name = expr.func.value if isinstance(expr.func, cst.Name) else ""
        if q in tc.HEX_ID_FUNCTIONS or name == "hex":
            return "hex" if _is_id(first, scope, ctx) or q.startswith("opentelemetry") else None
        if name == "str" and _is_id(first, scope, ctx):
            return "decimal"
        if name == "format" and _is_id(first, scope, ctx) and len(expr.args) >= 2 \
                and isinstance(expr.args[1].value, cst.SimpleString):
            return _spec_format(string_value(expr.args[1].value))
        return None
    if isinstance(expr, cst.FormattedString) and len(expr.parts) == 1 \
            and isinstance(expr.parts[0], cst.FormattedStringExpression):
        part = expr.parts[0]
        if _is_id(part.expression, scope, ctx) and part.conversion is None:
            spec = "".join(p.value for p in (part.format_spec or ()) if isinstance(p, cst.FormattedStringText))
            return _spec_format(spec)
    return None


def _single_value(name: cst.Name, scope: Scope, ctx):
    owner, bindings = ctx.resolver.lookup(name.value, scope)
    if owner is not scope or len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    return bindings[0].node


def _key(node) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        value = string_value(node)
        return value if isinstance(value, str) and value else None
    return None


def id_writes(model: FileModel, ctx) -> List[IdUse]:
    memo = ctx.shared.get("id_writes")
    if memo is not None:
        return memo
    out: List[IdUse] = []
    for scope in model.root.walk():
        for d in scope.dicts:  # {"trace_id": str(sc.trace_id)}
            for el in d.elements:
                if isinstance(el, cst.DictElement):
                    _add(out, _key(el.key), el.value, scope, ctx)
        for target, value, _order, _branch in scope.attr_stores:  # carrier["trace_id"] = ...
            if isinstance(target, cst.Subscript) and len(target.slice) == 1 \
                    and isinstance(target.slice[0].slice, cst.Index):
                _add(out, _key(target.slice[0].slice.value), value, scope, ctx)
        for site in scope.calls:
            call = site.node
            for arg in call.args:  # publish(..., trace_id=str(sc.trace_id))
                if arg.keyword is not None:
                    _add(out, arg.keyword.value, arg.value, scope, ctx)
            func = call.func
            positional = [a.value for a in call.args if a.keyword is None and not a.star]
            if not isinstance(func, cst.Attribute) or func.attr.value in tc.SPAN_ATTRIBUTE_METHODS:
                continue
            if len(positional) == 3 and func.attr.value == "set":  # setter.set(carrier, "trace_id", value)
                _add(out, _key(positional[1]), positional[2], scope, ctx)
            elif len(positional) == 2:  # events.add_tag("trace_id", value), headers.setdefault(...)
                _add(out, _key(positional[0]), positional[1], scope, ctx)
    ctx.shared["id_writes"] = out
    return out


def _add(out: List[IdUse], key: Optional[str], value, scope: Scope, ctx) -> None:
    if not key:
        return
    fmt = written_format(value, scope, ctx)
    if fmt is not None:
        out.append(IdUse(key.lower(), fmt, value, scope))


def id_reads(model: FileModel, ctx) -> List[IdUse]:
    """``int(<carrier>[key], 16)`` (hex) and ``int(<carrier>[key])`` (decimal)."""
    out: List[IdUse] = []
    if not model.imports_any(tc.TRACING_MODULES):
        return out
    for site in model.all_calls:
        call = site.node
        if not (isinstance(call.func, cst.Name) and call.func.value == "int") or not call.args or call.args[0].keyword:
            continue
        base = arg_value(call, "base", 1)
        if base is None:
            fmt = "decimal"
        elif isinstance(base, cst.Integer) and base.value in ("16", "0x10"):
            fmt = "hex"
        elif isinstance(base, cst.Integer) and base.value == "10":
            fmt = "decimal"
        else:
            continue
        key = _read_key(call.args[0].value, site.scope, ctx)
        if key:
            out.append(IdUse(key.lower(), fmt, call, site.scope))
    return out


def _read_key(expr, scope: Scope, ctx, depth: int = 0) -> Optional[str]:
    """The innermost string key of ``carrier["k"]``, ``carrier.get("k")``, ``getter.get(carrier, "k")``
    (through one local name)."""
    if isinstance(expr, cst.Name) and depth < 2:
        value = _single_value(expr, scope, ctx)
        return _read_key(value, scope, ctx, depth + 1) if value is not None else None
    key = None
    node = expr
    while True:
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            key = _key(node.slice[0].slice.value) or key
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
            positional = [a.value for a in node.args if a.keyword is None and not a.star]
            if len(positional) >= 2 and _key(positional[1]) and not _key(positional[0]):
                return _key(positional[1])  # getter.get(carrier, "k")
            key = (_key(positional[0]) if positional else None) or key
            node = node.func.value
        elif isinstance(node, cst.Attribute):
            node = node.value
        else:
            return key


@collector
def _id_facts(model: FileModel, ctx) -> dict:
    rows = []
    for use in id_writes(model, ctx):
        loc = ctx.location(use.node, use.scope)
        rows.append([use.key, use.fmt, loc.path, loc.line, loc.column, loc.end_line, loc.end_column])
    return {"id_writes": rows} if rows else {}


@condition("id-written-as")
def _written_as(project: Project, cond: tuple, depth: int) -> bool:
    key, fmt = cond[1], cond[2]
    formats = {row[1] for row in project.facts.get("id_writes", ()) if row[0] == key}
    return formats == {fmt}


@condition_notes("id-written-as")
def _written_where(project: Project, cond: tuple) -> List[Related]:
    key, fmt = cond[1], cond[2]
    rows = [row for row in project.facts.get("id_writes", ()) if row[0] == key and row[1] == fmt]
    return [Related(Location(*row[2:7]), f"`{key}` is written in {fmt} here") for row in rows[:2]]
