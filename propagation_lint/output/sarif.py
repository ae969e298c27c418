"""``--output-format sarif``: SARIF 2.1.0 for GitHub code scanning and other viewers.

Choices, each against a pitfall seen in peers (``/work/shared/peers.md`` §4 item 7):

- URIs are relative to ``%SRCROOT%`` (ruff writes absolute ``file:///`` URIs, which GitHub
  cannot map to the repository), with forward slashes and percent-encoding (codeql-action#1553:
  an invalid URI fails the upload); ``run.originalUriBaseIds`` says where ``%SRCROOT%`` is.
- ``fixes`` have the shape the schema requires (``description`` is a message object,
  ``artifactChanges`` an array of ``{artifactLocation, replacements}``); semgrep-action#590 and
  gosec#1393 were uploads rejected for malformed fixes.
- A run without findings still has ``results: []`` (semgrep-action#378).
- Evidence goes in ``relatedLocations``; the evidence in the finding's own file and the finding
  itself, in source order, also make one ``codeFlows`` thread flow, so viewers can show the path.
- ``partialFingerprints["propagationLint/v1"]`` carries the meaning-based fingerprint, so GitHub
  keeps tracking an alert when code moves.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from ..findings import Edit, Finding, Location
from ..rule import Rule
from ..ruledocs import REPOSITORY_URL, rule_url

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "propagation-lint"
INFORMATION_URI = REPOSITORY_URL
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "propagationLint/v1"
LEVELS = {"error": "error", "warning": "warning", "note": "note"}
DEFAULT_TAGS = ("tracing",)

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")


def quote_path(path: str) -> str:
    """A path's percent-encoded bytes: every character but letters, digits, ``/`` and ``_.-~``
    is encoded, ``:`` too, so a relative path can never read as a scheme (``javascript:``); a
    byte of a file name that is not valid UTF-8 is encoded as that byte."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def artifact_location(path: str) -> dict[str, str]:
    """A relative path as a ``%SRCROOT%``-relative URI; an absolute one as a ``file://`` URI."""
    if _WINDOWS_DRIVE.match(path):
        return {"uri": "file:///" + path[:2] + quote_path(path[2:])}
    if path.startswith("//"):  # UNC path: //server/share/...
        return {"uri": "file:" + quote_path(path)}
    if path.startswith("/"):
        return {"uri": "file://" + quote_path(path)}
    return {"uri": quote_path(path), "uriBaseId": SRCROOT}


def root_uri(root: Path | None = None) -> str:
    uri = (root or Path.cwd()).resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    """A SARIF region (1-based lines and columns, end column exclusive, as in ``findings``).

    Unknown or inverted ends (0, or before the start) are dropped or clamped so that the region
    stays valid; an empty region (end == start) is an insertion point.
    """
    start_line, start_column = max(line, 1), max(column, 1)
    out = {"startLine": start_line, "startColumn": start_column}
    if end_line >= start_line:
        out["endLine"] = end_line
        if end_column >= 1:
            out["endColumn"] = max(end_column, start_column) if end_line == start_line else end_column
    return out


def _physical(loc: Location) -> dict[str, Any]:
    return {
        "artifactLocation": artifact_location(loc.path),
        "region": region(loc.line, loc.column, loc.end_line, loc.end_column),
    }


def _location(loc: Location, message: str | None = None, loc_id: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if loc_id is not None:
        out["id"] = loc_id
    out["physicalLocation"] = _physical(loc)
    if message:
        out["message"] = {"text": message}
    return out


def _documentation(rule: Any) -> str:
    doc = getattr(rule, "documentation", None)
    if callable(doc):
        return doc()
    return getattr(rule, "docs", "") or ""


def rule_descriptor(rule: Any) -> dict[str, Any]:
    """``reportingDescriptor`` for a rule class (or anything with code/name/message/severity)."""
    out: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.message},
    }
    doc = _documentation(rule)
    if doc:
        out["fullDescription"] = {"text": doc, "markdown": doc}
        out["help"] = {"text": doc, "markdown": doc}
    out["helpUri"] = rule_url(rule.code)
    out["defaultConfiguration"] = {
        "enabled": bool(getattr(rule, "default_enabled", True)),
        "level": LEVELS.get(getattr(rule, "severity", "error"), "error"),
    }
    tags = list(getattr(rule, "tags", ()) or DEFAULT_TAGS)
    out["properties"] = {"tags": tags}
    return out


