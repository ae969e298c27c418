"""Fixture files state their expected findings inline, as semgrep's `# ruleid:` and Go's `// want` do.

A line that must be reported ends with ``# error: CTX101`` (several codes: ``# error: CTX101, CTX102``).
Every other line of the fixture must stay silent for the selected codes. A fixture is a file or a
directory (a small project: cross-module helpers and consumer registrations resolve inside it).
"""
from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from propagation_lint.check import CheckOptions, run_check

MARKER = re.compile(r"#\s*error:\s*(?P<codes>CTX\d{3}(?:\s*,\s*CTX\d{3})*)")


def expected_markers(path: Path, root: Path) -> Set[Tuple[str, int, str]]:
    text = path.read_text(encoding="utf-8")
    found = set()
    rel = path.relative_to(root).as_posix()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            m = MARKER.search(tok.string)
            if m:
                for code in re.split(r"\s*,\s*", m.group("codes")):
                    found.add((rel, tok.start[0], code))
    return found


def lint_json(target: Path, select: Iterable[str], cwd: Path, extra_args: Optional[dict] = None) -> List[dict]:
    out = io.StringIO()
    options = CheckOptions(paths=(str(target),), select=tuple(select), output_format="json", use_cache=False, jobs=1)
    for key, value in (extra_args or {}).items():
        setattr(options, key, value)
    code = run_check(options, stdout=out, cwd=cwd)
    assert code in (0, 1), f"linter exited {code}"
    return json.loads(out.getvalue())


def assert_fixture(target: Path, select: Iterable[str], extra_args: Optional[dict] = None) -> List[dict]:
    """Lint ``target`` (file or directory) and compare with its ``# error:`` markers exactly."""
    select = tuple(select)
    root = target if target.is_dir() else target.parent
    files = sorted(root.rglob("*.py")) if target.is_dir() else [target]
    expected: Set[Tuple[str, int, str]] = set()
    for f in files:
        expected |= expected_markers(f, root)
    findings = lint_json(target, select, cwd=root, extra_args=extra_args)
    prefixes = tuple(select)
    actual = {(f["path"], f["line"], f["code"]) for f in findings if f["code"].startswith(prefixes)}
    missing = sorted(expected - actual)
    unexpected = sorted(actual - expected)
    detail = "\n".join(
        [f"missing (expected by a marker): {m}" for m in missing]
        + [f"unexpected: {u} {next(f['message'] for f in findings if (f['path'], f['line'], f['code']) == u)}" for u in unexpected]
    )
    assert not missing and not unexpected, detail
    return findings
