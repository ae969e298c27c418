"""``propagation-lint graph``: the propagation map in every format, its filters and determinism."""
from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from propagation_lint.cli import main

HERE = Path(__file__).parent
CHAIN = HERE / "graph_fixtures" / "chain"
SHOP = HERE.parent / "fixtures" / "shop"


def graph(path: Path, *args: str, code: int = 0) -> str:
    old = os.getcwd()
    os.chdir(path)
    try:
        result = CliRunner().invoke(main, ["graph", "--no-cache", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == code, result.output
    return result.stdout


def as_json(path: Path, *args: str) -> dict:
    return json.loads(graph(path, "--format", "json", *args))


def site(path, line, column, end_line, end_column, function, state, findings=()):
    return {"path": path, "line": line, "column": column, "end_line": end_line, "end_column": end_column,
            "function": function, "state": state, "findings": list(findings)}


def finding(code, message, path, line, column):
    return {"code": code, "message": message, "path": path, "line": line, "column": column}


NO_HEADERS = "kafka-python `producer.send()` publishes without trace context: no `headers` argument is passed"
POOL = "`pool.submit(render, ...)` runs `render` on a pool thread without the caller's trace context"
UNLINKED = ("kafka-python consume loop over `record` starts `audit` with neither the producer's context as parent "
            "nor a link to it: a new, unrelated trace begins here")
FOLLOW_UP = ("`producer.send()` publishes a follow-up event while handling kafka-python message `record`, whose trace "
             "context was never extracted: the outgoing carrier gets an unrelated (or empty) context and the causal "
             "chain breaks here")
REMOTE_FOLLOW_UP = ("`producer.send()` publishes a follow-up event from `on_return()`, a message handler registered "
                    "elsewhere that never extracts the incoming message's context: the chain breaks here")


def test_chain_json_graph_exactly():
    got = as_json(CHAIN)
    assert got == {
        "version": 1,
        "summary": {"nodes": 13, "edges": 10, "gap_edges": 6, "propagated_edges": 3, "unknown_edges": 1},
        "nodes": [
            {"id": "service:billing", "kind": "service", "label": "billing"},
            {"id": "service:reporting", "kind": "service", "label": "reporting"},
            {"id": "handler:shipping.worker.audit", "kind": "handler", "label": "audit", "service": "shipping",
             "detail": "shipping.worker.audit"},
            # registered in shipping/main.py, defined in shipping/returns.py
            {"id": "handler:shipping.returns.on_return", "kind": "handler", "label": "on_return", "service": "shipping",
             "detail": "shipping.returns.on_return"},
            {"id": "handler:shipping.worker.run", "kind": "handler", "label": "run", "service": "shipping",
             "detail": "shipping.worker.run"},
            {"id": "destination:audit.eu", "kind": "destination", "label": "audit.eu", "resolved": True},
            {"id": "destination:billing.paid.{region}", "kind": "destination", "label": "billing.paid.{region}",
             "resolved": False},
            # the imported constant is read from common/topics.py, a file the linter never parses; the
            # publisher names it in send(), the consumer in subscribe([...])
            {"id": "destination:invoices", "kind": "destination", "label": "invoices", "resolved": True},
            {"id": "destination:refunds", "kind": "destination", "label": "refunds", "resolved": True},
            {"id": "destination:returns", "kind": "destination", "label": "returns", "resolved": True},
            {"id": "destination:shipments", "kind": "destination", "label": "shipments", "resolved": True},
            # a parameter: unknown, and never merged with another unknown destination
            {"id": "destination:{topic}@billing.events.forward", "kind": "destination", "label": "{topic}",
             "resolved": False},
            {"id": "worker:thread:reporting.jobs.render@reporting", "kind": "worker", "label": "thread: render",
             "service": "reporting", "detail": "reporting.jobs.render"},
        ],
        "edges": [
            {"id": "e1", "kind": "publish", "source": "service:billing", "target": "destination:billing.paid.{region}",
             "state": "gap", "codes": ["CTX101"], "libraries": ["kafka-python"],
             "sites": [site("billing/events.py", 23, 5, 23, 60, "billing.events.invoice_paid", "gap",
                            [finding("CTX101", NO_HEADERS, "billing/events.py", 23, 5)])]},
            {"id": "e2", "kind": "publish", "source": "service:billing", "target": "destination:invoices",
             "state": "gap", "codes": ["CTX101"], "libraries": ["kafka-python"],
             "sites": [site("billing/events.py", 15, 5, 15, 98, "billing.events.invoice_created", "propagated"),
                       site("billing/events.py", 19, 5, 19, 43, "billing.events.invoice_voided", "gap",
                            [finding("CTX101", NO_HEADERS, "billing/events.py", 19, 5)])]},
            {"id": "e3", "kind": "publish", "source": "service:billing",
             "target": "destination:{topic}@billing.events.forward",
             "state": "propagated", "codes": [], "libraries": ["kafka-python"],
             "sites": [site("billing/events.py", 29, 5, 29, 95, "billing.events.forward", "propagated")]},
            {"id": "e4", "kind": "handoff", "source": "service:reporting",
             "target": "worker:thread:reporting.jobs.render@reporting",
             "state": "gap", "codes": ["CTX201"], "libraries": ["ThreadPoolExecutor.submit"],
             "sites": [site("reporting/jobs.py", 18, 20, 18, 49, "reporting.jobs.build", "gap",
                            [finding("CTX201", POOL, "reporting/jobs.py", 18, 20)]),
                       site("reporting/jobs.py", 19, 20, 19, 81, "reporting.jobs.build", "propagated")]},
            # follow-up publishes inside handlers chain destinations: invoices -> run -> shipments -> audit -> audit.eu
            # one defect, one finding: the CTX103 explanation rides on the CTX101 finding (its evidence)
            {"id": "e5", "kind": "publish", "source": "handler:shipping.returns.on_return", "target": "destination:refunds",
             "state": "gap", "codes": ["CTX101"], "libraries": ["kafka-python"],
             "sites": [site("shipping/returns.py", 10, 5, 10, 83, "shipping.returns.on_return", "gap",
                            [finding("CTX101", NO_HEADERS, "shipping/returns.py", 10, 5)])]},
            {"id": "e6", "kind": "publish", "source": "handler:shipping.worker.audit", "target": "destination:audit.eu",
             "state": "gap", "codes": ["CTX101"], "libraries": ["kafka-python"],
             "sites": [site("shipping/worker.py", 29, 13, 29, 65, "shipping.worker.audit", "gap",
                            [finding("CTX101", NO_HEADERS, "shipping/worker.py", 29, 13)])]},
            {"id": "e7", "kind": "publish", "source": "handler:shipping.worker.run", "target": "destination:shipments",
             "state": "propagated", "codes": [], "libraries": ["kafka-python"],
             "sites": [site("shipping/worker.py", 22, 13, 22, 114, "shipping.worker.run", "propagated")]},
            # consume edges: the site is where the messages come from; CTX3xx findings in the handler make a gap
            {"id": "e8", "kind": "consume", "source": "destination:invoices", "target": "handler:shipping.worker.run",
             "state": "propagated", "codes": [], "libraries": ["kafka-python"],
             "sites": [site("shipping/worker.py", 17, 19, 17, 27, "shipping.worker.run", "propagated")]},
            # a handler defined in another module: its state is not known from the registration
            {"id": "e9", "kind": "consume", "source": "destination:returns", "target": "handler:shipping.returns.on_return",
             "state": "unknown", "codes": [], "libraries": ["pika"],
             "sites": [site("shipping/main.py", 7, 1, 7, 70, "shipping.returns.on_return", "unknown")]},
            {"id": "e10", "kind": "consume", "source": "destination:shipments", "target": "handler:shipping.worker.audit",
             "state": "gap", "codes": ["CTX301"], "libraries": ["kafka-python"],
             "sites": [site("shipping/worker.py", 27, 19, 27, 27, "shipping.worker.audit", "gap",
                            [finding("CTX301", UNLINKED, "shipping/worker.py", 28, 14)])]},
        ],
    }


def test_shop_publish_consume_and_handoff_edges():
    got = as_json(SHOP)
    edges = {(e["kind"], e["source"], e["target"]): (e["state"], e["codes"]) for e in got["edges"]}
    invoices = "destination:https://sqs.eu-west-1.amazonaws.com/123456789012/invoices"
    assert edges == {
        ("publish", "service:orders", "destination:orders"): ("propagated", []),
        ("publish", "service:orders", "destination:orders.cancelled"): ("gap", ["CTX101"]),
        ("publish", "service:orders", invoices): ("gap", ["CTX101"]),
        ("handoff", "service:reports", "worker:thread:shop.reports.render_section@reports"): ("gap", ["CTX201"]),
        # KafkaConsumer("payments", ...): the loop's span starts a new trace; "refunds" is parented to the message
        ("consume", "destination:payments", "handler:shop.payments_consumer.run"): ("gap", ["CTX301"]),
        ("consume", "destination:refunds", "handler:shop.payments_consumer.run_linked"): ("propagated", []),
    }
    labels = {n["id"]: n["label"] for n in got["nodes"]}
    assert labels[invoices] == "invoices"  # a queue URL is shown by its name


def test_every_format_is_byte_identical_across_runs_and_jobs():
    for fmt in ("json", "mermaid", "dot", "html"):
        one = graph(CHAIN, "--format", fmt, "-j", "1")
        two = graph(CHAIN, "--format", fmt, "-j", "3")
        assert one == two, fmt
        assert one.endswith("\n")


def test_filters():
    only = as_json(CHAIN, "--destination", "invoices")
    # the whole flow through it: publisher, consumer, and the hops downstream of the consumer
    assert [(e["source"], e["target"]) for e in only["edges"]] == [
        ("service:billing", "destination:invoices"),
        ("handler:shipping.worker.audit", "destination:audit.eu"),
        ("handler:shipping.worker.run", "destination:shipments"),
        ("destination:invoices", "handler:shipping.worker.run"),
        ("destination:shipments", "handler:shipping.worker.audit"),
    ]
    assert "destination:returns" not in {n["id"] for n in only["nodes"]}

    reporting = as_json(CHAIN, "--service", "reporting")
    assert [e["kind"] for e in reporting["edges"]] == ["handoff"]

    gaps = as_json(CHAIN, "--only-gaps")
    assert [e["state"] for e in gaps["edges"]] == ["gap"] * 6
    assert {e["kind"] for e in gaps["edges"]} == {"publish", "consume", "handoff"}
    assert "destination:{topic}@billing.events.forward" not in {n["id"] for n in gaps["nodes"]}

    nothing = as_json(CHAIN, "--destination", "no-such-topic")
    assert nothing["nodes"] == [] and nothing["edges"] == []


def test_service_root_option_and_config(tmp_path):
    project = tmp_path / "repo"
    shutil.copytree(CHAIN, project)
    # every file below one directory: services are one level further down
    assert {n["label"] for n in as_json(project, "billing")["nodes"] if n["kind"] == "service"} == {"events"}
    got = as_json(project, "--service-root", ".", "billing")
    assert {n["label"] for n in got["nodes"] if n["kind"] == "service"} == {"billing"}
    (project / "pyproject.toml").write_text('[tool.propagation-lint]\nservice-root = "billing"\n')
    got = as_json(project)
    assert {n["label"] for n in got["nodes"] if n["kind"] == "service"} == {"events", "reporting"}


def test_destination_names(tmp_path):
    (tmp_path / "pub.py").write_text(textwrap.dedent('''
        from kafka import KafkaProducer
        from opentelemetry.propagate import inject

        BASE = "orders"
        REGION = "eu"
        REGION = "us"

        class Events:
            def __init__(self):
                self.producer = KafkaProducer()
                self.topic = BASE + ".created"

            def created(self, order):
                self.producer.send(self.topic, value=order)

            def moved(self, order, shard):
                self.producer.send(f"{BASE}.{REGION}.{shard}", value=order)

            def dynamic(self, order):
                self.producer.send(order.topic_name(), value=order)

            def literal(self, order):
                self.producer.send("orders" ".legacy", value=order)
        '''))
    got = as_json(tmp_path)
    names = sorted(n["label"] for n in got["nodes"] if n["kind"] == "destination")
    assert names == ["orders.created", "orders.legacy", "orders.{REGION}.{shard}", "{order.topic_name()}"]


def test_mermaid_is_structurally_valid():
    text = graph(CHAIN, "--format", "mermaid")
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    declared, edges, styles, depth = set(), [], [], 0
    node_re = re.compile(r'^(n\d+)(\["|\[\("|\[\["|\{\{")(.*?)("\]|"\)\]|"\]\]|"\}\})$')
    edge_re = re.compile(r'^(n\d+) (-->|==>|-\.->)\|"([^"|]*)"\| (n\d+)$')
    for raw in lines[1:]:
        line = raw.strip()
        if line.startswith("subgraph "):
            assert re.fullmatch(r'subgraph s\d+\["[^"]+"\]', line), line
            depth += 1
        elif line == "end":
            depth -= 1
            assert depth >= 0
        elif line.startswith("linkStyle "):
            m = re.fullmatch(r"linkStyle (\d+) stroke:#[0-9a-f]{6},stroke-width:[\d.]+px", line)
            assert m, line
            styles.append(int(m.group(1)))
        elif edge_re.match(line):
            edges.append(edge_re.match(line).groups())
        else:
            m = node_re.match(line)
            assert m, line
            # opening and closing brackets of one shape
            assert {'["': '"]', '[("': '")]', '[["': '"]]', '{{"': '"}}'}[m.group(2)] == m.group(4), line
            assert m.group(1) not in declared
            declared.add(m.group(1))
    assert depth == 0
    assert len(edges) == 10 and styles == list(range(len(edges)))
    for src, _arrow, _label, dst in edges:
        assert src in declared and dst in declared
    assert [a for _, a, _, _ in edges].count("==>") == 6  # the gaps are thick
    assert [a for _, a, _, _ in edges].count("-.->") == 1  # the unknown is dotted


def test_dot_parses_with_pydot():
    pydot = pytest.importorskip("pydot")
    text = graph(CHAIN, "--format", "dot")
    (parsed,) = pydot.graph_from_dot_data(text)
    data = as_json(CHAIN)
    names = {n.get_name().strip('"') for n in parsed.get_nodes() if n.get_name() not in ("node", "edge")}
    for sub in parsed.get_subgraphs():
        names |= {n.get_name().strip('"') for n in sub.get_nodes()}
    assert names == {n["id"] for n in data["nodes"]}
    pairs = sorted((e.get_source().strip('"'), e.get_destination().strip('"')) for e in parsed.get_edges())
    assert pairs == sorted((e["source"], e["target"]) for e in data["edges"])
    colors = sorted(e.get("color").strip('"') for e in parsed.get_edges())
    assert colors == ["#2ca02c"] * 3 + ["#7f7f7f"] + ["#d62728"] * 6


def test_html_is_self_contained(tmp_path):
    out = tmp_path / "docs" / "map.html"
    out.parent.mkdir()
    graph(CHAIN, "--format", "html", "-o", str(out))
    page = out.read_text()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # nothing to fetch: no external src/href (links to source files are relative paths)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script src" not in page and "<link rel=\"stylesheet\"" not in page
    # the map is drawn by the page's own script from the embedded JSON; every edge has an entry
    # naming its findings and locations
    assert page.count('<div class="edge-item ') == 10 and page.count('<div class="edge-item gap"') == 6
    assert '<div class="edge-item gap" id="e4" data-label="gap CTX201 in 1 of 2 calls · ThreadPoolExecutor.submit"' in page
    rel = Path(os.path.relpath(CHAIN, out.parent)).as_posix()
    assert f'href="{rel}/reporting/jobs.py#L18"' in page
    assert "CTX201" in page.split('id="e4"')[1]


def test_no_edges_renders_empty_map(tmp_path):
    (tmp_path / "plain.py").write_text("def f():\n    return 1\n")
    assert graph(tmp_path, "--format", "mermaid") == "flowchart LR\n"
    assert "No asynchronous edges found" in graph(tmp_path, "--format", "html")


# ---------------------------------------------------------------------- a real browser
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


class DevTools:
    """Just enough of a WebSocket client (RFC 6455, stdlib only) to speak the DevTools protocol."""

    def __init__(self, url: str):
        import base64
        import socket
        from urllib.parse import urlparse

        u = urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.next_id = 0
        self.events: list = []

    def _recv_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("devtools closed the connection")
            data += chunk
        return data

    def _frame(self) -> bytes:
        import struct

        payload = b""
        while True:
            b1, b2 = self._recv_exact(2)
            n = b2 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            payload += self._recv_exact(n)
            if b1 & 0x80:
                return payload

    def send(self, method: str, **params) -> dict:
        import struct

        self.next_id += 1
        data = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
                                if n < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        while True:
            msg = json.loads(self._frame())
            if msg.get("id") == self.next_id:
                assert "error" not in msg, msg
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 20.0) -> dict:
        import time

        end = time.time() + timeout
        while time.time() < end:
            for e in self.events:
                if e.get("method") == method:
                    return e
            self.events.append(json.loads(self._frame()))
        raise TimeoutError(method)


@pytest.mark.slow
def test_html_map_in_headless_chromium(tmp_path):
    import subprocess
    import time
    import urllib.request

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed")
    page = tmp_path / "map.html"
    graph(SHOP, "--format", "html", "-o", str(page))
    proc = subprocess.Popen(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--remote-debugging-port=0",
         "--window-size=1200,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        ws = None
        end = time.time() + 30
        while ws is None and time.time() < end:
            line = proc.stderr.readline()
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                ws = m.group(1)
        assert ws, "chromium did not start its DevTools endpoint"
        port = re.search(r":(\d+)/", ws).group(1)
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        target = next(t for t in targets if t["type"] == "page")
        dt = DevTools(target["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            dt.send(f"{domain}.enable")
        url = page.as_uri()
        dt.send("Page.navigate", url=url)
        dt.wait_for("Page.loadEventFired")
        result = dt.send("Runtime.evaluate", expression="document.querySelectorAll('#map .node').length")
        nodes = result["result"]["value"]
        # click a node: the page's script runs without errors and dims the unrelated edges
        dt.send("Runtime.evaluate", expression="document.querySelector('#map .node.service')"
                ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        dimmed = dt.send("Runtime.evaluate", expression="document.querySelectorAll('#map .edge.dim').length")
        shot = dt.send("Page.captureScreenshot", format="png")
        time.sleep(0.2)
        dt.send("Runtime.evaluate", expression="1")  # drain late events
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    data = as_json(SHOP)
    assert nodes == len(data["nodes"]) > 0
    assert dimmed["result"]["value"] > 0
    requests = [e["params"]["request"]["url"] for e in dt.events if e.get("method") == "Network.requestWillBeSent"]
    assert requests and all(r == url or r.startswith("data:") for r in requests), requests
    errors = [e for e in dt.events if e.get("method") in ("Runtime.exceptionThrown", "Log.entryAdded")
              and (e["method"] == "Runtime.exceptionThrown" or e["params"]["entry"]["level"] == "error")]
    errors += [e for e in dt.events if e.get("method") == "Runtime.consoleAPICalled"
               and e["params"]["type"] in ("error", "warning", "assert")]
    assert errors == []
    import base64

    png = base64.b64decode(shot["data"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_follow_up_publishes_in_handlers_chain_destinations():
    from propagation_lint.findings import Finding, Location
    from propagation_lint.topology import build_graph

    def rec(kind, function, dest, line, **extra):
        return {"kind": kind, "function": function, "destination": [["lit", dest]], "library": "kafka-python",
                "loc": ["svc/h.py", line, 5, line, 40], **extra}

    records = [
        rec("consume", "svc.h.on_order", "orders", 3, handler="svc.h.on_order", signal="yes"),
        rec("publish", "svc.h.on_order", "payments", 5, signal="no"),
        rec("publish", "svc.h.on_order.<locals>", "audit", 6, signal="yes"),
        rec("publish", "svc.h.other", "orders", 9, signal="yes"),
    ]
    gap = Finding("CTX103", "x", "re-publishes without context", Location("svc/h.py", 5, 9, 5, 20))
    g = build_graph(records, [gap], lambda path: "svc", lambda q: None)
    edges = {(e.source, e.target): e.state for e in g.edges}
    assert edges == {
        ("service:svc", "destination:orders"): "propagated",
        ("destination:orders", "handler:svc.h.on_order"): "propagated",
        ("handler:svc.h.on_order", "destination:payments"): "gap",
        ("handler:svc.h.on_order", "destination:audit"): "propagated",
    }
    # a handler that re-publishes to the topic it consumes: a cycle, still drawn
    records.append(rec("publish", "svc.h.on_order", "orders", 7, signal="yes"))
    cyclic = build_graph(records, [gap], lambda path: "svc", lambda q: None)
    from propagation_lint.graph import render

    page = render(cyclic, "html")
    assert page.count('<div class="edge-item ') == len(cyclic.edges) == 5 and len(cyclic.nodes) == 5
    assert render(cyclic, "mermaid").count("-->") + render(cyclic, "mermaid").count("==>") == len(cyclic.edges) == 5


CONSUMERS = HERE / "graph_fixtures" / "consumers"


def test_consume_destinations_of_every_library():
    got = as_json(CONSUMERS)
    consumes = sorted((e["source"].split(":", 1)[1], e["target"].split(":", 1)[1]) for e in got["edges"]
                      if e["kind"] == "consume")
    h = "svc.consumers."
    assert consumes == sorted([
        # a consumer passed in, a Lambda's event source: unknown, never merged with another unknown
        ("?@" + h + "kafka_param", h + "kafka_param"),
        ("?@" + h + "lambda_handler", h + "lambda_handler"),
        ("a", h + "confluent_main"), ("b", h + "confluent_main"),  # consumer.subscribe(TOPICS), a module list
        ("aio-cb", h + "on_aio"), ("aio-q", h + "aio_main"),  # channel.declare_queue(name)
        ("alerts", h + "on_redis"), ("audit", h + "on_audit"),  # pubsub.subscribe(channel=handler): one each
        ("events.*", h + "nats_main"), ("updates", h + "on_nats"),
        ("https://sqs.eu-west-1.amazonaws.com/1/jobs", h + "sqs_main"),
        ("kombu-q", h + "on_kombu"),  # conn.Consumer([Queue("kombu-q")], ...)
        ("news", h + "redis_main"),
        ("orders", h + "Worker.run"), ("x.eu", h + "Worker.run"),  # self.consumer.subscribe(topics=[ORDERS, ...])
        ("orders-sub", h + "on_pubsub"),  # subscriber.subscription_path(project, "orders-sub")
        ("persistent://t/ns/orders", h + "pulsar_main"),
        ("pika-q", h + "on_pika"), ("work.eu", h + "pika_main"),
        ("sensors/#", h + "on_mqtt"),  # client.on_message = fn; client.subscribe([(topic, qos)])
        (h + "charge", h + "charge"), ("svc.send", h + "send_email"),  # tasks: their name
    ])
    edges = {(e["source"], e["target"]): e for e in got["edges"]}
    # follow-up publishes: inside a handler's delegate (self.handle) and inside a task (delay of a named task)
    assert (f"handler:{h}Worker.run", "destination:forwarded") in edges
    assert (f"handler:{h}charge", "destination:svc.send") in edges
    labels = {n["id"]: n["label"] for n in got["nodes"]}
    assert labels["destination:https://sqs.eu-west-1.amazonaws.com/1/jobs"] == "jobs"


def test_consume_edge_states():
    from propagation_lint.findings import Finding, Location
    from propagation_lint.topology import build_graph

    def consume(handler, dest, line, signal, **extra):
        return {"kind": "consume", "library": "kafka-python", "handler": handler, "function": handler,
                "destination": [["lit", dest]], "loc": ["svc/c.py", line, 19, line, 27],
                "region": ["svc/c.py", line, 5, line + 5, 40], "signal": signal, **extra}

    records = [
        consume("svc.c.linked", "a", 1, "yes"),
        consume("svc.c.unlinked", "b", 10, "no", unless=[["instrumented", "kafka-python", "consume:iterate", "", "main"]]),
        consume("svc.c.instrumented", "c", 20, "no", unless=[["instrumented", "kafka-python", "consume:iterate", "", "main"]]),
        consume("svc.c.unsure", "d", 30, "unknown"),
        consume("svc.c.not_a_handler", "e", 40, "no", requires=[["handler", "svc.c.not_a_handler"]]),
    ]
    findings = [
        # a consumer finding in the handler's code, below the consume call: a gap
        Finding("CTX301", "x", "new trace", Location("svc/c.py", 12, 9, 12, 30)),
        # a publish finding in a handler belongs to the publish edge, not the consume edge
        Finding("CTX101", "x", "no headers", Location("svc/c.py", 3, 9, 3, 30)),
    ]

    g = build_graph(records, findings, lambda path: "svc", lambda q: None, holds=lambda cond: False)
    states = {e.target: (e.state, e.codes) for e in g.edges}
    assert states == {
        "handler:svc.c.linked": ("propagated", []),
        "handler:svc.c.unlinked": ("gap", ["CTX301"]),
        "handler:svc.c.instrumented": ("unknown", []),  # no finding (rule off?), not instrumented: unknown
        "handler:svc.c.unsure": ("unknown", []),
    }
    g = build_graph(records, findings, lambda path: "svc", lambda q: None, holds=lambda c: c[0] == "instrumented")
    states = {e.target: e.state for e in g.edges}
    assert states["handler:svc.c.instrumented"] == "propagated"  # an instrumentor wraps the processing
    assert "handler:svc.c.not_a_handler" not in states
