"""The automatic fix of CTX101: inject the context into a new dict and pass it in the library's idiom.

Before the publish statement (same indentation)::

    carrier = {}
    inject(carrier)

then the carrier argument, written from ``catalog/fix_templates.PUBLISH_FIXES`` for the call's
carrier kind: added when the call passes none (or ``None``, or an empty literal), merged with the
literal it passes so that the user's own keys win (``{**carrier, "baggage": user_value}``; header
pairs listed first), merged with the headers a Celery signature already holds
(``headers={**carrier, **(sig.options.get("headers") or {})}``: passing ``headers=`` alone would
replace them). ``inject`` is the file's own import of ``opentelemetry.propagate.inject`` (an
alias counts) or is imported once, under another name when ``inject`` means something else in
the file. The variable is ``carrier``, or another name when the function (the module, at top
level) already uses it.

No fix (the suggestion still shows the code) when the change is not mechanical: a carrier that is
a variable or an expression, a carrier kind without a template (Celery ``delay()``, message
objects, batches), a publish inside a lambda or a comprehension, a line with several statements,
a publish in a compound statement's header other than ``with`` (``if``/``elif``/``while``), in a
class body, a call without arguments, or a literal carrier holding comments; and when the call
sets the trace context itself (a literal with ``traceparent`` or another trace header, even
``None``: an explicit opt-out is left alone), or a Celery signature that is not a plain name.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from .catalog.fix_templates import CARRIER_NAMES, PUBLISH_CARRIER_STATEMENTS, PUBLISH_FIXES, TRACING_NAMES
from .findings import Fix
from .flow import const_str
from .publishing import CONTEXT_KEY
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
    if site.scope.kind == "class" or not site.node.args or not statement_ok(site.statement, site.node, ctx):
        return None
    if carrier is not None and not any(carrier is a.value for a in site.node.args):
        return None  # the carrier is an entry of a `**mapping` built elsewhere: no mechanical edit
    if _names_context_key(ps, carrier):
        return None  # the call sets (or clears) the trace context itself: its choice is left alone
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
    # safe only when no new dependency comes in: each import it adds is of a package the file imports
    new_packages = False
    for placeholder, qname in (("inject", _QNAMES["inject"]),) + tpl.names:
        got = imported_name(ctx, site.scope, qname)
        if got is None:
            return None
        names[placeholder], edit = got
        edits.append(edit)
        new_packages = new_packages or (edit is not None and not ctx.model.imports_any((qname.split(".")[0],)))
    indent = statement_indent(ctx, site.statement)
    lines = [line.format(**names) for line in PUBLISH_CARRIER_STATEMENTS]
    edits.append(insert_before(ctx, site.statement, "".join(f"{line}\n{indent}" for line in lines)))
    value = tpl.value.format(**names)
    receiver_merge = next((t for kind, t in tpl.receiver_merge if kind == pub.receiver), None)
    if carrier is None and tpl.receiver_merge and (receiver_merge is not None or ps.confidence != "resolved"):
        receiver = _plain_receiver(site.node)
        if receiver_merge is None or receiver is None:
            return None  # the receiver may hold a carrier that cannot be merged without evaluating it twice
        value = receiver_merge.format(receiver=ctx.code_for(receiver), **names)
    if carrier is None:
        arg = f"**{name}" if tpl.spread else f"{pub.carrier.name}={value}"
        edits.append(insert_after(ctx, site.node.args[-1], f", {arg}"))
        what = f"pass `{arg}`" if tpl.spread else f"pass `{pub.carrier.name}=`"
        if receiver_merge is not None:
            what += f" merged with the `{pub.carrier.name}` `{ctx.code_for(site.node.func.value)}` holds"
    elif merge is None:
        edits.append(replace_node(ctx, carrier, value))
        what = f"pass it as `{pub.carrier.name}`"
    else:
        items = _items(carrier, ctx)
        if items is None:
            return None
        edits.append(replace_node(ctx, carrier, merge.format(items=items, **names)))
        what = f"merge it into `{pub.carrier.name}`"
    # Safe: the call passed no carrier (or an empty one), so nothing of the user's is rewritten or
    # merged; the new statements run right before a simple statement; no new package is imported.
    safe = (carrier is None or _is_empty(carrier)) and receiver_merge is None and not new_packages \
        and isinstance(site.statement, cst.SimpleStatementLine)
    return make_fix("safe" if safe else "unsafe", f"Inject the trace context into `{name}` and {what}",
                    join_insertions(edits), ctx)


def statement_ok(statement, call: cst.Call, ctx=None) -> bool:
    """New statements can go right before ``statement`` and still run just before ``call``."""
    if isinstance(statement, cst.SimpleStatementLine):
        if len(statement.body) != 1:
            return False  # `a(); producer.send(...)`
    elif not isinstance(statement, cst.With):
        return False
    return id(call) in _plain_calls(statement, ctx)


_DEFERRED = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class _PlainCalls(cst.CSTVisitor):
    """The calls of a statement that run with it: not inside a lambda or a comprehension."""

    def __init__(self) -> None:
        self.calls: set = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _DEFERRED):
            return False
        if isinstance(node, cst.Call):
            self.calls.add(id(node))
        return True


def _plain_calls(statement: cst.CSTNode, ctx=None) -> set:
    """:class:`_PlainCalls` of ``statement``, found once per statement (a statement holding a
    thousand publishes is walked once, not once per publish)."""
    memo = ctx.shared.setdefault("plain_calls", {}) if ctx is not None else {}
    found = memo.get(id(statement))
    if found is None:
        visitor = _PlainCalls()
        for part in statement.items if isinstance(statement, cst.With) else (statement,):
            part.visit(visitor)
        found = memo[id(statement)] = visitor.calls
    return found


def _names_context_key(ps, carrier: Optional[cst.BaseExpression]) -> bool:
    """The call's carrier sets the trace context itself: a literal with a key that carries the
    trace (``{"traceparent": None}``, ``[("uber-trace-id", b"")]``: baggage and tracestate
    alone are merged, the user's value winning), or a ``**attrs`` carrier given any trace-context
    keyword (Pub/Sub ``baggage=...``, which an added ``**carrier`` would pass twice)."""
    if carrier is None:
        if not ps.publisher.carrier.kwargs:
            return False
        return any(a.keyword is not None and CONTEXT_KEY.match(a.keyword.value) for a in ps.site.node.args)
    if isinstance(carrier, cst.Dict):
        names = [const_str(el.key) for el in carrier.elements if isinstance(el, cst.DictElement)]
    elif isinstance(carrier, (cst.List, cst.Tuple)):
        names = [const_str(el.value.elements[0].value) for el in carrier.elements
                 if isinstance(el.value, cst.Tuple) and len(el.value.elements) == 2]
    else:
        names = []
    return any(name is not None and CONTEXT_KEY.match(name) and name.lower() not in _MERGED_KEYS for name in names)


_MERGED_KEYS = ("baggage", "tracestate")


def _plain_receiver(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The receiver of ``x.method(...)`` when it is a name or a chain of attributes (``sig``,
    ``self.sig``): code that can be read twice."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    node = func.value
    while isinstance(node, cst.Attribute):
        node = node.value
    return func.value if isinstance(node, cst.Name) else None


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
