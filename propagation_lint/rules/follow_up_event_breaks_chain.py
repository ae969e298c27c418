"""CTX103 follow-up-event-breaks-chain: a handler re-publishes without the incoming message's context (M9)."""
from __future__ import annotations

import re

import libcst as cst

from ..catalog.suggestions import consume_suggestion
from ..consuming import (
    FUNCTION_KINDS, connection, derived_names, extract_calls, function_of, handler_at, handlers, is_attach,
    _names_in,
)
from ..publishing import carrier_expr, publish_sites
from ..model import dotted
from ..rule import Rule
from .consumer_starts_unlinked_trace import CONSUMER_WORDS


class FollowUpEventBreaksChain(Rule):
    code = "CTX103"
    name = "follow-up-event-breaks-chain"
    message = "a follow-up event is published while handling a message whose context was never extracted"
    trigger_words = CONSUMER_WORDS

    what_it_does = """
        Reports a publish made while handling a received message (a consume loop, a consumer
        callback, a task, a Lambda handler) when the handler never extracted the incoming message's
        trace context before it: no `extract(...)`, no `context.attach(...)`, no span parented or
        linked to the message, no auto-instrumentation that makes the message's context current,
        and the outgoing carrier is not the incoming one passed on.

        Only where the message can carry a context: when the handler consumes topics or queues
        named by literals and every publish of the project to them sends none (no injected carrier,
        no instrumentation that covers it where it runs), nothing is dropped and nothing is reported.
        A producer outside the project may send one: reported.
        """
    why_bad = """
        The follow-up event's carrier is injected from the *current* context, which is unrelated to
        the message being handled (or empty): the causal chain producer -> consumer -> next consumer
        is cut at this service, even though every publish "injects".
        """
    example = """
        ```python
        for record in consumer:
            carrier = {}
            inject(carrier)
            producer.send("shipments", record.value, headers=[(k, v.encode()) for k, v in carrier.items()])
        ```
        """
    use_instead = """
        ```python
        for record in consumer:
            ctx = extract({k: v.decode() for k, v in record.headers or []})
            with tracer.start_as_current_span("ship-order", context=ctx):
                carrier = {}
                inject(carrier)
                producer.send("shipments", record.value, headers=[(k, v.encode()) for k, v in carrier.items()])
        ```
        """
    fix_safety = "No automatic fix."

    def check(self, model, ctx):
        sites = publish_sites(model, ctx)
        if not sites:
            return
        all_handlers = handlers(model, ctx)
        local = {id(h.scope) for h in all_handlers if h.kind in FUNCTION_KINDS}
        for ps in sites:
            site = ps.site
            extra = tuple(getattr(ps, "requires", ()) or ())
            h = handler_at(site, model, ctx)
            if h is None:
                fn = function_of(site)
                if fn is None or id(fn) in local or fn is not site.scope:
                    continue
                conds = _unconnected_before(fn, site, ctx)
                if conds is None:
                    continue
                yield ctx.candidate(
                    self, site.node, scope=fn, target="registered-handler", statement=site.statement,
                    message=(f"`{ps.callee_text}()` publishes a follow-up event from `{fn.name}()`, a message handler "
                             f"registered elsewhere that never extracts the incoming message's context: the chain "
                             f"breaks here"),
                    suggestion=_suggestion("dict", "message"),
                    confidence=ps.confidence, requires=(("handler", fn.qname), ("uses-tracing",)) + extra, unless=conds,
                )
                continue
            if h.batch and not h.message:
                continue  # which message's context? CTX302 covers the batch span
            derived = derived_names(h, ctx)
            carrier = carrier_expr(ps)
            if carrier is not None and _names_in(carrier) & derived:
                continue  # the incoming carrier is passed on
            if any(_CONTEXT_NAME.search(n) for n in _names_in(site.node) & derived) or _forwards_received(site, derived, ctx):
                continue  # a context received with the message is forwarded in the payload (`telemetry_context.to_dict()`)
            if carrier is None and h.message and any(
                    isinstance(a.value, cst.Name) and a.value.value == h.message for a in site.node.args):
                continue  # the received message object itself goes on, with whatever context it carries
            if any(h.contains(e.site) and e.site.order < site.order for e in extract_calls(h.scope, ctx)):
                continue
            conditions = ()
            connected = False
            for other in h.calls():
                if other.order >= site.order:
                    break
                if is_attach(other.node, h.scope, ctx):
                    connected = True
                    break
            span = h.first_span(ctx)
            if not connected and span is not None and (span.decorator or span.order < site.order):
                conn = connection(h, span, ctx)
                connected = conn.connected
                conditions = tuple(conn.conditions)
            elif not connected:
                from ..consuming import Connection, _helper_condition

                conn = Connection()
                for other in h.calls():
                    if other.order < site.order:
                        _helper_condition(other, h, derived, ctx, conn)
                connected = conn.unknown
                conditions = tuple(conn.conditions)
            if connected:
                continue
            carries = _message_carries(h, ctx)
            what = f"{h.library} message `{h.message}`" if h.message else f"a {h.library} message"
            yield ctx.candidate(
                self, site.node, scope=site.scope, target=f"{h.library}:{ps.publisher.library}",
                message=(f"`{ps.callee_text}()` publishes a follow-up event while handling {what}, "
                         f"whose trace context was never extracted: the outgoing carrier gets an unrelated (or empty) "
                         f"context and the causal chain breaks here"),
                suggestion=_suggestion(h.carrier_kind, h.message),
                related=[ctx.related(h.anchor, f"the {h.library} message is received here")],
                confidence="heuristic" if "heuristic" in (h.confidence, ps.confidence) else "resolved",
                requires=h.requires + (("uses-tracing",),) + extra + carries,
                unless=conditions + (h.instrumented,), statement=site.statement,
            )


