"""``--output-format rdjson``: reviewdog's Diagnostic Format (rdjson), as ruff's ``rdjson``
emitter writes it: ``source``, ``severity`` and one diagnostic a finding with its ``code``
(``value`` and the rule page's ``url``), its range, and its fix as ``suggestions`` so that
reviewdog can propose the change on the pull request. Lines and columns are 1-based, as
reviewdog's schema says.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import IO, Any

from ..findings import Finding
from ..rule import Rule
from ..ruledocs import REPOSITORY_URL, rule_url

SEVERITIES = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}


def _range(line: int, column: int, end_line: int, end_column: int) -> dict[str, Any]:
    return {"start": {"line": line, "column": column},
            "end": {"line": max(end_line, line), "column": end_column or column}}


def diagnostic(f: Finding) -> dict[str, Any]:
    loc = f.location
    out: dict[str, Any] = {
        "message": f.message,
        "location": {"path": loc.path, "range": _range(loc.line, loc.column, loc.end_line, loc.end_column)},
        "severity": SEVERITIES.get(f.severity, "ERROR"),
        "code": {"value": f.code, "url": rule_url(f.code)},
    }
    if f.fix is not None and f.fix.edits:
        out["suggestions"] = [{"range": _range(e.line, e.column, e.end_line, e.end_column), "text": e.content}
                              for e in f.fix.edits]
    return out


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str]) -> None:
    log = {
        "source": {"name": "propagation-lint", "url": REPOSITORY_URL},
        "severity": "WARNING",
        "diagnostics": [diagnostic(f) for f in findings],
    }
    stream.write(json.dumps(log, indent=2) + "\n")
