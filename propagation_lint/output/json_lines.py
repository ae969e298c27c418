"""``--output-format json-lines``: one JSON object a line, each the object ``json`` prints for a
finding (with its ``url``), for tools that read findings as a stream (ruff's ``json-lines``)."""
from __future__ import annotations

import json as _json
from collections.abc import Sequence
from typing import IO, Any

from ..findings import Finding
from ..rule import Rule
from .json import finding_json


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str]) -> None:
    for f in findings:
        stream.write(_json.dumps(finding_json(f), separators=(",", ":")) + "\n")
