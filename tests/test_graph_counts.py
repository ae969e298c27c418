"""``propagation-lint graph`` counts right: one call is one site, partial gaps say so, the map and
``check`` agree on what a publish is, and its filters and errors behave as ``check``'s do."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from lint_subprocess import run_cli

HERE = Path(__file__).parent
CHAIN = HERE / "graph_fixtures" / "chain"
FIXTURES = HERE / "rule_fixtures"


def cli(cwd: Path, *args: str):
    return run_cli(list(args), cwd=cwd)


def write(root: Path, files: dict) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def graph_json(cwd: Path, *args: str) -> dict:
    run = cli(cwd, "graph", "--no-cache", "-j", "1", "--format", "json", *args)
    assert run.returncode == 0, run.output
    return json.loads(run.stdout)


def edges_by_target(data: dict) -> dict:
    return {e["target"]: e for e in data["edges"]}


# ---------------------------------------------------------------------- one call, one site
TASK_PROJECT = {
    "proj/__init__.py": "",
    "proj/tasks.py": """
        from celery import shared_task


        @shared_task
        def send_mail(address):
            return address
        """,
    "proj/views.py": """
        from proj.tasks import send_mail


        def register(address):
            send_mail.delay(address)


        def resend(address):
            send_mail.delay(address)
        """,
}


def test_an_imported_task_delay_is_one_call(tmp_path):
    # each `.delay()` of a task imported from another module was three records (one per catalog
    # row the project pass could still confirm) and drawn as "3 calls"
    write(tmp_path, TASK_PROJECT)
    edge = edges_by_target(graph_json(tmp_path))["destination:proj.tasks.send_mail"]
    assert [(s["path"], s["line"]) for s in edge["sites"]] == [("proj/views.py", 5), ("proj/views.py", 9)]
    mermaid = cli(tmp_path, "graph", "--no-cache", "-j", "1").stdout
    assert '-.->|"unknown · celery · 2 calls"|' in mermaid
    assert "3 calls" not in mermaid and "4 calls" not in mermaid and "6 calls" not in mermaid


# ---------------------------------------------------------------------- partial gaps
PARTIAL = {
    "pub.py": """
        from kafka import KafkaProducer
        from opentelemetry import trace
        from opentelemetry.propagate import inject

        tracer = trace.get_tracer(__name__)
        producer = KafkaProducer()


        def with_context(order):
            with tracer.start_as_current_span("created"):
                headers = {}
                inject(headers)
                producer.send("orders", value=order, headers=list(headers.items()))


        def without_context(order):
            with tracer.start_as_current_span("cancelled"):
                producer.send("orders", value=order)
        """,
}


def test_an_edge_where_only_some_calls_lose_context_says_so_in_every_format(tmp_path):
    write(tmp_path, PARTIAL)
    data = graph_json(tmp_path)
    (edge,) = data["edges"]
    assert [s["state"] for s in edge["sites"]] == ["propagated", "gap"]
    mermaid = cli(tmp_path, "graph", "--no-cache", "-j", "1", "--format", "mermaid").stdout
    assert '==>|"gap CTX101 in 1 of 2 calls · kafka-python"|' in mermaid
    dot = cli(tmp_path, "graph", "--no-cache", "-j", "1", "--format", "dot").stdout
    assert 'label="gap CTX101 in 1 of 2 calls · kafka-python"' in dot
    page = cli(tmp_path, "graph", "--no-cache", "-j", "1", "--format", "html").stdout
    assert "gap CTX101 in 1 of 2 calls" in page
    # every call of the edge in the same state: no fraction
    (tmp_path / "pub.py").write_text((tmp_path / "pub.py").read_text().replace(
        'producer.send("orders", value=order)\n', 'producer.send("orders", value=order, headers=list(headers.items()))\n'
    ).replace('with tracer.start_as_current_span("cancelled"):\n', 'with tracer.start_as_current_span("cancelled"):\n'
              '        headers = {}\n        inject(headers)\n'))
    mermaid = cli(tmp_path, "graph", "--no-cache", "-j", "1", "--format", "mermaid").stdout
    assert '-->|"propagated · kafka-python · 2 calls"|' in mermaid, mermaid


# ---------------------------------------------------------------------- what a publish is
SOCKET_PROJECT = {
    "app/__init__.py": "",
    "app/ws.py": """
        class Socket:
            def send(self, data):
                pass


        connection = Socket()
        """,
    "app/factory.py": """
        from app.ws import Socket


        def get_socket():
            return Socket()
        """,
    "app/views.py": """
        from kafka import KafkaProducer
        from opentelemetry import trace

        from app.factory import get_socket
        from app.ws import connection

        tracer = trace.get_tracer(__name__)


        def notify(order_id):
            with tracer.start_as_current_span("notify"):
                connection.send({"order": order_id})


        def notify_factory(order_id):
            with tracer.start_as_current_span("notify"):
                sock = get_socket()
                sock.send({"order": order_id})
        """,
}


def test_a_websocket_send_is_not_a_kafka_or_pulsar_edge_and_check_agrees(tmp_path):
    write(tmp_path, SOCKET_PROJECT)
    assert graph_json(tmp_path)["edges"] == []  # was: kafka-python, aiokafka, pulsar-client, dramatiq edges
    check = cli(tmp_path, "check", "--no-cache", "-j", "1", "--select", "CTX1", "--output-format", "json", ".")
    assert check.returncode == 0 and json.loads(check.stdout) == [], check.output
    # the same calls on a real producer: check reports them and the map draws them, at the same sites
    (tmp_path / "app" / "ws.py").write_text("from kafka import KafkaProducer\n\nconnection = KafkaProducer()\n")
    (tmp_path / "app" / "factory.py").write_text("from kafka import KafkaProducer\n\n\ndef get_socket():\n"
                                                 "    return KafkaProducer()\n")
    check = cli(tmp_path, "check", "--no-cache", "-j", "1", "--select", "CTX1", "--output-format", "json", ".")
    found = {(f["path"], f["line"], f["code"]) for f in json.loads(check.stdout)}
    assert found == {("app/views.py", 12, "CTX101"), ("app/views.py", 18, "CTX101")}, check.output
    data = graph_json(tmp_path)
    assert {lib for e in data["edges"] for lib in e["libraries"]} == {"kafka-python"}
    drawn = {(s["path"], s["line"], f["code"]) for e in data["edges"] for s in e["sites"] for f in s["findings"]}
    assert drawn == found


PUBLISH_FIXTURES = [FIXTURES / "publishing"] + sorted(p for p in (FIXTURES / "publishing_projects").iterdir() if p.is_dir())


@pytest.mark.parametrize("root", PUBLISH_FIXTURES, ids=lambda p: p.name)
def test_the_maps_gap_publishes_are_checks_publish_findings(root):
    """Every CTX1xx finding of ``check`` is a publish site of the map, a gap with that code, and
    every gap publish of the map is one of check's findings."""
    check = cli(root, "check", "--no-cache", "-j", "1", "--select", "CTX1", "--output-format", "json", ".")
    found = {(f["path"], f["line"], f["column"], f["code"]) for f in json.loads(check.stdout)}
    data = graph_json(root)
    sites = [s for e in data["edges"] if e["kind"] == "publish" for s in e["sites"]]
    drawn = {(s["path"], s["line"], s["column"], f["code"]) for s in sites for f in s["findings"]}
    assert drawn == found
    assert all(s["state"] == "gap" for s in sites if s["findings"])
    where = [(s["path"], s["line"], s["column"]) for s in sites]
    assert len(where) == len(set(where))  # each call once


