"""Where message handling happens in a file, for the convention rules (CTX401, CTX403, CTX405).

This is an adapter over the consumer detection of ``propagation_lint/consuming.py`` (the CTX3xx
rules' detector); it does not detect consumers itself. Until that module is available only
Celery tasks count as message handlers (a task *is* the handler of its message).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set

import libcst as cst

from ..catalog.conventions import CELERY_TASK_DECORATORS
from ..model import FileModel, Scope


@dataclass
class Handler:
    """One message handler: a function (``scope``) or a consumer loop inside one (``loop``)."""

    scope: Scope
    message: str = ""  # the variable holding the message, when known
    library: str = ""
    loop: Optional[cst.CSTNode] = None  # the consumer loop whose body handles each message


@dataclass
class Handling:
    handlers: List[Handler] = field(default_factory=list)
    _called: Set[str] = field(default_factory=set)

    def covers_scope(self, scope: Scope) -> bool:
        return any(h.scope is scope and h.loop is None for h in self.handlers)

    def covers_node(self, scope: Scope, node: cst.CSTNode) -> bool:
        """Is ``node`` inside a consumer loop's body in ``scope``?"""
        for h in self.handlers:
            if h.scope is scope and h.loop is not None and _contains(h.loop, node):
                return True
        return False

    def calls_from_handler(self, scope: Scope) -> bool:
        return scope.qname in self._called


def message_handling(model: FileModel, ctx) -> Handling:
    cached = ctx.shared.get("conventions_handling")
    if cached is not None:
        return cached
    handling = Handling(_from_consuming(model, ctx))
    for h in handling.handlers:
        for site in h.scope.calls:
            q = ctx.resolver.callee_name(site.node, h.scope)
            if q and q in model.scopes:
                handling._called.add(q)
    ctx.shared["conventions_handling"] = handling
    return handling


def _from_consuming(model: FileModel, ctx) -> List[Handler]:
    try:
        from .. import consuming  # noqa: F401
    except ImportError:
        consuming = None
    found: List[Handler] = []
    if consuming is not None:
        found.extend(_adapt(consuming, model, ctx))
    seen = {id(h.scope) for h in found if h.loop is None}
    for scope in model.functions():
        if id(scope) not in seen and _is_celery_task(scope, ctx):
            found.append(Handler(scope, library="celery"))
    return found


def _adapt(consuming, model: FileModel, ctx) -> List[Handler]:
    return []


def _is_celery_task(scope: Scope, ctx) -> bool:
    return celery_task_decorator(scope, ctx) is not False


def celery_task_decorator(scope: Scope, ctx):
    """The Celery task decorator's call (None for a bare ``@app.task``), or False when ``scope``
    is not a task."""
    for dec in scope.decorators:
        call = dec if isinstance(dec, cst.Call) else None
        target = dec.func if call is not None else dec
        q = ctx.resolver.qualify(target, scope.parent or scope)
        if q in CELERY_TASK_DECORATORS:
            return call
        if isinstance(target, cst.Attribute) and target.attr.value == "task":
            recv = ctx.resolver.resolve(target.value, scope.parent or scope)
            if recv.qname.startswith("celery") or (recv.kind == "unknown" and ctx.model.imports_any(("celery",))):
                return call
    return False


def _contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    if outer is inner:
        return True
    found = []

    class V(cst.CSTVisitor):
        def on_visit(self, node):
            if found:
                return False
            if node is inner:
                found.append(node)
                return False
            return True

    outer.visit(V())
    return bool(found)
