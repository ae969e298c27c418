"""What every renderer shares: state colours, edge labels, node shapes' meaning."""
from __future__ import annotations

from typing import Dict, List

from ..topology import Edge, Graph, Node

COLORS = {"gap": "#d62728", "propagated": "#2ca02c", "unknown": "#7f7f7f"}
KIND_VERB = {"publish": "publish", "consume": "consume", "handoff": "hand-off"}


def edge_label(edge: Edge) -> str:
    """``gap CTX101`` / ``propagated`` / ``unknown``, with the libraries and how many calls:
    ``gap CTX101 in 1 of 2 calls`` when only some of the edge's calls are in its state."""
    head = state_label(edge)
    extra = []
    if edge.libraries:
        extra.append(",".join(edge.libraries))
    if len(edge.sites) > 1 and not partial(edge):
        extra.append(f"{len(edge.sites)} calls")
    return head + (" · " + " · ".join(extra) if extra else "")


def state_label(edge: Edge) -> str:
    """The state and codes, and ``in K of N calls`` when only some calls are in that state."""
    head = "gap " + ",".join(edge.codes) if edge.state == "gap" and edge.codes else edge.state
    if partial(edge):
        worst = sum(1 for s in edge.sites if s.state == edge.state)
        head += f" in {worst} of {_calls(len(edge.sites))}"
    return head


def partial(edge: Edge) -> bool:
    """Only some of the edge's calls are in its (worst) state."""
    return len({s.state for s in edge.sites}) > 1


def _calls(n: int) -> str:
    return f"{n} call" + ("" if n == 1 else "s")


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