def _message_carries(h, ctx) -> tuple:
    """The condition that the handled message can carry a context at all, where the handler
    consumes destinations named by literals (a task's producers are judged by the context model)."""
    from ..topology import _consume_destinations

    if h.kind == "task":
        return ()
    dests = _consume_destinations(h, ctx)
    names = []
    for parts in dests:
        if not parts or any(kind != "lit" for kind, _text in parts):
            return ()
        names.append("".join(text for _kind, text in parts))
    if not names or not all(names):
        return ()
    return (("message-carries", tuple(sorted(names))),)


def _forwards_received(site, derived, ctx) -> bool:
    """``kwargs={**self.request.kwargs, ...}`` (a bound Celery task re-sending what it received) or
    ``**kwargs`` of the handler: every received argument, a context among them, goes on."""
    import libcst as cst

    class _Spreads(cst.CSTVisitor):
        found = False

        def visit_DictElement(self, node) -> None:  # pragma: no cover - only StarredDictElement counts
            return None

        def visit_StarredDictElement(self, node) -> None:
            self.found = self.found or _received(node.value)

        def visit_Arg(self, node) -> None:
            if node.star == "**":
                self.found = self.found or _received(node.value)

    def _received(value) -> bool:
        if isinstance(value, cst.Name):
            if value.value in derived:
                return True
            _owner, bindings = ctx.resolver.lookup(value.value, site.scope)  # request_kwargs = self.request.kwargs
            return any(b.kind == "assign" and b.node is not None and (dotted(b.node) or "").endswith("request.kwargs")
                       for b in bindings)
        return (dotted(value) or "").endswith("request.kwargs")

    visitor = _Spreads()
    site.node.visit(visitor)
    return visitor.found


_CONTEXT_NAME = re.compile(r"(?i)context|trace|telemetry|carrier|baggage|span_?ctx|traceparent")


def _unconnected_before(fn, site, ctx):
    """For a function that may be a handler registered elsewhere: the conditions under which it
    is connected before ``site``, or None when it visibly is (or cannot be judged)."""
    from ..consuming import Connection, Handler, _helper_condition, _opaque_decorators, span_starts

    params = [p for p in fn.params if p.name.value not in ("self", "cls")]
    if not params or extract_calls(fn, ctx) or _opaque_decorators(fn, ctx):
        return None
    h = Handler("configured", "", "", fn, "", "dict", fn.node)
    derived = derived_names(h, ctx)
    conn = Connection()
    for other in fn.calls:
        if other.order >= site.order:
            break
        if is_attach(other.node, fn, ctx):
            return None
        _helper_condition(other, h, derived, ctx, conn)
    for span in span_starts(fn, ctx):
        if span.decorator or span.order < site.order:
            if span.parent is not None or span.links is not None or span.references is not None:
                return None
    if conn.unknown:
        return None
    return tuple(conn.conditions)


def _suggestion(kind: str, message: str) -> str:
    return ("extract the incoming context and publish inside a span parented (or linked) to it, so inject()\n"
            "writes the message's trace into the follow-up event:\n" + consume_suggestion(kind, message, "handle", "parent"))
