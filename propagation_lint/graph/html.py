"""The map as one self-contained, offline HTML page.

Inline CSS, inline JavaScript and an inline SVG whose layout is computed here (a layered
left-to-right drawing: columns by longest path from the publishers, rows ordered by the
barycentre of their neighbours to limit crossings). No fonts, scripts or images are fetched;
a Content-Security-Policy forbids it. Gaps are red and thick, unknown edges grey and dashed;
every edge links to its entry in the list below the map, with its findings and source
locations (links relative to the page when it is written with ``-o``).

Every name on the page comes from the checked tree (directories, files, topics, functions), so
every one is HTML-escaped, the embedded JSON cannot close its script element, and links are built
only from percent-encoded paths: ``:`` is always encoded, so a directory named
``javascript:alert(1)`` gives a relative link to that directory, never a ``javascript:`` URL.
"""
from __future__ import annotations

import html
import json
from typing import Dict, List, Tuple

from ..output.escape import printable
from ..output.sarif import artifact_location, quote_path
from ..topology import Graph
from .style import COLORS, KIND_VERB, edge_label

NODE_W, NODE_H = 200, 42
COL_GAP, ROW_GAP = 120, 30
MARGIN_X, MARGIN_Y = 24, 24
MAX_LABEL = 26

KIND_FILL = {"service": "#e8f0fe", "destination": "#fff4d6", "handler": "#eaf7ea", "worker": "#f3e8fd"}
KIND_NAME = {"service": "service", "destination": "destination", "handler": "handler", "worker": "worker"}

CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;background:#fff}
header{padding:16px 24px 8px;border-bottom:1px solid #d0d7de}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:24px 0 8px}
.summary{margin:0;color:#57606a}
.legend{display:flex;gap:18px;flex-wrap:wrap;margin:8px 0 0;padding:0;list-style:none;font-size:13px}
.legend span{display:inline-block;width:28px;height:0;border-top:3px solid;vertical-align:middle;margin-right:6px}
.legend .k{width:14px;height:14px;border:1px solid #8c959f;border-radius:3px;margin-right:6px}
.canvas{overflow:auto;padding:8px 24px}
svg text{font:12px Helvetica,Arial,sans-serif}
.node rect{stroke:#57606a;stroke-width:1}
.node.destination rect{rx:18px}
.node.unresolved rect{stroke-dasharray:4 3}
.node.has-gap rect{stroke:#d62728;stroke-width:2}
.node{cursor:pointer}
.node .kind{fill:#57606a;font-size:9px;text-transform:uppercase;letter-spacing:.05em}
.edge path{fill:none;stroke-width:1.6}
.edge.gap path{stroke-width:3.2}
.edge.unknown path{stroke-dasharray:6 4}
.edge text{font-size:10px;paint-order:stroke;stroke:#fff;stroke-width:3px}
.edge:hover path,.edge.active path{stroke-width:4.5}
.dim{opacity:.15}
body.only-gaps .edge:not(.gap),body.only-gaps .edge-item:not(.gap){display:none}
.controls{margin:8px 0 0;font-size:13px}
.edges{padding:0 24px 32px}
.edge-item{border-left:4px solid #7f7f7f;padding:4px 12px;margin:8px 0;background:#f6f8fa}
.edge-item.gap{border-color:#d62728}
.edge-item.propagated{border-color:#2ca02c}
.edge-item:target{outline:2px solid #0969da}
.edge-item h3{font-size:14px;margin:4px 0}
.edge-item ul{margin:4px 0;padding-left:20px}
.state{font-weight:600}
.state.gap{color:#d62728}.state.propagated{color:#2ca02c}.state.unknown{color:#57606a}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.empty{padding:24px;color:#57606a}
"""

SCRIPT = """
(function () {
  var body = document.body;
  var box = document.getElementById('only-gaps');
  if (box) {
    box.addEventListener('change', function () { body.classList.toggle('only-gaps', box.checked); });
  }
  var svg = document.getElementById('map');
  if (!svg) { return; }
  var edges = svg.querySelectorAll('.edge');
  var nodes = svg.querySelectorAll('.node');
  var selected = null;
  function clear() {
    var i;
    for (i = 0; i < edges.length; i++) { edges[i].classList.remove('dim', 'active'); }
    for (i = 0; i < nodes.length; i++) { nodes[i].classList.remove('dim'); }
    selected = null;
  }
  function focus(id) {
    var keep = {}; keep[id] = true;
    var i, e;
    for (i = 0; i < edges.length; i++) {
      e = edges[i];
      if (e.getAttribute('data-source') === id || e.getAttribute('data-target') === id) {
        e.classList.add('active'); e.classList.remove('dim');
        keep[e.getAttribute('data-source')] = true; keep[e.getAttribute('data-target')] = true;
      } else { e.classList.add('dim'); e.classList.remove('active'); }
    }
    for (i = 0; i < nodes.length; i++) {
      nodes[i].classList.toggle('dim', !keep[nodes[i].getAttribute('data-id')]);
    }
    selected = id;
  }
  svg.addEventListener('click', function (ev) {
    var target = ev.target;
    while (target && target !== svg && !(target.classList && target.classList.contains('node'))) {
      target = target.parentNode;
    }
    if (!target || target === svg) { clear(); return; }
    var id = target.getAttribute('data-id');
    if (selected === id) { clear(); } else { focus(id); }
  });
})();
"""


def _e(s) -> str:
    """Text or an attribute value: HTML-escaped, control characters shown as pictures and the
    bytes of names that are not UTF-8 as ``\\xNN`` (the page is UTF-8)."""
    return html.escape(printable(str(s)), quote=True)


# ---------------------------------------------------------------------- layout
def layout(graph: Graph) -> Tuple[Dict[str, Tuple[int, int]], int, int]:
    """Top-left corner of every node, and the drawing's width and height."""
    ids = [n.id for n in graph.nodes]
    if not ids:
        return {}, 0, 0
    preds: Dict[str, List[str]] = {i: [] for i in ids}
    succs: Dict[str, List[str]] = {i: [] for i in ids}
    for e in graph.edges:
        if e.source != e.target:
            preds[e.target].append(e.source)
            succs[e.source].append(e.target)
    rank = {i: 0 for i in ids}
    for _ in range(len(ids)):  # longest path; cycles stop at len(ids) rounds
        changed = False
        for e in graph.edges:
            if e.source != e.target and rank[e.target] < rank[e.source] + 1 and rank[e.source] + 1 < len(ids):
                rank[e.target] = rank[e.source] + 1
                changed = True
        if not changed:
            break
    columns: Dict[int, List[str]] = {}
    for i in ids:  # graph.nodes is already in a stable order
        columns.setdefault(rank[i], []).append(i)
    order = sorted(columns)
    position = {i: idx for col in columns.values() for idx, i in enumerate(col)}

    def sweep(cols, neighbours):
        for r in cols:
            col = columns[r]
            def key(i):
                near = [position[n] for n in neighbours[i] if rank[n] != r]
                return (sum(near) / len(near) if near else position[i], position[i], i)
            col.sort(key=key)
            for idx, i in enumerate(col):
                position[i] = idx

    for _ in range(3):
        sweep(order[1:], preds)
        sweep(list(reversed(order[:-1])), succs)
    rows = max(len(c) for c in columns.values())
    step = NODE_H + ROW_GAP
    coords: Dict[str, Tuple[int, int]] = {}
    for r in order:
        col = columns[r]
        offset = (rows - len(col)) * step // 2
        for idx, i in enumerate(col):
            coords[i] = (MARGIN_X + r * (NODE_W + COL_GAP), MARGIN_Y + offset + idx * step)
    width = MARGIN_X * 2 + (max(order) + 1) * NODE_W + max(order) * COL_GAP
    height = MARGIN_Y * 2 + rows * step - ROW_GAP + 40
    return coords, width, height


def _path(a: Tuple[int, int], b: Tuple[int, int]) -> Tuple[str, Tuple[float, float]]:
    x1, y1 = a[0] + NODE_W, a[1] + NODE_H / 2
    x2, y2 = b[0], b[1] + NODE_H / 2
    if x2 > x1:
        dx = (x2 - x1) / 2
        c1, c2 = (x1 + dx, y1), (x2 - dx, y2)
    else:  # backwards (a cycle): loop under both nodes
        low = max(a[1], b[1]) + NODE_H + 34
        c1, c2 = (x1 + 90, low), (x2 - 90, low)
    mid = ((x1 + 3 * c1[0] + 3 * c2[0] + x2) / 8, (y1 + 3 * c1[1] + 3 * c2[1] + y2) / 8)
    d = f"M{x1:.1f},{y1:.1f} C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {x2 - 2:.1f},{y2:.1f}"
    return d, mid


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


# ---------------------------------------------------------------------- page
def render_html(graph: Graph, title: str = "", link_prefix: str = "") -> str:
    dom = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    names = {n.id: n for n in graph.nodes}
    gap_nodes = {e.source for e in graph.edges if e.state == "gap"} | {e.target for e in graph.edges if e.state == "gap"}
    counts = {k: sum(1 for n in graph.nodes if n.kind == k) for k in KIND_NAME}
    states = {s: sum(1 for e in graph.edges if e.state == s) for s in COLORS}
    title = title or "Propagation map"

    out: List[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="summary">{_n(counts["service"], "service")} · {_n(counts["destination"], "destination")} · '
        f'{_n(counts["handler"], "handler")} · {_n(counts["worker"], "worker")} — edges: '
        f'<span class="state gap">{states["gap"]} gap</span>, '
        f'<span class="state propagated">{states["propagated"]} propagated</span>, '
        f'<span class="state unknown">{states["unknown"]} unknown</span></p>',
        '<ul class="legend">',
        f'<li><span style="border-color:{COLORS["propagated"]}"></span>context propagated</li>',
        f'<li><span style="border-color:{COLORS["gap"]};border-top-width:5px"></span>gap (context lost)</li>',
        f'<li><span style="border-color:{COLORS["unknown"]};border-top-style:dashed"></span>unknown</li>',
    ]
    for kind, fill in KIND_FILL.items():
        out.append(f'<li><span class="k" style="background:{fill}"></span>{kind}</li>')
    out.append("</ul>")
    out.append('<p class="controls"><label><input type="checkbox" id="only-gaps"> show only gaps</label>'
               " · click a node to follow its paths, an edge for its findings</p>")
    out.append("</header>")

    coords, width, height = layout(graph)
    if not graph.nodes:
        out.append('<p class="empty">No asynchronous edges found (no publish, consume or hand-off calls the linter knows).</p>')
    else:
        out.append('<div class="canvas">')
        out.append(f'<svg id="map" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                   f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}">')
        out.append("<defs>")
        for state, color in sorted(COLORS.items()):
            out.append(f'<marker id="arrow-{state}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" '
                       f'markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>')
        out.append("</defs>")
        out.append('<g class="edges">')
        for e in graph.edges:
            d, mid = _path(coords[e.source], coords[e.target])
            label = edge_label(e)
            tip = f"{KIND_VERB[e.kind]} {names[e.source].label} → {names[e.target].label}: {label}"
            out.append(
                f'<a href="#{_e(e.id)}" class="edge {_e(e.state)} {_e(e.kind)}" id="edge-{_e(e.id)}" '
                f'data-source="{dom[e.source]}" data-target="{dom[e.target]}">'
                f"<title>{_e(tip)}</title>"
                f'<path d="{d}" stroke="{COLORS[e.state]}" marker-end="url(#arrow-{_e(e.state)})"/>'
                f'<text x="{mid[0]:.1f}" y="{mid[1] - 5:.1f}" text-anchor="middle" fill="{COLORS[e.state]}">'
                f"{_e(_short(', '.join(e.codes) if e.state == 'gap' and e.codes else e.state))}</text></a>"
            )
        out.append("</g>")
        out.append('<g class="nodes">')
        for n in graph.nodes:
            x, y = coords[n.id]
            classes = ["node", _e(n.kind)]
            if n.kind == "destination" and not n.resolved:
                classes.append("unresolved")
            if n.id in gap_nodes:
                classes.append("has-gap")
            kind_text = n.kind if not n.service or n.kind == "service" else f"{n.kind} · {n.service}"
            out.append(
                f'<g class="{" ".join(classes)}" id="{dom[n.id]}" data-id="{dom[n.id]}" data-name="{_e(n.id)}" '
                f'transform="translate({x},{y})">'
                f"<title>{_e(n.kind)}: {_e(n.detail or n.label)}</title>"
                f'<rect width="{NODE_W}" height="{NODE_H}" rx="4" fill="{KIND_FILL.get(n.kind, "#fff")}"/>'
                f'<text class="kind" x="8" y="13">{_e(_short(kind_text))}</text>'
                f'<text class="label" x="8" y="31">{_e(_short(n.label))}</text></g>'
            )
        out.append("</g>")
        out.append("</svg>")
        out.append("</div>")

    out.append('<section class="edges">')
    out.append("<h2>Edges</h2>")
    for e in graph.edges:
        src, dst = names[e.source], names[e.target]
        out.append(f'<div class="edge-item {_e(e.state)}" id="{_e(e.id)}">')
        out.append(
            f"<h3>{_e(KIND_VERB[e.kind])} <code>{_e(src.detail or src.label)}</code> → "
            f"<code>{_e(dst.detail or dst.label)}</code>: "
            f'<span class="state {_e(e.state)}">{_e(e.state)}</span>'
            + (f" {_e(', '.join(e.codes))}" if e.codes else "")
            + (f" <small>({_e(', '.join(e.libraries))})</small>" if e.libraries else "")
            + "</h3>"
        )
        out.append("<ul>")
        for s in e.sites:
            href = _link(s.path, s.line, link_prefix)
            where = f"{s.path}:{s.line}:{s.column}"
            item = (f'<li><a href="{_e(href)}">{_e(where)}</a> in <code>{_e(s.function)}</code>: '
                    f'<span class="state {_e(s.state)}">{_e(s.state)}</span>')
            for f in s.findings:
                item += (f'<br><strong>{_e(f["code"])}</strong> {_e(f["message"])} '
                         f'(<a href="{_e(_link(f["path"], f["line"], link_prefix))}">{_e(f["path"])}:{f["line"]}:{f["column"]}</a>)')
            out.append(item + "</li>")
        out.append("</ul></div>")
    out.append("</section>")
    # "<" only ever appears inside JSON strings: as \u003c it cannot end the script element
    # ("</script>") or open a comment ("<!--") in it
    data = json.dumps(graph.as_dict(), sort_keys=True, ensure_ascii=True).replace("<", "\\u003c")
    out.append(f'<script type="application/json" id="graph-data">{data}</script>')
    out.append(f"<script>{SCRIPT}</script>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _link(path: str, line: int, prefix: str) -> str:
    """The link to a source line: a relative path (percent-encoded, so it has no scheme) below
    ``prefix`` (``../`` segments from the page to the working directory), or a ``file:`` URL."""
    location = artifact_location(path)
    if "uriBaseId" not in location:
        return f"{location['uri']}#L{line}"
    return f"{quote_path(prefix)}{location['uri']}#L{line}"
