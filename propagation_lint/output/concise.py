"""``--output-format concise``: one line a finding (``path:line:col: CODE [*] message``), then
the root causes and the counts, as ruff's ``concise``. The help, the evidence and the fix of each
finding are in ``full`` (the default) and in every machine format."""
from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from ..findings import Finding
from ..rule import Rule
from . import text


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str]) -> None:
    text.render(findings, rules=rules, summary=summary, stream=stream, concise=True)