def _edit_replacement(edit: Edit) -> dict[str, Any]:
    return {
        "deletedRegion": region(edit.line, edit.column, edit.end_line, edit.end_column),
        "insertedContent": {"text": edit.content},
    }


def _flow(f: Finding) -> list[dict[str, Any]]:
    """The evidence in the finding's own file and the finding itself, in source order (the order
    in which the code runs, as far as a linter can tell); empty when no evidence is in that file.
    Evidence in other files (an instrumentor set up elsewhere) stays in ``relatedLocations`` only."""
    here = [(rel.location, rel.message) for rel in f.related if rel.location.path == f.location.path]
    if not here:
        return []
    here.sort(key=lambda step: (step[0].line, step[0].column))
    # the finding after its own parts (arguments are evaluated before the call they belong to)
    end = (f.location.end_line, f.location.end_column)
    before = [step for step in here if (step[0].line, step[0].column) < end]
    here = before + [(f.location, f.message)] + here[len(before):]
    return [_location(loc, message) for loc, message in here]


def result(f: Finding, rule_index: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": LEVELS.get(f.severity, "error"),
        "message": {"text": f.message},
        "locations": [_location(f.location)],
    }
    if f.fingerprint:
        out["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    if f.related:
        out["relatedLocations"] = [
            _location(rel.location, rel.message, loc_id=i) for i, rel in enumerate(f.related, start=1)
        ]
        flow = _flow(f)
        if flow:
            out["codeFlows"] = [{"threadFlows": [{"locations": [{"location": step} for step in flow]}]}]
    if f.fix is not None:
        out["fixes"] = [
            {
                "description": {"text": f.fix.title},
                "artifactChanges": [
                    {
                        "artifactLocation": artifact_location(f.location.path),
                        "replacements": [_edit_replacement(e) for e in f.fix.edits],
                    }
                ],
                "properties": {"applicability": f.fix.applicability},
            }
        ]
    props: dict[str, Any] = {"confidence": f.confidence_level(), "resolution": f.confidence}
    if f.suggestion:  # the finding's own help, apart from the message (the rule's is in its help)
        props["help"] = f.suggestion
    if f.cause is not None:
        props["cause"] = {"id": f.cause.id, "text": f.cause.sentence()}
    out["properties"] = props
    return out


def _descriptors(findings: Sequence[Finding], rules: Sequence[Any]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    descriptors = [rule_descriptor(r) for r in rules]
    index = {}
    for i, r in enumerate(rules):
        index.setdefault(r.code, i)
    for f in findings:  # a code the caller did not pass (e.g. a file problem): describe it briefly
        if f.code not in index:
            index[f.code] = len(descriptors)
            descriptors.append(
                {
                    "id": f.code,
                    "name": f.name,
                    "shortDescription": {"text": f.message},
                    "helpUri": rule_url(f.code),
                    "defaultConfiguration": {"level": LEVELS.get(f.severity, "error")},
                    "properties": {"tags": list(DEFAULT_TAGS)},
                }
            )
    return descriptors, index


def to_sarif(
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    *,
    tool_version: str,
    root: Path | None = None,
) -> dict[str, Any]:
    """The SARIF log as a dict. ``root`` is what relative paths are relative to (default: cwd)."""
    descriptors, index = _descriptors(findings, rules)
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": tool_version,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "results": [result(f, index[f.code]) for f in findings],
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str]) -> None:
    log = to_sarif(findings, rules, tool_version=summary.tool_version)
    stream.write(json.dumps(log, indent=2))
    stream.write("\n")
