"""The map as JSON: nodes and edges with their states, findings and source locations."""
from __future__ import annotations

import json

from ..topology import Graph


def render_json(graph: Graph) -> str:
    return json.dumps(graph.as_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
