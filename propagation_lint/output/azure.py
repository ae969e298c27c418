"""``--output-format azure``: Azure Pipelines logging commands, one a finding, which annotate the
build (ruff's ``azure``)::

    ##vso[task.logissue type=error;sourcepath=app/pub.py;linenumber=12;columnnumber=5;code=CTX101;]message

Escaping follows the agent (``azure-pipelines-task-lib`` ``taskcommand``): ``%`` becomes
``%AZP25``, ``\\r``/``\\n`` ``%0D``/``%0A`` everywhere; property values also escape ``;`` and ``]``
(``%3B``, ``%5D``), which would end them. Text from the checked tree is made printable first.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from ..findings import Finding
from ..rule import Rule
from .escape import printable

TYPES = {"error": "error", "warning": "warning", "note": "warning"}
_DATA = {"%": "%AZP25", "\r": "%0D", "\n": "%0A"}
_DATA_TABLE = str.maketrans(_DATA)
_PROPERTY_TABLE = str.maketrans({**_DATA, ";": "%3B", "]": "%5D"})


def format_finding(f: Finding) -> str:
    loc = f.location
    path = printable(loc.path).translate(_PROPERTY_TABLE)
    kind = TYPES.get(f.severity, "error")
    return (f"##vso[task.logissue type={kind};sourcepath={path};linenumber={loc.line};"
            f"columnnumber={loc.column};code={f.code};]{printable(f.message).translate(_DATA_TABLE)}")


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str]) -> None:
    for f in findings:
        stream.write(format_finding(f) + "\n")
