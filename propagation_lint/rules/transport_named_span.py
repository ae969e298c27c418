"""CTX403 transport-named-span: a span in a message handler named only for the transport or a
generic verb."""
from __future__ import annotations

import re

import libcst as cst

from ..catalog.conventions import GENERIC_SPAN_NAMES, GENERIC_SPAN_PATTERN, NON_BUSINESS_WORDS
from ..patterns import compile_regex
from ..rule import Rule
from ._conventions import const_str, setting, span_name_arg
from ._handlers import message_handling, span_starts

_WORD = re.compile(r"[A-Za-z][a-z0-9]*|[A-Z]+(?![a-z])")


class TransportNamedSpan(Rule):
    code = "CTX403"
    name = "transport-named-span"
    message = "span in a message handler is named for the transport, not the business step"
    severity = "warning"
    # Off by default: span naming is a team convention, and some teams keep a transport-named
    # span on purpose and name the business step one level down.
    default_enabled = False
    trigger_words = ("start_as_current_span", "start_span", "trace", "wrap")

    what_it_does = """
        Reports spans started in a message handler (as the consumer rules detect them) whose
        literal name says only which transport or generic verb is involved: `process`,
        `consume`, `handle`, `message`, `receive`, `kafka.consume`, `sqs receive`,
        `handle_message`... The suggestion proposes a business-step name derived from the
        handler (`reserve-inventory` for `def reserve_inventory(msg)`), or from the first
        project function the handler calls.

        Names built at run time (f-strings, variables) are not checked, nor is
        `{operation} {destination}` (`process orders`): the destination says something.
        """
    why_bad = """
        A trace search for "where did payment authorisation fail" cannot tell one `process`
        span from another: every consumer of every queue looks the same. The transport is
        already recorded by `messaging.system` and the instrumentation's own spans; the name is
        the one place that says what the work was for.
        """
    example = """
        ```python
        def on_message(ch, method, properties, body):
            with tracer.start_as_current_span("rabbitmq.consume", context=extract(properties.headers or {})):
                reserve_inventory(json.loads(body))
        ```
        """
    use_instead = """
        ```python
        def on_message(ch, method, properties, body):
            with tracer.start_as_current_span("reserve-inventory", context=extract(properties.headers or {})):
                reserve_inventory(json.loads(body))
        ```
        """
    fix_safety = """
        No automatic fix: renaming a span changes dashboards and alerts that query it.
        """
    options = """
        - `generic-span-names = ["process", "consume", ...]` in `[tool.propagation-lint.conventions]`:
          the exact names (case-insensitive) that count as generic.
        - `generic-span-pattern = "(?i)(kafka|sqs)[._ ]?(consume|receive)"`: a regular
          expression a whole name must match to count as generic. It is matched by RE2, in time
          linear in the name: no backreferences or lookaround (a configuration error).

        Setting either one replaces the built-in definition (a list of verbs, and a pattern of
        transport and verb words such as `kafka.consume`, `sqs receive`, `consume message`).
        """

    def check(self, model, ctx):
        names = setting(ctx, "generic-span-names", None)
        pattern = setting(ctx, "generic-span-pattern", None)
        if names is None and pattern is None:
            names, pattern = GENERIC_SPAN_NAMES, GENERIC_SPAN_PATTERN
        exact = {n.lower() for n in (names or ())}
        regex = compile_regex(pattern) if pattern else None  # RE2: linear in the name, whatever the pattern
        handling = message_handling(model, ctx)
        seen = set()
        for h in handling.handlers:
            for span in span_starts(h.scope, ctx):
                name = span.name or _decorator_span_name(span)
                if id(span.node) in seen or not name:
                    continue
                if span.decorator:
                    if handling.whole_function(h.scope) is None:
                        continue
                elif span.site is None or not h.contains(span.site):
                    continue
                seen.add(id(span.node))
                if not (name.lower() in exact or (regex is not None and regex.fullmatch(name))):
                    continue
                step = _business_step(h, exact, regex, ctx)
                suggestion = (f'name the span for the business step, e.g. "{step}"' if step else
                              'name the span for the business step, e.g. "reserve-inventory" or "authorize-payment"')
                yield ctx.candidate(
                    self, span.node, scope=h.scope, target=name,
                    message=f"span `{name}` in a message handler is named for the transport or a generic "
                            "verb, not the business step",
                    suggestion=suggestion, confidence=h.confidence, requires=tuple(h.requires),
                )


def _business_step(h, exact, regex, ctx) -> str:
    """A name for the step: the handler's own name, else the first project function it calls."""
    candidates = [h.scope.name]
    for site in h.calls():
        q = ctx.resolver.callee_name(site.node, h.scope)
        if q and q in ctx.model.scopes and ctx.model.scopes[q].kind == "function":
            candidates.append(q.rsplit(".", 1)[-1])
    for name in candidates:
        step = "-".join(w.lower() for w in _WORD.findall(name))
        if not step or step.lower() in exact or (regex is not None and regex.fullmatch(step)):
            continue
        words = step.split("-")
        if len(words) < 2 or any(w in NON_BUSINESS_WORDS for w in words):
            continue
        return step
    return ""


def _decorator_span_name(span) -> str:
    if span.decorator and isinstance(span.node, cst.Call):
        return const_str(span_name_arg(span.node)) or ""
    return ""
