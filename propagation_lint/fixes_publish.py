"""The automatic fix of CTX101: inject the context into a new dict and pass it in the library's idiom.

Before the publish statement (same indentation)::

    carrier = {}
    inject(carrier)

then the carrier argument, written from ``catalog/fix_templates.PUBLISH_FIXES`` for the call's
carrier kind: added when the call passes none (or ``None``, or an empty literal), merged with the
literal it passes (``{"source": "api", **carrier}``). ``inject`` is the file's own import of
``opentelemetry.propagate.inject`` (an alias counts) or is imported once. The variable is
``carrier``, or another name when the function (the module, at top level) already uses it.

No fix (the suggestion still shows the code) when the change is not mechanical: a carrier that is
a variable or an expression, a carrier kind without a template (Celery ``delay()``, message
objects, batches), a publish inside a lambda or a comprehension, a line with several statements,
a publish in a compound statement's header other than ``with`` (``if``/``elif``/``while``), in a
class body, a call without arguments, or a literal carrier holding comments.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from .catalog.fix_templates import CARRIER_NAMES, PUBLISH_CARRIER_STATEMENTS, PUBLISH_FIXES, TRACING_NAMES
from .findings import Fix
from .fixbuilder import (fresh_name, imported_name, insert_after, insert_before, join_insertions, make_fix,
                         replace_node, statement_indent)

_QNAMES = dict(TRACING_NAMES)


def build_publish_fix(ps, ctx, carrier: Optional[cst.BaseExpression], spread=()) -> Optional[Fix]:
    """The fix of a CTX101 finding on ``ps`` (a ``publishing.PublishSite``), or None."""
    pub = ps.publisher
    tpl = PUBLISH_FIXES.get(pub.carrier_kind)
    site = ps.site
    if tpl is None or pub.carrier is None or tpl.spread != pub.carrier.kwargs or ps.label_call is not None:
        return None
    if site.scope.kind == "class" or not site.node.args or not statement_ok(site.statement, site.node):
        return None
    if carrier is not None and not any(carrier is a.value for a in site.node.args):
        return None  # the carrier is an entry of a `**mapping` built elsewhere: no mechanical edit
    merge = None
    if carrier is not None and not _is_empty(carrier):
        kind = _literal_kind(carrier)
        merge = next((t for k, t in tpl.merge if k == kind), None)
        if merge is None:
            return None  # a variable, a call, a literal of the wrong type: not mechanical
    name = fresh_name(ctx, site.scope, CARRIER_NAMES)
    if name is None:
        return None
    names = {"c": name}
    edits = []
    for placeholder, qname in (("inject", _QNAMES["inject"]),) + tpl.names:
        got = imported_name(ctx, site.scope, qname)
        if got is None:
            return None
        names[placeholder], edit = got
        edits.append(edit)
    indent = statement_indent(ctx, site.statement)
    lines = [line.format(**names) for line in PUBLISH_CARRIER_STATEMENTS]
    edits.append(insert_before(ctx, site.statement, "".join(f"{line}\n{indent}" for line in lines)))
    value = tpl.value.format(**names)
    if carrier is None:
        arg = f"**{name}" if tpl.spread else f"{pub.carrier.name}={value}"
        edits.append(insert_after(ctx, site.node.args[-1], f", {arg}"))
        what = f"pass `{arg}`" if tpl.spread else f"pass `{pub.carrier.name}=`"
    elif merge is None:
        edits.append(replace_node(ctx, carrier, value))
        what = f"pass it as `{pub.carrier.name}`"
    else:
        items = _items(carrier, ctx)
        if items is None:
            return None
        edits.append(replace_node(ctx, carrier, merge.format(items=items, **names)))
        what = f"merge it into `{pub.carrier.name}`"
    return make_fix("unsafe", f"Inject the trace context into `{name}` and {what}", join_insertions(edits))


def statement_ok(statement, call: cst.Call) -> bool:
    """New statements can go right before ``statement`` and still run just before ``call``."""
    if isinstance(statement, cst.SimpleStatementLine):
        if len(statement.body) != 1:
            return False  # `a(); producer.send(...)`
    elif not isinstance(statement, cst.With):
        return False
    return _plain_path(statement, call)


def _plain_path(statement: cst.CSTNode, call: cst.Call) -> bool:
    """``call`` is in ``statement`` and not inside a lambda or a comprehension there."""
    deferred = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
    found = []

    class _Finder(cst.CSTVisitor):
        def __init__(self) -> None:
            self.depth = 0

        def on_visit(self, node: cst.CSTNode) -> bool:
            if node is call:
                found.append(self.depth == 0)
                return False
            if isinstance(node, deferred):
                self.depth += 1
            return not found

        def on_leave(self, original_node: cst.CSTNode) -> None:
            if isinstance(original_node, deferred):
                self.depth -= 1

    if isinstance(statement, cst.With):
        for item in statement.items:
            item.visit(_Finder())
    else:
        statement.visit(_Finder())
    return found == [True]


def _is_empty(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "None"
    return isinstance(node, (cst.Dict, cst.List, cst.Tuple)) and not node.elements


def _items(node, ctx) -> Optional[str]:
    """A literal's elements on one line (``"a": 1, **base``), or None when it holds comments."""
    if "#" in ctx.code_for(node):
        return None  # rewriting it would lose them
    return ", ".join(ctx.code_for(el.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for el in node.elements)


def _literal_kind(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Dict):
        return "dict"
    if isinstance(node, (cst.List, cst.Tuple)):
        return "sequence"
    return ""
