"""``--output-format junit``: JUnit XML, one ``testsuite`` a file and one failed ``testcase`` a
finding, the shape ruff's ``junit`` emitter writes (Jenkins, GitLab and Azure test reports read
it). A run without findings is one passing test case, so the report is never empty.

Text from the checked tree is made printable (XML 1.0 cannot hold most control characters at
all) and then escaped for XML.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from ..findings import Finding
from ..rule import Rule
from .escape import printable as _printable

NAME = "propagation-lint"


def printable(text: str) -> str:
    """One line, nothing a terminal acts on, and nothing XML 1.0 cannot hold."""
    return _printable(text).replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")


def _classname(path: str) -> str:
    return path[:-3] if path.endswith(".py") else path


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str]) -> None:
    n = len(findings)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuites name="{NAME}" tests="{max(n, 1)}" failures="{n}" errors="0">']
    if not findings:
        lines += [f'  <testsuite name="{NAME}" tests="1" disabled="0" errors="0" failures="0" package="org.{NAME}">',
                  f'    <testcase name="No errors found" classname="{NAME}"/>',
                  "  </testsuite>"]
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_path[f.location.path].append(f)
    for path, items in by_path.items():
        shown = printable(path)
        lines.append(f'  <testsuite name={quoteattr(shown)} tests="{len(items)}" disabled="0" errors="0" '
                     f'failures="{len(items)}" package="org.{NAME}">')
        for f in items:
            loc = f.location
            message = printable(f.message)
            lines.append(f'    <testcase name="org.{NAME}.{f.code}" classname={quoteattr(_classname(shown))} '
                         f'line="{loc.line}" column="{loc.column}">')
            lines.append(f'      <failure message={quoteattr(message)}>'
                         f'{escape(f"line {loc.line}, col {loc.column}, {message}")}</failure>')
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
    lines.append("</testsuites>")
    stream.write("\n".join(lines) + "\n")