# ---------------------------------------------------------------------- filters and errors
def test_filters_that_match_nothing_say_so_and_name_what_exists():
    run = cli(CHAIN, "graph", "--no-cache", "-j", "1", "--destination", "no-such-topic")
    assert run.returncode == 0 and run.stdout == "flowchart LR\n", run.output
    assert ("warning: --destination 'no-such-topic' matches no destination of the map; the destinations are: "
            "audit.eu, billing.paid.{region}, invoices, refunds, returns, shipments, {topic}") in run.stderr
    run = cli(CHAIN, "graph", "--no-cache", "-j", "1", "--service", "nope")
    assert "warning: --service 'nope' matches no service of the map; the services are: billing, reporting, shipping" \
        in run.stderr, run.output
    run = cli(CHAIN, "graph", "--no-cache", "-j", "1", "--service", "billing")
    assert run.stderr == "", run.output


def test_destination_and_service_together_narrow():
    through = graph_json(CHAIN, "--destination", "invoices")
    assert len(through["edges"]) == 5
    both = graph_json(CHAIN, "--destination", "invoices", "--service", "billing")
    # the flow through invoices where it goes in or out of billing: its publish, not shipping's hops
    assert [(e["source"], e["target"]) for e in both["edges"]] == [("service:billing", "destination:invoices")]
    both = graph_json(CHAIN, "--destination", "invoices", "--service", "shipping")
    assert sorted((e["source"], e["target"]) for e in both["edges"]) == [
        ("destination:invoices", "handler:shipping.worker.run"),
        ("destination:shipments", "handler:shipping.worker.audit"),
        ("handler:shipping.worker.audit", "destination:audit.eu"),
        ("handler:shipping.worker.run", "destination:shipments"),
    ]
    # a service off the destination's paths: nothing
    assert graph_json(CHAIN, "--destination", "invoices", "--service", "reporting")["edges"] == []


def test_usage_errors_exit_2_as_check_does(tmp_path):
    run = cli(CHAIN, "graph", "--no-cache", "--service-root", "no-such-dir")
    assert run.returncode == 2 and run.stdout == "", run.output
    assert "error: --service-root 'no-such-dir': no such directory or module under" in run.stderr
    project = write(tmp_path / "repo", {"pyproject.toml": '[tool.propagation-lint]\nservice-root = "gone"\n'})
    (project / "a.py").write_text((CHAIN / "billing" / "events.py").read_text())
    run = cli(project, "graph", "--no-cache")
    assert run.returncode == 2 and "error: service-root in " in run.stderr and "pyproject.toml 'gone'" in run.stderr, \
        run.output
    for args, message in ((["no-such-path"], "error: no-such-path: no such file or directory"),
                          (["--config", "missing.toml"], "error: missing.toml: cannot read the configuration"),
                          (["-o", "no-folder/map.html"], "error: cannot write no-folder/map.html: the folder "
                                                         "no-folder does not exist")):
        run = cli(CHAIN, "graph", "--no-cache", *args)
        assert run.returncode == 2 and message in run.stderr and run.stdout == "", (args, run.output)
    assert not (CHAIN / "no-folder").exists()
    run = cli(CHAIN, "graph", "--format", "svg")
    assert run.returncode == 2 and "Invalid value for '--format'" in run.stderr


def test_ctrl_c_exits_130(tmp_path):
    write(tmp_path, PARTIAL)
    prelude = ("import os, signal, time, propagation_lint.topology as topology\n"
               "def build_graph(*args, **kwargs):\n    os.kill(os.getpid(), signal.SIGINT)\n    time.sleep(5)\n"
               "topology.build_graph = build_graph\n")
    run = run_cli(["graph", "--no-cache", "-j", "1", "."], cwd=tmp_path, prelude=prelude)
    assert run.returncode == 130 and run.stderr.strip() == "error: interrupted", run.output
