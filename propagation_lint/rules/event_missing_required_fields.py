"""CTX404 event-missing-required-fields: a published event lacks a field the project requires."""
from __future__ import annotations

import difflib

from ..catalog.conventions import field_role
from ..publishing import payload_expr, publish_sites
from ..rule import Rule
from ._conventions import PUBLISH_WORDS, event_dict, setting

# What the suggestion proposes for a required field, by the role its name plays.
_VALUE_BY_ROLE = {
    "trace": "format_trace_id(trace.get_current_span().get_span_context().trace_id)",
    "span": "format_span_id(trace.get_current_span().get_span_context().span_id)",
    "event": "str(uuid.uuid4())",
    "correlation": "<the incoming message's correlation id, or a new uuid at the start of a workflow>",
}


class EventMissingRequiredFields(Rule):
    code = "CTX404"
    name = "event-missing-required-fields"
    message = "published event lacks a required field"
    severity = "warning"
    # On, but inert until `required-event-fields` is configured: the fields are the project's choice.
    default_enabled = True
    trigger_words = PUBLISH_WORDS

    what_it_does = """
        With `required-event-fields` configured, checks every publish call whose payload is a
        dict literal (passed directly, serialised with `json.dumps(...)` (and `.encode()`), or
        built in a variable of the same function, including keys stored later with
        `event["k"] = v` or `event.update(k=v)`) and reports the fields it lacks.

        A field name matches a key at any depth of the literal (an envelope such as
        `{"metadata": {"traceId": ...}}` counts); a dotted name (`metadata.traceId`) must match
        that exact path. Names are compared exactly: `trace_id` does not satisfy `traceId`
        (the finding points out the near miss), because consumers look fields up by their
        exact spelling.
        """
    why_bad = """
        Events outlive the request that produced them: they are replayed, archived, consumed by
        teams you never meet. The fields that let an operator follow a workflow through them
        (trace id, event id, correlation id, the producing service...) only help if every event
        carries them. A project that declares them once gets every publish checked.

        The rule stays silent when it cannot see the whole event: a payload built elsewhere, a
        `**spread` in the literal, or a dict handed to a helper before publishing (the helper
        may add the fields).
        """
    example = """
        ```toml
        [tool.propagation-lint.conventions]
        required-event-fields = ["eventId", "correlationId"]
        ```

        ```python
        producer.send("orders", value=json.dumps({"orderId": order.id}).encode())
        ```
        """
    use_instead = """
        ```python
        event = {
            "eventId": str(uuid.uuid4()),
            "correlationId": incoming["correlationId"],
            "orderId": order.id,
        }
        producer.send("orders", value=json.dumps(event).encode())
        ```
        """
    fix_safety = """
        No automatic fix: the values of the missing fields are business decisions.
        """
    options = """
        - `required-event-fields = ["traceId", "eventId", "correlationId", ...]` in
          `[tool.propagation-lint.conventions]`: the fields every published event must carry.
          Without it the rule reports nothing. A `[[per-file]]` table may set it per path.
        """

    def check(self, model, ctx):
        required = setting(ctx, "required-event-fields", ())
        if not required:
            return
        for ps in publish_sites(model, ctx):
            payload = payload_expr(ps)
            event = event_dict(payload, ps.site, ctx)
            if event is None or not event.complete:
                continue
            missing = [f for f in required if not event.has(f)]
            if not missing:
                continue
            keys = event.keys()
            notes = []
            for name in missing:
                close = difflib.get_close_matches(name, keys, n=1, cutoff=0.7) or [
                    k for k in keys if _same_spelling(k, name)
                ]
                if close:
                    notes.append(f"`{close[0]}` is not `{name}`")
            listed = ", ".join(f"`{m}`" for m in missing)
            plural = "s" if len(missing) > 1 else ""
            message = f"published event lacks required field{plural} {listed}"
            if notes:
                message += " (" + "; ".join(notes) + ")"
            lines = [f'"{m}": {_VALUE_BY_ROLE.get(field_role(m.split(".")[-1]), "...")},' for m in missing]
            suggestion = "add to the event:\n    " + "\n    ".join(lines)
            related = []
            if event.node is not payload:
                related.append(ctx.related(event.node, "the event is built here"))
            yield ctx.candidate(
                self, ps.site.node, scope=ps.site.scope, target=f"{ps.publisher.library}:{ps.publisher.method}",
                message=message, suggestion=suggestion, related=related, confidence=ps.confidence,
                statement=ps.site.statement,
            )


def _same_spelling(key: str, name: str) -> bool:
    norm = lambda s: "".join(c for c in s.lower() if c.isalnum())  # noqa: E731
    return norm(key) == norm(name)
