"""The map as one self-contained, offline HTML page that stays readable at scale.

The page carries the map's JSON (the ``--format json`` document, whole) and draws it in the browser
with its own inline script: no fonts, scripts or images are fetched, and a Content-Security-Policy
forbids it. What the page does, for a map of hundreds of nodes on a laptop screen:

- **Groups.** Handlers and workers are grouped by service, then by package (their qualified name
  without module and function); destinations by the package or prefix of their name. A collapsed
  group is one node (its edges merged, worst state first); the sidebar's tree and a click on a
  group node expand it. The page opens with as many groups expanded as keep about 40 boxes on
  screen, so a small map opens whole and a big one opens by service and package.
- **Search and filter.** The search box keeps the nodes whose name (or service) holds the text,
  with their edges and neighbours, and opens the groups they are in; checkboxes keep edges by
  state (gap, unknown, propagated) and kind (publish, consume, hand-off).
- **Names.** A box shows the end of a long name (what tells a package's names apart), cut in the
  middle when needed; the full name is on hover and in the side panel.
- **Size.** The drawing is a layered left-to-right layout whose columns wrap into several when they
  would be taller than the window; the page itself is one screen high (the panels scroll).

Gaps are red and thick, unknown edges grey and dashed. Every edge's findings and source locations
are in the "All edges" list (written here, so it reads without the script); the side panel shows
the entries of what is clicked. Links are relative to the page when it is written with ``-o``.

Every name on the page comes from the checked tree (directories, files, topics, functions), so
every one is HTML-escaped here and set as text (never as markup) by the script, the embedded JSON
cannot close its script element, and links are built only from percent-encoded paths: ``:`` is
always encoded, so a directory named ``javascript:alert(1)`` gives a relative link to that
directory, never a ``javascript:`` URL.
"""
from __future__ import annotations

import html
import json
from typing import List

from ..output.escape import printable
from ..output.sarif import artifact_location, quote_path
from ..topology import Graph
from .style import COLORS, KIND_VERB, edge_label, state_label

KIND_FILL = {"service": "#e8f0fe", "destination": "#fff4d6", "handler": "#eaf7ea", "worker": "#f3e8fd",
             "group": "#f6f8fa"}

CSS = """
*{box-sizing:border-box}
html,body{height:100%}
body{margin:0;display:flex;flex-direction:column;height:100vh;overflow:hidden;
  font:13px/1.4 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;background:#fff}
header{flex:none;padding:8px 16px;border-bottom:1px solid #d0d7de}
h1{font-size:17px;margin:0 12px 0 0;display:inline}
h2{font-size:14px;margin:8px 0}
.summary{display:inline;margin:0;color:#57606a}
.legend{display:flex;gap:14px;flex-wrap:wrap;margin:4px 0 0;padding:0;list-style:none;font-size:12px;color:#57606a}
.legend span{display:inline-block;width:24px;height:0;border-top:3px solid;vertical-align:middle;margin-right:5px}
.legend .k{width:12px;height:12px;border:1px solid #8c959f;border-radius:3px;margin-right:5px}
.app{flex:1;min-height:0;display:grid;grid-template-columns:250px minmax(0,1fr) 300px}
.side,.panel{overflow:auto;padding:8px 10px;background:#f6f8fa}
.side{border-right:1px solid #d0d7de}
.panel{border-left:1px solid #d0d7de}
.side input[type=search]{width:100%;padding:4px 6px;font:inherit;border:1px solid #8c959f;border-radius:4px}
.filters{border:0;margin:6px 0;padding:0;font-size:12px}
.filters label{margin-right:8px;white-space:nowrap}
.tools{margin:4px 0 6px}
.tools button,.zoom button{font:inherit;font-size:12px;padding:1px 8px;border:1px solid #8c959f;border-radius:4px;
  background:#fff;cursor:pointer}
.status{color:#57606a;font-size:12px;margin:2px 0 6px}
.tree,.tree ul{list-style:none;margin:0;padding-left:12px}
.tree{padding-left:0}
.tree li{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.tree .twisty{display:inline-block;width:14px;border:0;background:none;padding:0;cursor:pointer;font-size:10px;color:#57606a}
.tree .gname{font-weight:600;cursor:pointer}
.tree .leaf{cursor:pointer;padding-left:14px}
.tree .leaf:hover,.tree .gname:hover{text-decoration:underline}
.tree .count{color:#57606a;font-size:11px;margin-left:4px}
.tree .gaps{color:#d62728;font-size:11px;margin-left:4px}
.tree .hit{background:#fff8c5}
.canvas{overflow:auto;position:relative;min-width:0}
.zoom{position:sticky;top:0;left:0;z-index:1;display:flex;gap:4px;width:max-content;padding:6px;background:rgba(255,255,255,.85)}
#map{display:block}
svg text{font:12px Helvetica,Arial,sans-serif;pointer-events:none}
svg text.nothing{font-size:14px;fill:#57606a}
.node rect{stroke:#57606a;stroke-width:1}
.node.destination rect{rx:16px}
.node.group rect{stroke-dasharray:5 3;stroke-width:1.5}
.node.unresolved rect{stroke-dasharray:4 3}
.node.has-gap rect{stroke:#d62728;stroke-width:2}
.node.match rect{fill:#fff8c5;stroke:#9a6700;stroke-width:2}
.node.selected rect{stroke:#0969da;stroke-width:3}
.node{cursor:pointer}
.node .kind{fill:#57606a;font-size:9px;text-transform:uppercase;letter-spacing:.04em}
.edge{cursor:pointer}
.edge path{fill:none;stroke-width:1.6}
.edge path.hit{stroke:transparent;stroke-width:10}
.edge.gap path.line{stroke-width:3.2}
.edge.unknown path.line{stroke-dasharray:6 4}
.edge text{font-size:10px;paint-order:stroke;stroke:#fff;stroke-width:3px}
.edge:hover path.line,.edge.active path.line{stroke-width:4.5}
.dim{opacity:.12}
.empty{padding:24px;color:#57606a}
.hint{color:#57606a}
.edge-item{border-left:4px solid #7f7f7f;padding:4px 8px;margin:6px 0;background:#fff;overflow-wrap:anywhere}
.edge-item.gap{border-color:#d62728}
.edge-item.propagated{border-color:#2ca02c}
.edge-item:target{outline:2px solid #0969da}
.edge-item h3{font-size:13px;margin:2px 0}
.edge-item ul{margin:4px 0;padding-left:16px}
.state{font-weight:600}
.state.gap{color:#d62728}.state.propagated{color:#2ca02c}.state.unknown{color:#57606a}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
dl.about{margin:0 0 8px}dl.about dt{font-weight:600;color:#57606a;font-size:11px;text-transform:uppercase}
dl.about dd{margin:0 0 4px;overflow-wrap:anywhere}
"""

