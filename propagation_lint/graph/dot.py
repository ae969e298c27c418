"""The map in Graphviz's DOT language (``dot -Tsvg``): handlers and workers are clustered by service."""
from __future__ import annotations

from typing import List

from ..output.escape import printable
from ..topology import Graph
from .style import COLORS, clusters, edge_label, in_cluster

SHAPES = {"service": "box", "destination": "cylinder", "handler": "component", "worker": "hexagon"}


def _q(s: str) -> str:
    """A quoted DOT string, on one line, control characters shown as control pictures."""
    return '"' + printable(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(graph: Graph) -> str:
    lines: List[str] = [
        "digraph propagation {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    grouped = clusters(graph)
    for i, service in enumerate(grouped):
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f"    label={_q(service)};")
        for n in grouped[service]:
            lines.append(f"    {_q(n.id)} [label={_q(n.label)}, shape={SHAPES[n.kind]}, tooltip={_q(n.detail or n.label)}];")
        lines.append("  }")
    for n in graph.nodes:
        if in_cluster(n):
            continue
        extra = ', style=dashed' if n.kind == "destination" and not n.resolved else ""
        lines.append(f"  {_q(n.id)} [label={_q(n.label)}, shape={SHAPES.get(n.kind, 'box')}, tooltip={_q(n.detail or n.label)}{extra}];")
    for e in graph.edges:
        style = {"gap": "bold", "unknown": "dashed"}.get(e.state, "solid")
        where = "; ".join(f"{s.path}:{s.line}" for s in e.sites)
        lines.append(
            f"  {_q(e.source)} -> {_q(e.target)} [label={_q(edge_label(e))}, color={_q(COLORS[e.state])}, "
            f"fontcolor={_q(COLORS[e.state])}, style={style}, tooltip={_q(where)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
