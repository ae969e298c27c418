"""``--output-format json``: a JSON array with one object per finding (with ``--statistics``:
one object per rule, ``code``, ``name``, ``count``, ``fixable``, as ruff's).

A finding shared its reason with others carries ``cause`` (``id``, ``subject``, ``text``, ``fix``,
``evidence``): group by ``cause.id`` to count them, as the text output's root causes do.

:func:`finding_to_dict` / :func:`finding_from_dict` are the one serialisation of a finding;
the cache and other outputs reuse them. Key order is fixed (the order written below).
"""
from __future__ import annotations

import json as _json
from collections.abc import Sequence
from typing import IO, Any

from ..findings import Cause, Edit, Finding, Fix, Location, Related
from ..rule import Rule
from ..ruledocs import rule_url


def _span(loc: Any) -> dict[str, int]:
    return {
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
    }


def fix_to_dict(fix: Fix) -> dict[str, Any]:
    return {
        "applicability": fix.applicability,
        "title": fix.title,
        "edits": [dict(_span(e), content=e.content) for e in fix.edits],
    }


def related_to_dict(rel: Related) -> dict[str, Any]:
    out: dict[str, Any] = {"path": rel.location.path}
    out.update(_span(rel.location))
    out["message"] = rel.message
    return out


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """A finding as plain JSON data, keys in a fixed order."""
    out: dict[str, Any] = {
        "code": f.code,
        "name": f.name,
        "message": f.message,
        "path": f.location.path,
    }
    out.update(_span(f.location))
    out.update(
        {
            "severity": f.severity,
            "confidence": f.confidence_level(),
            "resolution": f.confidence,
            "suggestion": f.suggestion,
            "fingerprint": f.fingerprint,
            "fix": fix_to_dict(f.fix) if f.fix is not None else None,
            "related": [related_to_dict(r) for r in f.related],
        }
    )
    if f.context:
        out["context"] = f.context
    if f.cause is not None:
        out["cause"] = cause_to_dict(f.cause)
    return out


def cause_to_dict(c: Cause) -> dict[str, Any]:
    evidence = None
    if c.evidence is not None:
        evidence = {"path": c.evidence.path}
        evidence.update(_span(c.evidence))
    return {"id": c.id, "subject": c.subject, "text": c.text, "fix": c.fix, "evidence": evidence}


def _cause(d: Any) -> Cause | None:
    if not d:
        return None
    return Cause(d["id"], d["subject"], d["text"], d["fix"], _location(d["evidence"]) if d.get("evidence") else None)


def _location(d: dict[str, Any]) -> Location:
    return Location(d["path"], d["line"], d["column"], d["end_line"], d["end_column"])


def finding_from_dict(d: dict[str, Any]) -> Finding:
    """The inverse of :func:`finding_to_dict` (``finding_from_dict(finding_to_dict(f)) == f``)."""
    fix = None
    if d.get("fix") is not None:
        fd = d["fix"]
        fix = Fix(
            applicability=fd["applicability"],
            title=fd["title"],
            edits=tuple(
                Edit(e["line"], e["column"], e["end_line"], e["end_column"], e["content"]) for e in fd["edits"]
            ),
        )
    return Finding(
        code=d["code"],
        name=d["name"],
        message=d["message"],
        location=_location(d),
        severity=d.get("severity", "error"),
        suggestion=d.get("suggestion", ""),
        related=tuple(Related(_location(r), r["message"]) for r in d.get("related", ())),
        fix=fix,
        fingerprint=d.get("fingerprint", ""),
        confidence=d.get("resolution", "resolved"),
        context=d.get("context", ""),
        cause=_cause(d.get("cause")),
    )


def finding_json(f: Finding) -> dict[str, Any]:
    """:func:`finding_to_dict` with the ``url`` of the rule's documentation page after ``name``
    (as ruff's ``url``), for the JSON outputs."""
    out: dict[str, Any] = {}
    for key, value in finding_to_dict(f).items():
        out[key] = value
        if key == "name":
            out["url"] = rule_url(f.code)
    return out


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str]) -> None:
    if getattr(summary, "statistics", False):
        from .text import statistics_rows

        rows = statistics_rows(findings, rules, getattr(summary, "unsafe_fixes", False))
        stream.write(_json.dumps(rows, indent=2))
        stream.write("\n")
        return
    data: list[dict[str, Any]] = [finding_json(f) for f in findings]
    stream.write(_json.dumps(data, indent=2))
    stream.write("\n")
