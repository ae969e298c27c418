"""``--output-format pylint``: ``path:line: [CODE] message``, the line pylint's parseable format
prints and ruff's ``pylint`` format copies (editors and CI parsers that read pylint read it)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from ..findings import Finding
from ..rule import Rule
from .escape import printable


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str]) -> None:
    for f in findings:
        stream.write(f"{printable(f.location.path)}:{f.location.line}: [{f.code}] {printable(f.message)}\n")
