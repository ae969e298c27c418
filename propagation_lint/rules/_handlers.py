"""Where message handling happens in a file, for the convention rules (CTX401, CTX403, CTX405).

An adapter over the consumer detection of ``propagation_lint/consuming.py`` (the CTX3xx rules'
detector: callbacks, task functions, Lambda handlers, consumer loops, code after a receive);
it detects nothing itself.
"""
from __future__ import annotations

from typing import List, Optional, Set

import libcst as cst

from .. import consuming
from ..model import CallSite, FileModel, Scope


class Handling:
    def __init__(self, handlers: list, called: Set[str]):
        self.handlers = handlers
        self._called = called

    def whole_function(self, scope: Scope):
        """The handler that is the whole of ``scope`` (a callback, a task), or None."""
        for h in self.handlers:
            if h.scope is scope and h.loop is None and h.start < 0:
                return h
        return None

    def holding(self, scope: Scope, region: List[CallSite]):
        """A handler whose region holds ``region`` (or all of ``scope``), or None."""
        whole = self.whole_function(scope)
        if whole is not None:
            return whole
        for h in self.handlers:
            if h.scope is scope and region and any(h.contains(site) for site in region):
                return h
        return None

    def calls_from_handler(self, scope: Scope) -> bool:
        """Is ``scope`` a function of this file that a handler calls?"""
        return scope.qname in self._called


def message_handling(model: FileModel, ctx) -> Handling:
    cached = ctx.shared.get("conventions_handling")
    if cached is not None:
        return cached
    found = list(consuming.handlers(model, ctx))
    called: Set[str] = set()
    for h in found:
        for site in h.calls():
            q = ctx.resolver.callee_name(site.node, h.scope)
            if q and q in model.scopes and q != h.scope.qname:
                called.add(q)
    handling = Handling(found, called)
    ctx.shared["conventions_handling"] = handling
    return handling


def span_starts(scope: Scope, ctx) -> list:
    return consuming.span_starts(scope, ctx)


def task_decorator_call(scope: Scope, keyword: str) -> Optional[cst.Call]:
    """The decorator call of ``scope`` that passes ``keyword`` (``@app.task(autoretry_for=...)``)."""
    for dec in scope.decorators:
        if isinstance(dec, cst.Call) and any(a.keyword is not None and a.keyword.value == keyword for a in dec.args):
            return dec
    return None
