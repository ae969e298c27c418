"""End to end: a consumer linted, run with the real OpenTelemetry SDK, fixed as suggested, run again.

The broker is an in-memory stand-in installed as the ``kafka`` module (``KafkaConsumer`` iterates
records with kafka-python's ``headers`` list of ``(str, bytes)``), so the consumer code is exactly
what a kafka-python user writes. The "after" code is built from the finding's own suggestion.
"""
from __future__ import annotations

import collections
import importlib.util
import sys
import textwrap
import types
from pathlib import Path

import pytest

from markers import lint_json

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace  # noqa: E402
from opentelemetry.propagate import inject  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

Record = collections.namedtuple("Record", "topic value headers")

BEFORE = '''\
from kafka import KafkaConsumer
from opentelemetry import trace

tracer = trace.get_tracer("shop")


def run(consumer: KafkaConsumer):
    for record in consumer:
        with tracer.start_as_current_span("reserve-inventory"):
            handled.append(record.value)


handled = []
'''

HEADER = '''\
import opentelemetry.propagate
from kafka import KafkaConsumer
from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind

tracer = trace.get_tracer("shop")


def run(consumer: KafkaConsumer):
    for record in consumer:
'''
FOOTER = '''\
            handled.append(record.value)


handled = []
'''


class InMemoryBroker:
    def __init__(self):
        self.topics = collections.defaultdict(list)

    def send(self, topic, value, headers=None):
        self.topics[topic].append(Record(topic, value, list(headers or [])))


class FakeKafkaConsumer:
    def __init__(self, broker, topic):
        self.records = list(broker.topics[topic])

    def __iter__(self):
        return iter(self.records)


@pytest.fixture
def otel():
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


@pytest.fixture(autouse=True)
def fake_kafka(monkeypatch):
    module = types.ModuleType("kafka")
    module.KafkaConsumer = FakeKafkaConsumer
    monkeypatch.setitem(sys.modules, "kafka", module)


def _produce(provider, broker):
    tracer = provider.get_tracer("checkout")
    with tracer.start_as_current_span("place-order") as span:
        carrier = {}
        inject(carrier)
        broker.send("orders", b"order-1", headers=[(k, v.encode()) for k, v in carrier.items()])
    return span.get_span_context()


def _run_consumer(path: Path, provider, broker):
    spec = importlib.util.spec_from_file_location(f"consumer_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.tracer = provider.get_tracer("shop")
    module.run(FakeKafkaConsumer(broker, "orders"))
    assert module.handled == [b"order-1"]


def _consumer_span(exporter):
    return next(s for s in exporter.get_finished_spans() if s.name == "reserve-inventory")


def _ctx301(path: Path):
    return [f for f in lint_json(path, ["CTX3"], cwd=path.parent) if f["code"] == "CTX301"]


def _follow(suggestion: str, form: str) -> str:
    """The consumer code after following the suggestion's carrier line and its link or parent form."""
    lines = suggestion.splitlines()
    carrier = next(line for line in lines if line.startswith("carrier = "))
    start = lines.index("# link to the producer's span (the messaging conventions' default):" if form == "link"
                        else "# or continue its trace:") + 1
    block = []
    for line in lines[start:]:
        if line.startswith("# "):
            break
        block.append(line)
    code = "\n".join([carrier] + block)
    assert code.endswith(": ...")
    code = code[: -len(" ...")]
    return HEADER + textwrap.indent(code, " " * 8) + "\n" + FOOTER


@pytest.mark.parametrize("form", ["link", "parent"])
def test_following_the_suggestion_connects_the_consumer(tmp_path, otel, form):
    provider, exporter = otel
    before = tmp_path / "before.py"
    before.write_text(BEFORE)

    # the linter flags the unlinked consumer span and says how to connect it
    findings = _ctx301(before)
    assert [f["line"] for f in findings] == [9]
    suggestion = findings[0]["suggestion"]
    assert "record.headers" in suggestion and "v.decode()" in suggestion

    # before: the consumer span starts a new trace, unrelated to the producer's
    broker = InMemoryBroker()
    producer_ctx = _produce(provider, broker)
    _run_consumer(before, provider, broker)
    span = _consumer_span(exporter)
    assert span.context.trace_id != producer_ctx.trace_id
    assert span.parent is None and not span.links

    # after following the suggestion: parent or link points at the producer's span
    exporter.clear()
    after = tmp_path / f"after_{form}.py"
    after.write_text(_follow(suggestion, form))
    broker = InMemoryBroker()
    producer_ctx = _produce(provider, broker)
    _run_consumer(after, provider, broker)
    span = _consumer_span(exporter)
    if form == "link":
        assert [link.context.span_id for link in span.links] == [producer_ctx.span_id]
        assert span.context.trace_id != producer_ctx.trace_id
    else:
        assert span.parent is not None and span.parent.span_id == producer_ctx.span_id
        assert span.context.trace_id == producer_ctx.trace_id

    # and the linter is quiet on the fixed code
    assert _ctx301(after) == []
