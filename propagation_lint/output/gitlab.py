"""``--output-format gitlab``: a GitLab Code Quality report (a JSON array of issues), the shape
ruff's ``gitlab`` emitter writes and GitLab's merge-request widget reads::

    {"check_name": "CTX101", "description": "CTX101: message", "severity": "major",
     "fingerprint": "…", "location": {"path": "app/pub.py",
     "positions": {"begin": {"line": 12, "column": 5}, "end": {"line": 12, "column": 30}}}}

Paths are relative to ``CI_PROJECT_DIR`` when it is set (GitLab resolves them against the
repository), else as printed everywhere else. ``fingerprint`` must be unique per issue, or
GitLab drops all but one: it hashes the finding's meaning-based fingerprint (which survives
code moves) with its path, and a collision is broken by a counter.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from typing import IO, Any

from ..findings import Finding
from ..rule import Rule

SEVERITIES = {"error": "major", "warning": "minor", "note": "info"}


def _path(path: str, project_dir: str | None) -> str:
    if not project_dir:
        return path
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, os.path.abspath(project_dir))
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def issues(findings: Sequence[Finding], project_dir: str | None = None) -> list[dict[str, Any]]:
    out = []
    seen: set[str] = set()
    for f in findings:
        loc = f.location
        path = _path(loc.path, project_dir)
        basis = f"{f.code}\0{path}\0{f.fingerprint or f'{f.message}:{loc.line}:{loc.column}'}"
        fingerprint = hashlib.sha256(basis.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        n = 0
        while fingerprint in seen:
            n += 1
            fingerprint = hashlib.sha256(f"{basis}\0{n}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
        seen.add(fingerprint)
        out.append({
            "check_name": f.code,
            "description": f"{f.code}: {f.message}",
            "severity": SEVERITIES.get(f.severity, "major"),
            "fingerprint": fingerprint,
            "location": {
                "path": path,
                "positions": {
                    "begin": {"line": loc.line, "column": loc.column},
                    "end": {"line": max(loc.end_line, loc.line), "column": loc.end_column or loc.column},
                },
            },
        })
    return out


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str]) -> None:
    stream.write(json.dumps(issues(findings, os.environ.get("CI_PROJECT_DIR")), indent=2) + "\n")
