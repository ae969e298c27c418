"""``--output-format github``: GitHub Actions workflow commands, which annotate the pull request.

::

    ::error file=app/pub.py,line=12,col=5,endLine=12,endColumn=30,title=CTX101 publish-without-inject::CTX101 Message ...%0Ahelp: ...%0A--> app/pub.py:9:5: span ...

The suggestion (``help:``) and the evidence (``-->`` lines) follow the message on new lines, as in
the text output, so the annotation on the pull request explains itself.

Escaping follows the Actions toolkit (``@actions/core`` ``command.ts``): in the message ``%``,
``\\r`` and ``\\n`` become ``%25``, ``%0D`` and ``%0A``; property values additionally escape ``:``
and ``,`` (``%3A``, ``%2C``), which would otherwise end the value. Before that, names and
messages from the checked tree are made printable (:mod:`.escape`): the Actions log is a
terminal that acts on escape sequences, and a newline in a file name is no line break of ours.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from ..findings import Finding
from ..rule import Rule
from .escape import printable, printable_lines

# Finding severity -> workflow command.
COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_finding(f: Finding) -> str:
    loc = f.location
    props = [
        ("file", printable(loc.path)),
        ("line", str(loc.line)),
        ("col", str(loc.column)),
        ("endLine", str(loc.end_line)),
        ("endColumn", str(loc.end_column)),
        ("title", f"{f.code} {f.name}"),
    ]
    command = COMMANDS.get(f.severity, "error")
    props_text = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    # the evidence as in the text output, on the annotation's following lines
    lines = [f"{f.code} {printable(f.message)}"]
    if f.suggestion:
        lines.append("help: " + printable_lines(f.suggestion.rstrip("\n")))
    for rel in f.related:
        r = rel.location
        lines.append(f"--> {printable(r.path)}:{r.line}:{r.column}: {printable(rel.message)}")
    return f"::{command} {props_text}::{escape_data(chr(10).join(lines))}"


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str]) -> None:
    for f in findings:
        stream.write(format_finding(f) + "\n")
