"""Shared by the tests of the publish and consumer fixes (tests/test_publish_fixes.py, test_consume_fixes.py).

A fixture directory under ``rule_fixtures/fixes/`` holds input files with ``# error:`` markers and,
next to each, the exact expected result of ``check --fix --unsafe-fixes`` as ``<name>.fixed``.
Findings that must stay unfixed say so on their marker line: ``# error: CTX101 (no fix: ...)``.

The run-time harness executes a fixture app (never linted user code) in a subprocess with the real
OpenTelemetry SDK, an in-memory exporter and a stand-in ``kafka`` module that keeps sent records
in memory, with kafka-python's header types (a list of (str, bytes)).
"""
from __future__ import annotations

import ast
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

from propagation_lint.check import CheckOptions, run_check

FIXES = Path(__file__).parent / "rule_fixtures" / "fixes"


def copy_inputs(src: Path, dst: Path) -> List[str]:
    """Copy a fixture directory's inputs (not the ``.fixed`` files); the names that have a ``.fixed``."""
    for p in src.iterdir():
        if p.is_file() and not p.name.endswith(".fixed"):
            shutil.copy(p, dst / p.name)
    return sorted(p.name[: -len(".fixed")] for p in src.glob("*.py.fixed"))


def run(root: Path, select: Tuple[str, ...], **flags) -> Tuple[int, str]:
    out = io.StringIO()
    flags.setdefault("output_format", "json")
    # absolute paths: discovery resolves relative ones against the process's directory
    options = CheckOptions(paths=(str(root),), select=select, use_cache=False, jobs=1, **flags)
    return run_check(options, stdout=out, cwd=root), out.getvalue()


def fix(root: Path, select: Tuple[str, ...], unsafe: bool = True) -> int:
    return run(root, select, fix=True, unsafe_fixes=unsafe)[0]


def findings(root: Path, select: Tuple[str, ...]) -> list:
    return json.loads(run(root, select)[1])


def expected_unfixed(src: Path, names: List[str], code: str) -> List[Tuple[str, int, str]]:
    """(file, line, code) of the markers that say ``(no fix``, as lines of the ``.fixed`` files."""
    out = []
    for name in names:
        for i, line in enumerate((src / f"{name}.fixed").read_text(encoding="utf-8").splitlines(), 1):
            if f"# error: {code} (no fix" in line:
                out.append((name, i, code))
    return sorted(out)


def assert_valid_python(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    ast.parse(text)
    compile(text, str(path), "exec")


# ----------------------------------------------------------------------------- run time
STAND_IN_KAFKA = '''
"""A stand-in for kafka-python: one in-memory log per topic, kafka-python's header types."""
from types import SimpleNamespace

TOPICS = {}


class KafkaProducer:
    def __init__(self, **config):
        self.config = config

    def send(self, topic, value=None, key=None, headers=None, partition=None, timestamp_ms=None):
        for k, v in headers or []:
            if not isinstance(k, str) or not isinstance(v, bytes):
                raise AssertionError("kafka-python headers are a list of (str, bytes)")
        TOPICS.setdefault(topic, []).append(SimpleNamespace(topic=topic, value=value, key=key, headers=list(headers or [])))


class KafkaConsumer:
    def __init__(self, *topics, **config):
        self.topics = topics

    def __iter__(self):
        for topic in self.topics:
            yield from TOPICS.get(topic, [])
'''

HARNESS = r"""
import json, runpy, sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
ns = runpy.run_path(sys.argv[1], run_name="fixture_app")
ns["place_order"](b"order-1")
assert ns["reserve_inventory"]() == b"order-1"
import kafka
spans = {s.name: s for s in exporter.get_finished_spans()}
def ident(s):
    return {"trace": s.context.trace_id, "span": s.context.span_id,
            "parent": s.parent.span_id if s.parent else None,
            "links": [[l.context.trace_id, l.context.span_id] for l in s.links]}
print(json.dumps({
    "producer": ident(spans["place-order"]),
    "consumer": ident(spans["reserve-inventory"]),
    "headers": [[k, v.decode()] for k, v in kafka.TOPICS["orders"][0].headers],
}))
"""


def run_kafka_app(app: Path, tmp: Path) -> dict:
    broker = tmp / "stand_in"
    broker.mkdir(exist_ok=True)
    (broker / "kafka.py").write_text(STAND_IN_KAFKA, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(broker)!r})\n" + HARNESS, str(app)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
