"""``--baseline FILE`` / ``--write-baseline FILE``: adopt the linter on a large codebase by
recording today's findings and reporting only new ones from then on.

Findings are matched on their ``fingerprint`` (rule, enclosing qualified function, call target,
ordinal among identical calls in that function: see ``engine.FileContext.candidate``), never on
line numbers, so adding or moving code above a recorded finding does not bring it back. The
same fingerprints appear in SARIF ``partialFingerprints``. The file also lists each finding's
code, path, line and message, for humans reading the diff of the baseline in review; only the
fingerprint is used to match (with the path, so one function copied into a second file is a new
finding there).
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable, List

import click

from . import __version__
from .source import replace_with

FORMAT = 1


class BaselineError(click.ClickException):
    """A baseline file that cannot be read or written (exit code 2, like other usage errors)."""

    exit_code = 2


def _key(finding) -> tuple:
    return (finding.location.path, finding.fingerprint or "")


def write_baseline(path: Path, findings: Iterable) -> None:
    rows = [
        {
            "fingerprint": f.fingerprint,
            "code": f.code,
            "path": f.location.path,
            "line": f.location.line,
            "message": f.message,
        }
        for f in findings
    ]
    rows.sort(key=lambda r: (r["path"], r["line"], r["code"], r["fingerprint"] or ""))
    data = {"format": FORMAT, "tool": "propagation-lint", "version": __version__, "findings": rows}
    path = Path(path)
    try:
        replace_with(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"), prefix=".baseline-", user_file=True)
    except OSError as exc:  # an unwritable or missing folder, a full disk: exit 2, said in one line
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None


def read_baseline(path: Path) -> Counter:
    """Recorded (path, fingerprint) pairs with their multiplicity."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline file {path} does not exist (create it with --write-baseline)")
    except (OSError, ValueError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}")
    if not isinstance(data, dict) or data.get("tool") != "propagation-lint" or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path} is not a propagation-lint baseline file")
    counts: Counter = Counter()
    for row in data["findings"]:
        if isinstance(row, dict) and isinstance(row.get("fingerprint"), str) and isinstance(row.get("path"), str):
            counts[(row["path"], row["fingerprint"])] += 1
    return counts


def filter_baseline(path: Path, findings: Iterable) -> List:
    """The findings not recorded in the baseline. Each recorded entry absorbs one finding, so a
    second identical finding (a new call with the same fingerprint) is still reported."""
    remaining = read_baseline(path)
    out = []
    for f in findings:
        key = _key(f)
        if f.fingerprint and remaining.get(key, 0) > 0:
            remaining[key] -= 1
            continue
        out.append(f)
    return out
