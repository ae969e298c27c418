"""Finding the publish calls of a file, shared by the CTX1xx rules.

A call is a publish when the catalog says so for its receiver's resolved type and method
(``resolved``), for its resolved callee (user wrappers from config), or, when the receiver cannot
be resolved, when the method, the receiver's name or the keywords used, and an import of the
library in the same file all agree (``heuristic``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, List, Optional

import libcst as cst

from .catalog.schema import Publisher
from .flow import Reach, arg_value, has_star_args
from .model import CallSite, FileModel


@dataclass
class PublishSite:
    site: CallSite
    publisher: Publisher
    confidence: str  # resolved | heuristic
    callee_text: str


def publish_sites(model: FileModel, ctx) -> List[PublishSite]:
    cached = ctx.shared.get("publish_sites")
    if cached is not None:
        return cached
    found = list(_find(model, ctx))
    ctx.shared["publish_sites"] = found
    return found


def _find(model: FileModel, ctx) -> Iterator[PublishSite]:
    catalog = ctx.catalog
    resolver = ctx.resolver
    for site in model.all_calls:
        call = site.node
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            candidates = catalog.publishers_for_method(method)
            function_rows = []
            q = resolver.callee_name(call, site.scope)
            if q:
                function_rows = catalog.publishers_for_function(q)
            if function_rows:
                yield PublishSite(site, function_rows[0], "resolved", ctx.code_for(func))
                continue
            if not candidates:
                continue
            recv = resolver.resolve(func.value, site.scope)
            if recv.kind == "instance":
                row = _by_receiver(candidates, recv.qname)
                if row is not None:
                    yield PublishSite(site, row, "resolved", ctx.code_for(func))
                continue
            if recv.kind == "ref":
                continue  # a module attribute (e.g. `socket.send`): not one of ours
            row = _heuristic(candidates, func.value, call, model, ctx)
            if row is not None:
                yield PublishSite(site, row, "heuristic", ctx.code_for(func))
        else:
            q = resolver.callee_name(call, site.scope)
            rows = catalog.publishers_for_function(q) if q else []
            if rows:
                yield PublishSite(site, rows[0], "resolved", ctx.code_for(func))


def _by_receiver(rows, type_qname: str) -> Optional[Publisher]:
    for row in rows:
        if row.receiver and row.receiver == type_qname:
            return row
    return None


def _heuristic(rows, receiver: cst.BaseExpression, call: cst.Call, model: FileModel, ctx) -> Optional[Publisher]:
    text = ctx.code_for(receiver)
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    for row in rows:
        if not row.hint_modules or not model.imports_any(row.hint_modules):
            continue
        if row.hint_keywords and set(row.hint_keywords) <= keywords:
            return row
        if row.hint_receiver and re.search(row.hint_receiver, text.split(".")[-1]):
            return row
    return None


def carrier_expr(ps: PublishSite) -> Optional[cst.BaseExpression]:
    c = ps.publisher.carrier
    if c is None:
        return None
    return arg_value(ps.site.node, c.name, c.position)


def payload_expr(ps: PublishSite) -> Optional[cst.BaseExpression]:
    p = ps.publisher.payload
    if p is None:
        return None
    return arg_value(ps.site.node, p.name, p.position)


def any_argument_reaches(ps: PublishSite, ctx, skip=None) -> Reach:
    """Context carried on purpose anywhere in the call (payload envelope, task kwargs...).

    Only a positive answer counts here: a payload we cannot see into (a parameter) carries
    business data, not the trace context, so ``unknown`` becomes ``no``.
    """
    result = Reach("no")
    for arg in ps.site.node.args:
        if skip is not None and arg.value is skip:
            continue
        reach = ctx.flow.reaches(arg.value, ps.site)
        if reach.status in ("yes", "conditional"):
            result = result | reach
    return result


def opaque_call(ps: PublishSite) -> bool:
    """``send(*args, **kwargs)``: we cannot know which argument is the carrier."""
    return has_star_args(ps.site.node) and ps.publisher.carrier is not None and not ps.publisher.carrier.kwargs
