"""What every renderer shares: state colours, edge labels, node shapes' meaning."""
from __future__ import annotations

from typing import Dict, List

from ..topology import Edge, Graph, Node

COLORS = {"gap": "#d62728", "propagated": "#2ca02c", "unknown": "#7f7f7f"}
KIND_VERB = {"publish": "publish", "consume": "consume", "handoff": "hand-off"}


def edge_label(edge: Edge) -> str:
    """``gap CTX101`` / ``propagated`` / ``unknown``, with the libraries and how many calls."""
    head = "gap " + ",".join(edge.codes) if edge.state == "gap" and edge.codes else edge.state
    extra = []
    if edge.libraries:
        extra.append(",".join(edge.libraries))
    if len(edge.sites) > 1:
        extra.append(f"{len(edge.sites)} calls")
    return head + (" · " + " · ".join(extra) if extra else "")


def in_cluster(node: Node) -> bool:
    """Handlers and workers are drawn inside their service's box."""
    return node.kind in ("handler", "worker") and bool(node.service)


def clusters(graph: Graph) -> Dict[str, List[Node]]:
    """Service name -> its handlers and workers, services sorted."""
    grouped: Dict[str, List[Node]] = {}
    for n in graph.nodes:
        if in_cluster(n):
            grouped.setdefault(n.service, []).append(n)
    return {k: grouped[k] for k in sorted(grouped)}
