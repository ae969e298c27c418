"""`[tool.propagation-lint.conventions]` as a user meets it: validated keys (exit 2 naming the
key), defaults, per-file tables, and each option changing what the CTX4xx rules report."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from propagation_lint.cli import main


def run(args, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def codes(tmp_path: Path, select: str):
    result = run(["check", "--no-cache", "--select", select, "--output-format", "json", "."], tmp_path)
    assert result.exit_code in (0, 1), result.output
    return sorted((f["path"], f["line"], f["code"]) for f in json.loads(result.output))


@pytest.mark.parametrize(
    "table, key",
    [
        ('generic-span-pattern = "(unclosed"', "conventions.generic-span-pattern"),
        ('retry-decorators = ["retry"]', "conventions.retry-decorators"),
        ('required-event-fields = ["trace id"]', "conventions.required-event-fields"),
        ('required-event-fields = "traceId"', "conventions.required-event-fields"),
        ('wait-time-attributes = [1]', "conventions.wait-time-attributes"),
        ('generic-span-name = ["process"]', "conventions.generic-span-name"),
    ],
)
def test_invalid_conventions_exit_2_naming_the_key(tmp_path, table, key):
    write(tmp_path / "app.py", "x = 1\n")
    write(tmp_path / "pyproject.toml", f"[tool.propagation-lint.conventions]\n{table}\n")
    result = run(["check", "."], tmp_path)
    assert result.exit_code == 2, result.output
    assert key in result.output and "pyproject.toml" in result.output
    assert "Traceback" not in result.output


def test_unknown_conventions_key_suggests_the_right_one(tmp_path):
    write(tmp_path / "app.py", "x = 1\n")
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint.conventions]\ngeneric-span-name = ["x"]\n')
    assert "did you mean 'generic-span-names'" in run(["check", "."], tmp_path).output


EVENTS = """\
    from kafka import KafkaProducer

    producer = KafkaProducer()


    def publish(order):
        producer.send("orders", value={"orderId": order.id, "eventId": "e1"})
"""


def test_required_event_fields_off_without_configuration(tmp_path):
    write(tmp_path / "svc" / "events.py", EVENTS)
    assert codes(tmp_path, "CTX404") == []


def test_required_event_fields_from_per_file_table(tmp_path):
    write(tmp_path / "svc" / "events.py", EVENTS)
    write(tmp_path / "legacy" / "events.py", EVENTS)
    write(tmp_path / "pyproject.toml", """\
        [[tool.propagation-lint.per-file]]
        path = "svc/**"
        conventions = { required-event-fields = ["eventId", "correlationId"] }
    """)
    assert codes(tmp_path, "CTX404") == [("svc/events.py", 7, "CTX404")]


def test_required_dotted_path_must_match_exactly(tmp_path):
    write(tmp_path / "events.py", """\
        from kafka import KafkaProducer

        producer = KafkaProducer()


        def nested(order):
            producer.send("orders", value={"meta": {"eventId": "e"}})


        def top_level_only(order):
            producer.send("orders", value={"eventId": "e", "meta": {}})
    """)
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint.conventions]\nrequired-event-fields = ["meta.eventId"]\n')
    assert codes(tmp_path, "CTX404") == [("events.py", 11, "CTX404")]


RETRY = """\
    from celery import Celery
    from opentelemetry import trace
    from myco.resilience import keep_trying

    app = Celery("shop")


    @app.task
    @keep_trying(times=3)
    def charge(order_id):
        pay(order_id)
"""


def test_retry_decorators_adds_project_decorators(tmp_path):
    write(tmp_path / "tasks.py", RETRY)
    assert codes(tmp_path, "CTX405") == []
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint.conventions]\nretry-decorators = ["myco.resilience.keep_trying"]\n')
    assert codes(tmp_path, "CTX405") == [("tasks.py", 9, "CTX405")]


def test_opinion_rules_are_off_by_default_and_listed_as_opt_in(tmp_path):
    output = CliRunner().invoke(main, ["rules"]).output
    lines = {line.split()[0]: line for line in output.splitlines() if line.startswith("CTX4")}
    for code in ("CTX401", "CTX403", "CTX405"):
        assert "opt-in" in lines[code], lines[code]
    for code in ("CTX402", "CTX404"):
        assert "opt-in" not in lines[code], lines[code]
    write(tmp_path / "handler.py", SPANS)
    result = run(["check", "--no-cache", "--output-format", "json", "."], tmp_path)
    assert not [f for f in json.loads(result.output) if f["code"] in ("CTX401", "CTX403", "CTX405")]


SPANS = """\
    import pika
    from opentelemetry import trace
    from opentelemetry.propagate import extract

    tracer = trace.get_tracer(__name__)


    def on_message(ch, method, properties, body):
        with tracer.start_as_current_span("orders.ingest", context=extract(properties.headers or {})) as span:
            span.set_attribute("app.backlog_ms", 5)
            reserve(body)


    pika.BlockingConnection().channel().basic_consume("q", on_message)
"""


def test_generic_span_names_and_pattern_replace_the_defaults(tmp_path):
    write(tmp_path / "handler.py", SPANS)
    assert codes(tmp_path, "CTX403") == []  # "orders.ingest" is not in the built-in definition
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint.conventions]\ngeneric-span-names = ["Orders.Ingest"]\n')
    assert codes(tmp_path, "CTX403") == [("handler.py", 9, "CTX403")]
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint.conventions]\ngeneric-span-pattern = "orders\\\\.\\\\w+"\n')
    assert codes(tmp_path, "CTX403") == [("handler.py", 9, "CTX403")]


def test_wait_time_attributes_name_what_counts(tmp_path):
    write(tmp_path / "handler.py", SPANS)
    assert codes(tmp_path, "CTX401") == [("handler.py", 9, "CTX401")]  # "backlog" is not a default word
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint.conventions]\nwait-time-attributes = ["backlog"]\n')
    assert codes(tmp_path, "CTX401") == []