SCRIPT = r"""
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var NODE_W = 190, NODE_H = 40, COL_GAP = 90, SUB_GAP = 22, ROW_GAP = 12, MX = 16, MY = 16;
  var LIMIT = 60, LABEL = 27, LABELS_UP_TO = 60;
  var COLORS = __COLORS__;
  var FILL = __FILL__;
  var ORDER = {gap: 0, unknown: 1, propagated: 2};
  var data = JSON.parse(document.getElementById('graph-data').textContent);
  var svg = document.getElementById('map');
  if (!svg) { document.body.setAttribute('data-ready', 'true'); return; }
  var canvas = document.getElementById('canvas');
  var nodes = data.nodes, edges = data.edges;
  var byId = {}, i;
  for (i = 0; i < nodes.length; i++) { byId[nodes[i].id] = nodes[i]; }

  // -------------------------------------------------------------- names
  function shown(s) {  // control characters as their pictures, as the rest of the page
    return String(s).replace(/[\u0000-\u001f\u007f]/g, function (c) {
      return String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0));
    });
  }
  function fit(s, n) {  // the end of a qualified name; else cut in the middle
    s = shown(s);
    if (s.length <= n) { return s; }
    var parts = s.split('.');
    var tail = parts.pop();
    while (parts.length && tail.length + parts[parts.length - 1].length + 2 <= n) { tail = parts.pop() + '.' + tail; }
    if (tail.length + 1 <= n && tail !== s && tail.length >= n / 2) { return '\u2026' + tail; }
    var head = Math.ceil((n - 1) * 0.4);
    return s.slice(0, head) + '\u2026' + s.slice(s.length - (n - 1 - head));
  }
  function full(n) { return n.detail || n.label; }

  // -------------------------------------------------------------- groups
  function packageOf(q) {  // a.b.module.function -> a.b (a class before the function is dropped too)
    var parts = q.split('.');
    if (parts.length < 3) { return ''; }
    parts.pop();
    if (parts.length > 2 && /^[A-Z]/.test(parts[parts.length - 1])) { parts.pop(); }
    parts.pop();
    return parts.join('.');
  }
  function prefixOf(n) {
    var name = full(n);
    if (/^[A-Za-z_]\w*(\.[A-Za-z_]\w*){2,}$/.test(name)) { return packageOf(name) || name.split('.')[0]; }
    var m = /^([^./:{}\s]+)[./:]/.exec(n.label);
    return m ? m[1] : '';
  }
  var groups = {}, roots = [], memberOf = {};
  function group(id, name, kind, parent) {
    if (!groups[id]) {
      groups[id] = {id: id, name: name, kind: kind, parent: parent, children: [], nodes: [], all: []};
      (parent ? groups[parent].children : roots).push(id);
    }
    return id;
  }
  function place(n, path) {
    groups[path[path.length - 1]].nodes.push(n.id);
    for (var k = 0; k < path.length; k++) { groups[path[k]].all.push(n.id); }
    memberOf[n.id] = path;
  }
  for (i = 0; i < nodes.length; i++) {  // services, their handlers and workers, by package
    var n = nodes[i];
    if (n.kind === 'destination') { continue; }
    var service = n.kind === 'service' ? n.label : (n.service || '(no service)');
    var top = group('s:' + service, service, 'service', null), path = [top];
    var pkg = n.kind === 'service' ? '' : packageOf(full(n));
    if (pkg && pkg !== service) { path.push(group(top + '/' + pkg, pkg, 'package', top)); }
    place(n, path);
  }
  // a destination sits with its consumers when they share one package (else with its only
  // publisher's), so a collapsed package holds the topics it reads; the others are grouped apart
  var near = {};
  edges.forEach(function (e) {
    var d = e.kind === 'consume' ? e.source : byId[e.target].kind === 'destination' ? e.target : null;
    if (!d) { return; }
    var other = d === e.source ? e.target : e.source;
    var side = e.kind === 'consume' ? 'readers' : 'writers';
    near[d] = near[d] || {readers: {}, writers: {}};
    if (memberOf[other]) { near[d][side][memberOf[other].join('\n')] = memberOf[other]; }
  });
  for (i = 0; i < nodes.length; i++) {
    var d = nodes[i];
    if (d.kind !== 'destination') { continue; }
    var by = near[d.id] || {readers: {}, writers: {}}, readers = Object.keys(by.readers), writers = Object.keys(by.writers);
    var home = readers.length === 1 ? by.readers[readers[0]] : !readers.length && writers.length === 1 ? by.writers[writers[0]] : null;
    if (home && home.length > 1) { place(d, home); continue; }
    var topd = group('d:', 'topics, queues and tasks', 'destinations', null), dpath = [topd], pre = prefixOf(d);
    if (pre) { dpath.push(group(topd + '/' + pre, pre + '\u2026', 'topics', topd)); }
    place(d, dpath);
  }
  function byName(a, b) {
    var ka = groups[a].kind === 'destinations' ? 1 : 0, kb = groups[b].kind === 'destinations' ? 1 : 0;
    return ka - kb || (groups[a].name < groups[b].name ? -1 : groups[a].name > groups[b].name ? 1 : 0);
  }
  roots.sort(byName);
  Object.keys(groups).forEach(function (g) { groups[g].children.sort(byName); });

  // -------------------------------------------------------------- state
  var expanded = {}, forced = {};
  var stateOn = {gap: true, unknown: true, propagated: true};
  var kindOn = {publish: true, consume: true, handoff: true};
  var query = '', selected = null, zoom = 1, view = null;

  function collapsible(g) { return groups[g].all.length > 1; }
  function isOpen(g) { return !collapsible(g) || expanded[g] || forced[g]; }
  function rep(id) {
    var path = memberOf[id];
    for (var j = 0; j < path.length; j++) { if (!isOpen(path[j])) { return path[j]; } }
    return id;
  }
  function matches(n) {
    return !query || (full(n) + ' ' + n.label + ' ' + (n.service || '')).toLowerCase().indexOf(query) >= 0;
  }
  function worst(list) {
    var w = 'propagated';
    list.forEach(function (s) { if (ORDER[s] < ORDER[w]) { w = s; } });
    return w;
  }

  // -------------------------------------------------------------- what is on screen
  function compute() {
    forced = {};
    var hit = {}, kept = [], shownNodes = {};
    nodes.forEach(function (n) { if (query && matches(n)) { hit[n.id] = true; } });
    edges.forEach(function (e) {
      if (!stateOn[e.state] || !kindOn[e.kind]) { return; }
      if (query && !hit[e.source] && !hit[e.target]) { return; }
      kept.push(e);
      shownNodes[e.source] = shownNodes[e.target] = true;
    });
    Object.keys(hit).forEach(function (id) {
      shownNodes[id] = true;
      memberOf[id].forEach(function (g) { forced[g] = true; });
    });
    var items = {}, agg = {}, aggList = [];
    function item(id) {
      if (!items[id]) {
        items[id] = groups[id] ? {id: id, group: groups[id], members: [], gap: false, hit: false}
                               : {id: id, node: byId[id], members: [id], gap: false, hit: !!hit[id]};
      }
      return items[id];
    }
    nodes.forEach(function (n) {
      if (!shownNodes[n.id]) { return; }
      var it = item(rep(n.id));
      if (it.group) { it.members.push(n.id); if (hit[n.id]) { it.hit = true; } }
    });
    kept.forEach(function (e) {
      var s = rep(e.source), t = rep(e.target);
      if (e.state === 'gap') { item(s).gap = true; item(t).gap = true; }
      if (s === t) { return; }
      var key = s + '\u0000' + t;
      if (!agg[key]) { agg[key] = {source: s, target: t, edges: []}; aggList.push(agg[key]); }
      agg[key].edges.push(e);
    });
    aggList.forEach(function (a) {
      var sites = [];
      a.edges.forEach(function (e) { sites = sites.concat(e.sites); });
      a.state = worst(a.edges.map(function (e) { return e.state; }));
      a.calls = sites.length;
      a.worstCalls = sites.filter(function (s) { return s.state === a.state; }).length;
      var codes = {};
      a.edges.forEach(function (e) { e.codes.forEach(function (c) { codes[c] = true; }); });
      a.codes = Object.keys(codes).sort();
    });
    view = {items: items, edges: aggList, kept: kept, hit: hit, shownNodes: shownNodes};
    return view;
  }

  function edgeText(a) {  // the label of a drawn edge: Python's for a single edge, else merged
    if (a.edges.length === 1) {
      var entry = document.getElementById(a.edges[0].id);
      if (entry && entry.getAttribute('data-label')) { return entry.getAttribute('data-label'); }
    }
    var head = a.state === 'gap' && a.codes.length ? 'gap ' + a.codes.join(',') : a.state;
    if (a.worstCalls < a.calls) { return head + ' in ' + a.worstCalls + ' of ' + a.calls + ' calls'; }
    return head + (a.calls > 1 ? ' \u00b7 ' + a.calls + ' calls' : '');
  }
  function mapText(a) {  // what is written on the drawing (gaps only: the rest is on hover)
    if (a.state !== 'gap' || view.edges.length > LABELS_UP_TO) { return ''; }
    var t = a.codes.join(',') || 'gap';
    return a.worstCalls < a.calls ? t + ' (' + a.worstCalls + '/' + a.calls + ')' : t;
  }

  // -------------------------------------------------------------- layout
  function layout(v) {
    var ids = Object.keys(v.items).sort(function (a, b) { return sortKey(a) < sortKey(b) ? -1 : 1; });
    var preds = {}, succs = {}, rank = {};
    ids.forEach(function (id) { preds[id] = []; succs[id] = []; rank[id] = 0; });
    v.edges.forEach(function (a) { preds[a.target].push(a.source); succs[a.source].push(a.target); });
    for (var round = 0; round < ids.length; round++) {
      var changed = false;
      v.edges.forEach(function (a) {
        if (rank[a.target] < rank[a.source] + 1 && rank[a.source] + 1 < ids.length) {
          rank[a.target] = rank[a.source] + 1; changed = true;
        }
      });
      if (!changed) { break; }
    }
    var columns = {}, position = {};
    ids.forEach(function (id) { (columns[rank[id]] = columns[rank[id]] || []).push(id); });
    var order = Object.keys(columns).map(Number).sort(function (a, b) { return a - b; });
    order.forEach(function (r) { columns[r].forEach(function (id, j) { position[id] = j; }); });
    function sweep(cols, near) {
      cols.forEach(function (r) {
        var col = columns[r];
        var key = {};
        col.forEach(function (id) {
          var ps = near[id].filter(function (m) { return rank[m] !== r; }).map(function (m) { return position[m]; });
          key[id] = ps.length ? ps.reduce(function (x, y) { return x + y; }, 0) / ps.length : position[id];
        });
        col.sort(function (a, b) { return key[a] - key[b] || position[a] - position[b]; });
        col.forEach(function (id, j) { position[id] = j; });
      });
    }
    for (var s = 0; s < 3; s++) { sweep(order.slice(1), preds); sweep(order.slice(0, -1).reverse(), succs); }
    var step = NODE_H + ROW_GAP;
    var room = Math.max(4, Math.floor((canvas.clientHeight - 40 - MY - 24) / step));
    var coords = {}, x = MX, height = 0, width = 0;
    order.forEach(function (r) {
      var col = columns[r], subs = Math.ceil(col.length / room), per = Math.ceil(col.length / subs);
      col.forEach(function (id, j) {
        var sub = Math.floor(j / per), row = j % per;
        coords[id] = [x + sub * (NODE_W + SUB_GAP), MY + row * step];
        height = Math.max(height, MY + row * step + NODE_H);
      });
      x += subs * (NODE_W + SUB_GAP) - SUB_GAP + COL_GAP;
      width = x - COL_GAP + MX;
    });
    return {coords: coords, width: Math.max(width, 420), height: Math.max(height + 24, 60)};
  }
  function sortKey(id) {
    var it = view.items[id];
    var kind = it.group ? (it.group.kind === 'destinations' || groups[rootOf(id)].kind === 'destinations' ? 'c' : 'b')
                        : {service: 'a', handler: 'b', destination: 'c', worker: 'd'}[it.node.kind];
    return kind + ' ' + (it.group ? it.group.name : it.node.label) + ' ' + id;
  }
  function rootOf(g) { while (groups[g].parent) { g = groups[g].parent; } return g; }

  function curve(a, b) {
    var x1 = a[0] + NODE_W, y1 = a[1] + NODE_H / 2, x2 = b[0], y2 = b[1] + NODE_H / 2, c1, c2;
    if (x2 > x1) { var dx = (x2 - x1) / 2; c1 = [x1 + dx, y1]; c2 = [x2 - dx, y2]; }
    else { var low = Math.max(a[1], b[1]) + NODE_H + 30; c1 = [x1 + 80, low]; c2 = [x2 - 80, low]; }
    var mid = [(x1 + 3 * c1[0] + 3 * c2[0] + x2) / 8, (y1 + 3 * c1[1] + 3 * c2[1] + y2) / 8];
    return {d: 'M' + x1 + ',' + y1 + ' C' + c1[0] + ',' + c1[1] + ' ' + c2[0] + ',' + c2[1] + ' ' + (x2 - 2) + ',' + y2, mid: mid};
  }

  // -------------------------------------------------------------- drawing
  function el(name, attrs, parent, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function title(parent, text) { el('title', {}, parent, text); }

  function draw() {
    var v = compute();
    var geo = layout(v);
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var defs = el('defs', {}, svg);
    Object.keys(COLORS).sort().forEach(function (state) {
      var m = el('marker', {id: 'arrow-' + state, viewBox: '0 0 10 10', refX: 9, refY: 5, markerUnits: 'userSpaceOnUse',
                            markerWidth: 11, markerHeight: 11, orient: 'auto-start-reverse'}, defs);
      el('path', {d: 'M0,0 L10,5 L0,10 z', fill: COLORS[state]}, m);
    });
    var ge = el('g', {'class': 'edges'}, svg), gn = el('g', {'class': 'nodes'}, svg);
    v.edges.forEach(function (a, j) {
      var c = curve(geo.coords[a.source], geo.coords[a.target]);
      var g = el('g', {'class': 'edge ' + a.state, 'data-source': a.source, 'data-target': a.target,
                       'data-edges': a.edges.map(function (e) { return e.id; }).join(' '), id: 'edge-' + j}, ge);
      title(g, shown(nameOf(a.source) + ' \u2192 ' + nameOf(a.target) + ': ' + edgeText(a)));
      el('path', {'class': 'hit', d: c.d}, g);
      el('path', {'class': 'line', d: c.d, stroke: COLORS[a.state], 'marker-end': 'url(#arrow-' + a.state + ')'}, g);
      var t = mapText(a);
      if (t) { el('text', {x: c.mid[0].toFixed(1), y: (c.mid[1] - 5).toFixed(1), 'text-anchor': 'middle', fill: COLORS[a.state]}, g, t); }
    });
    Object.keys(v.items).forEach(function (id) {
      var it = v.items[id], xy = geo.coords[id], cls = ['node'], kindText, label, tip;
      if (it.group) {
        var parts = [it.members.length + ' of ' + it.group.all.length];
        cls.push('group');
        kindText = '+ ' + (it.group.kind === 'destinations' ? 'destinations' : it.group.kind) + ' \u00b7 ' + parts[0];
        label = it.group.kind === 'destinations' ? it.group.name : it.group.name;
        tip = 'group ' + it.group.name + ' (' + it.group.all.length + ' nodes): click to expand';
      } else {
        var n = it.node;
        cls.push(n.kind);
        if (n.kind === 'destination' && n.resolved === false) { cls.push('unresolved'); }
        kindText = n.service && n.kind !== 'service' ? n.kind + ' \u00b7 ' + n.service : n.kind;
        label = labelIn(n);
        tip = n.kind + ': ' + full(n) + (n.service && n.kind !== 'service' ? ' (service ' + n.service + ')' : '');
      }
      if (it.gap) { cls.push('has-gap'); }
      if (it.hit) { cls.push('match'); }
      if (selected === id) { cls.push('selected'); }
      var g = el('g', {'class': cls.join(' '), 'data-id': id, transform: 'translate(' + xy[0] + ',' + xy[1] + ')'}, gn);
      title(g, shown(tip));
      el('rect', {width: NODE_W, height: NODE_H, rx: 4, fill: FILL[it.group ? 'group' : it.node.kind] || '#fff'}, g);
      el('text', {'class': 'kind', x: 8, y: 13}, g, fit(kindText, LABEL + 6));
      el('text', {'class': 'label', x: 8, y: 31}, g, fit(label, LABEL));
    });
    if (!v.edges.length && !Object.keys(v.items).length) {
      el('text', {x: MX, y: MY + 14, 'class': 'nothing'}, svg,
         query ? 'Nothing matches \u201c' + shown(search.value) + '\u201d with these filters.' : 'No edge has the states and kinds chosen.');
    }
    svg.setAttribute('viewBox', '0 0 ' + geo.width + ' ' + geo.height);
    svg.setAttribute('data-width', geo.width);
    svg.setAttribute('data-height', geo.height);
    svg.setAttribute('data-nodes-shown', Object.keys(v.shownNodes).length);
    svg.setAttribute('data-edges-shown', v.kept.length);
    applyZoom();
    if (selected && v.items[selected]) { focus(selected); }
    tree();
    var status = document.getElementById('status');
    status.textContent = Object.keys(v.items).length + ' boxes, ' + v.edges.length + ' arrows shown (' +
      Object.keys(v.shownNodes).length + ' of ' + nodes.length + ' nodes, ' + v.kept.length + ' of ' + edges.length + ' edges)' +
      (query ? ' \u00b7 ' + Object.keys(v.hit).length + ' match' + (Object.keys(v.hit).length === 1 ? '' : 'es') : '');
  }
  function nameOf(id) { return groups[id] ? groups[id].name + ' (group)' : full(byId[id]); }
  function labelIn(n) {  // a name inside its package group: without the package
    var path = memberOf[n.id], g = groups[path[path.length - 1]];
    var name = n.label;
    if (n.kind === 'destination' && g.kind === 'package' && name.indexOf(g.name + '.') === 0) { name = name.slice(g.name.length + 1); }
    return name;
  }
  function applyZoom() {
    var w = +svg.getAttribute('data-width'), h = +svg.getAttribute('data-height');
    svg.setAttribute('width', Math.round(w * zoom));
    svg.setAttribute('height', Math.round(h * zoom));
  }

  // -------------------------------------------------------------- selection
  function focus(id) {
    var keep = {}; keep[id] = true;
    var es = svg.querySelectorAll('.edge'), ns = svg.querySelectorAll('.node'), j;
    for (j = 0; j < es.length; j++) {
      var e = es[j], on = e.getAttribute('data-source') === id || e.getAttribute('data-target') === id;
      e.classList.toggle('active', on); e.classList.toggle('dim', !on);
      if (on) { keep[e.getAttribute('data-source')] = keep[e.getAttribute('data-target')] = true; }
    }
    for (j = 0; j < ns.length; j++) {
      ns[j].classList.toggle('dim', !keep[ns[j].getAttribute('data-id')]);
      ns[j].classList.toggle('selected', ns[j].getAttribute('data-id') === id);
    }
  }
  function clear() {
    selected = null;
    var all = svg.querySelectorAll('.dim, .active, .selected');
    for (var j = 0; j < all.length; j++) { all[j].classList.remove('dim', 'active', 'selected'); }
    panel(null, []);
  }
  function panel(heading, edgeIds, about) {
    var box = document.getElementById('selection');
    while (box.firstChild) { box.removeChild(box.firstChild); }
    if (!heading) {
      var p = document.createElement('p'); p.className = 'hint';
      p.textContent = 'Click a box for its edges and findings, a group to expand it, an arrow for its calls.';
      box.appendChild(p); return;
    }
    var h = document.createElement('h2'); h.textContent = shown(heading); box.appendChild(h);
    if (about) {
      var dl = document.createElement('dl'); dl.className = 'about';
      about.forEach(function (pair) {
        var dt = document.createElement('dt'), dd = document.createElement('dd');
        dt.textContent = pair[0]; dd.textContent = shown(pair[1]); dl.appendChild(dt); dl.appendChild(dd);
      });
      box.appendChild(dl);
    }
    edgeIds.slice(0, 60).forEach(function (eid) {
      var entry = document.getElementById(eid);
      if (entry) { var copy = entry.cloneNode(true); copy.removeAttribute('id'); box.appendChild(copy); }
    });
    if (edgeIds.length > 60) {
      var more = document.createElement('p'); more.className = 'hint';
      more.textContent = (edgeIds.length - 60) + ' more in the list of all edges below'; box.appendChild(more);
    }
  }
  function selectNode(id) {
    selected = id;
    focus(id);
    var members = view.items[id].members, inside = {};
    members.forEach(function (m) { inside[m] = true; });
    var ids = view.kept.filter(function (e) { return inside[e.source] || inside[e.target]; }).map(function (e) { return e.id; });
    var n = byId[id];
    var about = [['kind', n.kind], ['name', full(n)]];
    if (n.service) { about.push(['service', n.service]); }
    var path = memberOf[id];
    if (path.length > 1) { about.push(['package', groups[path[path.length - 1]].name]); }
    panel(n.label, ids, about);
  }
  function reveal(id) {  // expand the groups a node is in, select it, scroll it into view
    memberOf[id].forEach(function (g) { expanded[g] = true; });
    draw();
    if (view.items[id]) {
      selectNode(id);
      var box = svg.querySelector('.node[data-id="' + cssEscape(id) + '"]');
      if (box && box.scrollIntoView) { box.scrollIntoView({block: 'center', inline: 'center'}); }
    }
  }
  function cssEscape(s) { return window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, '\\$&'); }

  svg.addEventListener('click', function (ev) {
    var t = ev.target;
    while (t && t !== svg && !(t.classList && (t.classList.contains('node') || t.classList.contains('edge')))) { t = t.parentNode; }
    if (!t || t === svg) { clear(); return; }
    if (t.classList.contains('edge')) {
      var ids = t.getAttribute('data-edges').split(' ');
      panel(nameOf(t.getAttribute('data-source')) + ' \u2192 ' + nameOf(t.getAttribute('data-target')), ids);
      return;
    }
    var id = t.getAttribute('data-id');
    if (groups[id]) { expanded[id] = true; draw(); return; }
    if (selected === id) { clear(); } else { selectNode(id); }
  });

  // -------------------------------------------------------------- the sidebar's tree
  function tree() {
    var root = document.getElementById('tree');
    while (root.firstChild) { root.removeChild(root.firstChild); }
    roots.forEach(function (g) { branch(g, root); });
  }
  function branch(g, parent) {
    var grp = groups[g];
    var members = grp.all.filter(function (id) { return view.shownNodes[id]; });
    if (!members.length) { return; }
    if (!collapsible(g)) { leaf(members[0], parent); return; }
    var li = document.createElement('li'), open = isOpen(g);
    li.className = 'group';
    var tw = document.createElement('button');
    tw.className = 'twisty'; tw.type = 'button'; tw.textContent = open ? '\u25be' : '\u25b8';
    tw.setAttribute('aria-expanded', open ? 'true' : 'false'); tw.setAttribute('data-group', g);
    tw.title = (open ? 'collapse ' : 'expand ') + grp.name;
    var name = document.createElement('span');
    name.className = 'gname'; name.textContent = shown(relative(grp)); name.title = shown(grp.name); name.setAttribute('data-group', g);
    var count = document.createElement('span'); count.className = 'count'; count.textContent = members.length;
    li.appendChild(tw); li.appendChild(name); li.appendChild(count);
    var gaps = view.kept.filter(function (e) { return e.state === 'gap' && (members.indexOf(e.source) >= 0 || members.indexOf(e.target) >= 0); }).length;
    if (gaps) { var gs = document.createElement('span'); gs.className = 'gaps'; gs.textContent = gaps + ' gap' + (gaps === 1 ? '' : 's'); li.appendChild(gs); }
    if (open) {
      var ul = document.createElement('ul');
      grp.children.forEach(function (c) { branch(c, ul); });
      grp.nodes.filter(function (id) { return view.shownNodes[id]; }).forEach(function (id) { leaf(id, ul); });
      li.appendChild(ul);
    }
    parent.appendChild(li);
  }
  function relative(grp) {  // a package under its service: without the service's name
    var up = grp.parent ? groups[grp.parent].name + '.' : '';
    return up && grp.name.indexOf(up) === 0 ? grp.name.slice(up.length) : grp.name;
  }
  function leaf(id, parent) {
    var n = byId[id], li = document.createElement('li');
    li.className = 'leaf' + (view.hit[id] ? ' hit' : '');
    li.setAttribute('data-node', id);
    li.textContent = fit(labelIn(n), 34);
    li.title = shown(n.kind + ': ' + full(n));
    parent.appendChild(li);
  }
  document.getElementById('tree').addEventListener('click', function (ev) {
    var t = ev.target;
    var g = t.getAttribute && t.getAttribute('data-group');
    if (g) {
      if (isOpen(g)) { expanded[g] = false; forced[g] = false; } else { expanded[g] = true; }
      draw(); return;
    }
    var id = t.getAttribute && t.getAttribute('data-node');
    if (id) { reveal(id); }
  });

  // -------------------------------------------------------------- controls
  var search = document.getElementById('search');
  search.addEventListener('input', function () { query = search.value.trim().toLowerCase(); selected = null; draw(); });
  Array.prototype.forEach.call(document.querySelectorAll('.filters input'), function (box) {
    box.addEventListener('change', function () {
      (box.name === 'state' ? stateOn : kindOn)[box.value] = box.checked;
      draw();
    });
  });
  document.getElementById('expand-all').addEventListener('click', function () {
    Object.keys(groups).forEach(function (g) { expanded[g] = true; }); draw();
  });
  document.getElementById('collapse-all').addEventListener('click', function () { expanded = {}; draw(); });
  document.getElementById('zoom-in').addEventListener('click', function () { zoom = Math.min(3, zoom * 1.25); applyZoom(); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom = Math.max(0.2, zoom / 1.25); applyZoom(); });
  document.getElementById('zoom-fit').addEventListener('click', function () { fitZoom(); applyZoom(); });
  function fitZoom() {
    var w = +svg.getAttribute('data-width'), h = +svg.getAttribute('data-height');
    zoom = Math.max(0.7, Math.min(1, (canvas.clientWidth - 8) / w, (canvas.clientHeight - 8) / h));
  }

  // -------------------------------------------------------------- first view
  // open groups level by level while the drawing keeps about LIMIT boxes (within the level that
  // does not fit whole, the groups with most gaps first)
  (function open() {
    var level = roots.filter(collapsible), count = roots.length;
    while (level.length) {
      var cost = function (g) { return groups[g].children.length + groups[g].nodes.length - 1; };
      var total = level.reduce(function (t, g) { return t + cost(g); }, 0);
      if (count + total > LIMIT) {
        level.slice().sort(function (a, b) { return gapCount(b) - gapCount(a); }).forEach(function (g) {
          if (count + cost(g) <= LIMIT) { expanded[g] = true; count += cost(g); }
        });
        return;
      }
      var next = [];
      level.forEach(function (g) { expanded[g] = true; next = next.concat(groups[g].children.filter(collapsible)); });
      count += total;
      level = next;
    }
  })();
  function gapCount(g) {
    var inside = {};
    groups[g].all.forEach(function (id) { inside[id] = true; });
    return edges.filter(function (e) { return e.state === 'gap' && (inside[e.source] || inside[e.target]); }).length;
  }
  draw();
  fitZoom();
  applyZoom();
  panel(null, []);
  document.body.setAttribute('data-ready', 'true');
})();
"""


