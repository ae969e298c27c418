"""The map as JSON: nodes and edges with their states, findings and source locations."""
from __future__ import annotations

import json
import re

from ..topology import Graph

# A byte of a file name that is not UTF-8 is a lone surrogate in Python: written as a ``\udcNN``
# escape (valid JSON, and the same string once parsed), since it cannot be written as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def render_json(graph: Graph) -> str:
    text = json.dumps(graph.as_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
