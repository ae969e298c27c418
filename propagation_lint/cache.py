"""The per-file result cache in ``.propagation_lint_cache/``.

A file's result (candidate findings with their conditions, and its project facts) depends only on
its content, its display path and module name, the linter's version, the effective settings and
the enabled rules: that is the key. Project-wide facts are *not* baked into an entry; they are
decided afresh on every run from every file's (cached) facts, so a change in one file's helper
re-decides the findings of the files that depend on it without re-parsing them.

Entries are JSON (never pickle: a foreign cache must not be able to run code). A corrupt,
truncated or foreign entry is ignored and overwritten. The directory carries a ``CACHEDIR.TAG``
and a ``.gitignore`` of its own, as ruff's does.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from .engine import FileResult
from .output.json import finding_from_dict, finding_to_dict
from .rule import Candidate

FORMAT = 2
TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by propagation-lint.\n"


_CODE_FINGERPRINT = None


def code_fingerprint() -> str:
    """A hash of the linter's own source: a changed rule or catalog row (an upgrade, a local
    patch, a development checkout) never reuses results computed by other code."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        package = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for path in sorted(package.rglob("*.py")):
            try:
                h.update(path.relative_to(package).as_posix().encode())
                h.update(path.read_bytes())
            except OSError:
                continue
        _CODE_FINGERPRINT = h.hexdigest()[:16]
    return _CODE_FINGERPRINT


class Cache:
    def __init__(self, directory: Path, version: str):
        self.base = Path(directory)
        self.version = version
        self.dir = self.base / version
        self._ready = False

    def _prepare(self) -> bool:
        if self._ready:
            return True
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            tag = self.base / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(TAG)
            ignore = self.base / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Automatically created by propagation-lint.\n*\n")
            self._ready = True
        except OSError:
            return False
        return True

    def key(self, text: str, display: str, module: str, settings_key: str, codes) -> str:
        h = hashlib.sha256()
        for part in (str(FORMAT), self.version, code_fingerprint(), display, module, settings_key, ",".join(codes)):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        h.update(text.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str) -> Optional[FileResult]:
        try:
            raw = self._path(key).read_text(encoding="utf-8")
            data = json.loads(raw)
            if data.get("format") != FORMAT or data.get("key") != key:
                return None
            return _result_from(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, key: str, result: FileResult) -> None:
        if not self._prepare():
            return
        data = _result_to(result)
        data["format"] = FORMAT
        data["key"] = key
        target = self._path(key)
        try:
            target.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=str(target.parent), suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, separators=(",", ":"))
            os.replace(tmp, target)
        except (OSError, TypeError, ValueError):
            try:
                os.unlink(tmp)  # type: ignore[possibly-undefined]
            except Exception:
                pass


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _result_to(result: FileResult) -> dict:
    return {
        "path": result.path,
        "status": result.status,
        "facts": result.facts,
        "imports": result.imports,
        "candidates": [
            {
                "finding": finding_to_dict(c.finding),
                "requires": [list(x) for x in c.requires],
                "unless": [list(x) for x in c.unless],
                "noqa_lines": list(c.noqa_lines),
                "notes": [list(x) for x in c.notes],
            }
            for c in result.candidates
        ],
    }


def _result_from(data: dict) -> FileResult:
    result = FileResult(path=data["path"], status=data["status"], facts=data["facts"], imports=data["imports"])
    for c in data["candidates"]:
        result.candidates.append(
            Candidate(
                finding_from_dict(c["finding"]),
                requires=tuple(_tuples(x) for x in c["requires"]),
                unless=tuple(_tuples(x) for x in c["unless"]),
                noqa_lines=tuple(c["noqa_lines"]),
                notes=tuple(_tuples(x) for x in c["notes"]),
            )
        )
    return result