def _e(s) -> str:
    """Text or an attribute value: HTML-escaped, control characters shown as pictures and the
    bytes of names that are not UTF-8 as ``\\xNN`` (the page is UTF-8)."""
    return html.escape(printable(str(s)), quote=True)


def _script() -> str:
    text = SCRIPT.replace("__COLORS__", json.dumps(COLORS, sort_keys=True))
    return text.replace("__FILL__", json.dumps(KIND_FILL, sort_keys=True))


# ---------------------------------------------------------------------- page
def render_html(graph: Graph, title: str = "", link_prefix: str = "") -> str:
    names = {n.id: n for n in graph.nodes}
    counts = {k: sum(1 for n in graph.nodes if n.kind == k) for k in ("service", "destination", "handler", "worker")}
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
    out.append("</header>")
    out.append('<div class="app">')
    out.append('<nav class="side" aria-label="groups, search and filters">')
    out.append('<input type="search" id="search" placeholder="Search names…" aria-label="search names">')
    out.append('<fieldset class="filters"><legend>edges</legend>'
               + "".join(f'<label><input type="checkbox" name="state" value="{s}" checked> {s}</label>'
                         for s in ("gap", "unknown", "propagated"))
               + "<br>"
               + "".join(f'<label><input type="checkbox" name="kind" value="{k}" checked> {v}</label>'
                         for k, v in KIND_VERB.items())
               + "</fieldset>")
    out.append('<div class="tools"><button type="button" id="expand-all">expand all</button> '
               '<button type="button" id="collapse-all">collapse all</button></div>')
    out.append('<p class="status" id="status"></p>')
    out.append('<ul class="tree" id="tree"></ul>')
    out.append("</nav>")
    out.append('<main class="canvas" id="canvas">')
    if not graph.nodes:
        out.append('<p class="empty">No asynchronous edges found (no publish, consume or hand-off calls the linter knows).</p>')
    else:
        out.append('<div class="zoom"><button type="button" id="zoom-out" title="zoom out">−</button>'
                   '<button type="button" id="zoom-fit" title="fit the window">fit</button>'
                   '<button type="button" id="zoom-in" title="zoom in">+</button></div>')
        out.append(f'<svg id="map" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}"></svg>')
    out.append("</main>")
    out.append('<aside class="panel" id="panel">')
    out.append('<div id="selection"></div>')
    out.append(f'<details id="all-edges"><summary>All {_n(len(graph.edges), "edge")}</summary>')
    out.append('<section class="edges">')
    for e in graph.edges:
        src, dst = names[e.source], names[e.target]
        out.append(f'<div class="edge-item {_e(e.state)}" id="{_e(e.id)}" data-label="{_e(edge_label(e))}">')
        out.append(
            f"<h3>{_e(KIND_VERB[e.kind])} <code>{_e(src.detail or src.label)}</code> → "
            f"<code>{_e(dst.detail or dst.label)}</code>: "
            f'<span class="state {_e(e.state)}">{_e(state_label(e))}</span>'
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
    out.append("</section></details>")
    out.append("</aside>")
    out.append("</div>")
    # "<" only ever appears inside JSON strings: as \u003c it cannot end the script element
    # ("</script>") or open a comment ("<!--") in it
    data = json.dumps(graph.as_dict(), sort_keys=True, ensure_ascii=True).replace("<", "\\u003c")
    out.append(f'<script type="application/json" id="graph-data">{data}</script>')
    out.append(f"<script>{_script()}</script>")
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
