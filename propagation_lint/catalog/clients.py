"""Every supported client, generated from the catalog: where its carrier lives on each side and
which instrumentations really propagate it.

``propagation-lint rules`` prints :func:`client_lines`; the README's "Supported clients" table is
:func:`markdown_table` (``tests/test_clients_table.py`` keeps the two in step with the rows).
"""
from __future__ import annotations

from typing import Dict, List, Tuple

from . import consumers, instrumentors, publishers, threads

# Where a task-like consumer finds the carrier (one message per call, no message object in hand),
# by the carrier kind of its ``TaskEntry`` row.
TASK_CARRIERS = {
    "celery-task": "`self.request` (the message headers)",
    "dramatiq-actor": "`message.options` (a middleware's `before_process_message`)",
    "rq-job": "`get_current_job().meta`",
    "faust-event": "`stream.current_event.headers`",
    "faststream-message": "`message.headers` (the handler's `message` parameter)",
    "taskiq-labels": "`context.message.labels`",
    "huey-task": "the task's arguments (no headers)",
}
# AWS Lambda handlers: the carrier of each event source's records.
LAMBDA_CARRIERS = {
    "lambda-sqs": '`record["messageAttributes"]` (SQS)',
    "lambda-sns": '`record["Sns"]["MessageAttributes"]` (SNS)',
    "lambda-kinesis": '`record["kinesis"]["data"]` (Kinesis: in the payload)',
    "lambda-msk": '`record["headers"]` (MSK)',
    "lambda-eventbridge": '`event["detail"]` (EventBridge: in the payload)',
    "powertools-sqs": "`record.message_attributes` (Powertools `process_partial_response`)",
}
HANDOFF_CLIENTS = {threads.DASK_CLIENT: "dask.distributed"}


def _publish_cells() -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}
    for row in publishers.PUBLISHERS:
        c = row.carrier
        owner = (row.receiver or row.function).rsplit(".", 1)[-1]
        call = f"{owner}.{row.method}" if row.receiver and owner[:1].isupper() else row.method
        if row.carrier_kind == "celery-delay":
            cell = f"`{call}`: none (its keywords go to the task; use `apply_async(headers=)`)"
        elif c is None:
            cell = f"`{call}`: in the payload (no headers)"
        elif c.kwargs:
            cell = f"`{call}`: `**{c.name}`"
        else:
            cell = f"`{call}`: `{c.name}`" + (f" (#{c.position})" if c.position is not None else "")
        cells = out.setdefault(row.library, [])
        if cell not in cells:
            cells.append(cell)
    for row in threads.HANDOFFS:
        library = HANDOFF_CLIENTS.get(row.receiver)
        if library:
            cell = f"`Client.{row.method}`: another process (pass a carrier argument)"
            cells = out.setdefault(library, [])
            if cell not in cells:
                cells.append(cell)
    return out


def _consume_cells() -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}

    def add(library: str, cell: str) -> None:
        cells = out.setdefault(library, [])
        if cell and cell not in cells:
            cells.append(cell)

    for shape in consumers.SHAPES:
        if shape.kind == "message" and shape.carrier and shape.carrier != "{m}":
            add(shape.library, f"`{shape.carrier.format(m='msg')}`")
    for entry in consumers.TASK_ENTRIES:
        add(entry.library, TASK_CARRIERS.get(entry.carrier_kind, ""))
    for source in consumers.LAMBDA_SOURCES + (consumers.LAMBDA_MSK, consumers.LAMBDA_EVENTBRIDGE):
        add("aws-lambda", LAMBDA_CARRIERS.get(source.carrier_kind, ""))
    for shape in consumers.SHAPES:
        if shape.library == "aws-lambda" and shape.carrier_kind in LAMBDA_CARRIERS:
            add("aws-lambda", LAMBDA_CARRIERS[shape.carrier_kind])
    for library in HANDOFF_CLIENTS.values():
        add(library, "the task's arguments")
    return out


def _instrumentation_cells() -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}
    per_client = {switch.instrumentor for switch in instrumentors.CLIENT_SWITCHES}
    for inst in instrumentors.INSTRUMENTORS:
        if inst.system == "project":
            continue
        last = inst.qname.rsplit(".", 1)[-1]
        suffix = ""
        if inst.system == "ddtrace":
            name = f"ddtrace `{last}`"
            suffix = "" if inst.default_in_launcher else "; off by default"
        elif inst.system == "sentry":
            name = f"Sentry `{last}` (with tracing on" + (f", {inst.requires[0]})" if inst.requires else ")")
        elif inst.system == "logfire":
            name = "Logfire `logfire.configure()`"
        elif inst.system == "newrelic":
            name = "New Relic agent" + (f" ({inst.requires[0]})" if inst.requires else "")
        elif inst.system == "native":
            # the library's own switch: a middleware class, or a setting (`settings.tracing_implementation`)
            name = f"`{inst.qname.rsplit('.', 2)[-2]}.{last}`" if last[:1].islower() else f"`{last}`"
            if inst.qname in per_client:
                suffix = "; only the client built with it"
        else:
            name = f"`{last}`"
        for library in inst.libraries:
            covered = []
            for key in inst.covers:
                lib, _, what = key.partition(":")
                if lib == library:
                    what = what.split("@", 1)[0]
                    if what not in covered:
                        covered.append(what)
            if covered:
                cell = f"{name} ({', '.join(covered)}{suffix})"
            else:
                cell = f"{name} (does not propagate by default)"
            cells = out.setdefault(library, [])
            if cell not in cells:
                cells.append(cell)
    return out


def client_rows() -> List[Tuple[str, str, str, str]]:
    """``(client, publish carriers, consume carriers, instrumentations)`` for every client library
    the catalog describes, sorted by name."""
    publish, consume, inst = _publish_cells(), _consume_cells(), _instrumentation_cells()
    libraries = sorted((set(publish) | set(consume)) - {"user"})
    return [(lib, "; ".join(publish.get(lib, ())) or "—", "; ".join(consume.get(lib, ())) or "—",
             "; ".join(inst.get(lib, ())) or "none")
            for lib in libraries]


def markdown_table() -> str:
    lines = ["| client | publish: where the carrier goes | consume: where the carrier is | instrumentations that propagate it |",
             "|---|---|---|---|"]
    for row in client_rows():
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines) + "\n"


def client_lines() -> List[str]:
    """One line per client for ``propagation-lint rules``."""
    rows = client_rows()
    width = max(len(r[0]) for r in rows)
    return [f"{lib:<{width + 2}}instrumented by: {inst.replace('`', '')}" for lib, _pub, _con, inst in rows]
