"""The map as a Mermaid flowchart (renders in GitHub and GitLab markdown).

Services are boxes, destinations cylinders, handlers subroutine boxes, thread/process workers
hexagons; handlers and workers sit inside their service's subgraph. Gap edges are thick and red
(``linkStyle``), unknown ones dotted."""
from __future__ import annotations

from typing import Dict, List

from ..output.escape import printable
from ..topology import Graph
from .style import COLORS, clusters, edge_label, in_cluster

SHAPES = {"service": ('["', '"]'), "destination": ('[("', '")]'), "handler": ('[["', '"]]'), "worker": ('{{"', '"}}')}


def _text(s: str) -> str:
    """A label inside double quotes: on one line (a newline in a name would start a statement of
    its own, a ``click ... href``), with Mermaid's entity codes for what HTML or Mermaid reads."""
    s = printable(s).replace("#", "#35;").replace("&", "#amp;").replace('"', "#quot;")
    return s.replace("<", "#lt;").replace(">", "#gt;")


def render_mermaid(graph: Graph) -> str:
    ids: Dict[str, str] = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    lines: List[str] = ["flowchart LR"]
    grouped = clusters(graph)
    for i, service in enumerate(grouped):
        lines.append(f'  subgraph s{i}["{_text(service)}"]')
        for n in grouped[service]:
            a, b = SHAPES[n.kind]
            lines.append(f"    {ids[n.id]}{a}{_text(n.label)}{b}")
        lines.append("  end")
    for n in graph.nodes:
        if in_cluster(n):
            continue
        a, b = SHAPES.get(n.kind, ('["', '"]'))
        lines.append(f"  {ids[n.id]}{a}{_text(n.label)}{b}")
    styles: List[str] = []
    for i, e in enumerate(graph.edges):
        arrow = {"gap": "==>", "unknown": "-.->"}.get(e.state, "-->")
        lines.append(f'  {ids[e.source]} {arrow}|"{_text(edge_label(e))}"| {ids[e.target]}')
        width = "3px" if e.state == "gap" else "1.5px"
        styles.append(f"  linkStyle {i} stroke:{COLORS[e.state]},stroke-width:{width}")
    lines.extend(styles)
    return "\n".join(lines) + "\n"
