"""The rules on contexts handled by hand (CTX306 attach-without-detach, CTX307 hand-rolled-span-context,
CTX308 handoff-loses-message-context): fixtures with inline markers, the exact fixes, and what the
fixed code does at run time with the OpenTelemetry SDK."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fix_harness import assert_valid_python, copy_inputs, expected_unfixed, findings, fix, run
from markers import assert_fixture, expected_markers, lint_json

HERE = Path(__file__).parent / "rule_fixtures" / "context_tokens"
CODES = ("CTX306", "CTX307", "CTX308")


CONSUMER = '''
from opentelemetry import context, trace
from opentelemetry.propagate import extract
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("t")


class Message:
    def __init__(self, traceparent, value):
        self.headers = {"traceparent": traceparent} if traceparent else {}
        self.value = value


def handle(message):
    with tracer.start_as_current_span("handle"):
        pass


def consume(consumer):
    for message in consumer:
        token = context.attach(extract(message.headers))
        if not message.value:
            continue
        handle(message)
        context.detach(token)


consume([Message("00-0000000000000000000000000000000a-000000000000000b-01", None), Message(None, "second")])
with tracer.start_as_current_span("after"):
    pass
import json
print(json.dumps({s.name: format(s.context.trace_id, "x") for s in exporter.get_finished_spans()}))
'''


def test_fixture_markers():
    assert_fixture(HERE, list(CODES))


@pytest.mark.parametrize("code", CODES)
def test_each_rule_alone(code):
    """A rule selected alone finds exactly its own markers."""
    expected = set()
    for f in sorted(HERE.rglob("*.py")):
        expected |= {m for m in expected_markers(f, HERE) if m[2] == code}
    actual = {(f["path"], f["line"], f["code"]) for f in lint_json(HERE, [code], cwd=HERE)}
    assert actual == expected


def test_thread_rule_carries_the_message_rule():
    """Where CTX202 reports the same call, one finding is printed, with CTX308 as its evidence."""
    out = findings(HERE, ("CTX202", "CTX308"))
    at = [f for f in out if f["path"] == "batch_handoffs.py" and f["line"] == 42]
    assert [f["code"] for f in at] == ["CTX202"]
    assert any(r["message"].startswith("also CTX308:") for r in at[0]["related"])


def test_fixes_exact_idempotent_and_valid(tmp_path):
    src = HERE
    names = copy_inputs(src, tmp_path)
    select = ("CTX306", "CTX307")
    fix(tmp_path, select)
    for name in names:
        assert (tmp_path / name).read_text(encoding="utf-8") == (src / f"{name}.fixed").read_text(encoding="utf-8"), name
        assert_valid_python(tmp_path / name)
    first = {name: (tmp_path / name).read_bytes() for name in names}
    fix(tmp_path, select)
    assert {name: (tmp_path / name).read_bytes() for name in names} == first
    remaining = findings(tmp_path, select)
    assert sorted((f["path"], f["line"], f["code"]) for f in remaining) == expected_unfixed(src, names, "CTX306")
    assert all(f["fix"] is None for f in remaining)


def test_safe_fixes_only_leave_the_unsafe_ones(tmp_path):
    copy_inputs(HERE, tmp_path)
    fix(tmp_path, ("CTX306",), unsafe=False)
    text = (tmp_path / "attach_detach.py").read_text(encoding="utf-8")
    assert "        try:\n            if not message.value:\n                continue" in text  # safe: around the detach
    assert "        token = context.attach(extract(message.headers))  # error: CTX306\n        handle(message)\n" in text  # unsafe: not applied


def test_diff_names_the_rule_fix(tmp_path):
    (tmp_path / "app.py").write_text(CONSUMER, encoding="utf-8")
    code, out = run(tmp_path, ("CTX306",), diff=True, output_format="text")
    assert code == 1
    assert "+        try:\n+            if not message.value:\n" in out and "+        finally:\n+            context.detach(token)\n" in out


# ----------------------------------------------------------------------------- run time


def _spans(path: Path) -> dict:
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_fixed_consumer_stops_leaking_the_first_message(tmp_path):
    """Before the fix the first message (skipped by `continue`) stays attached, and the code after
    the loop joins its trace; after `check --fix` it starts its own."""
    app = tmp_path / "app.py"
    app.write_text(CONSUMER, encoding="utf-8")
    before = _spans(app)
    assert before["after"] == "a"
    assert [f["code"] for f in findings(tmp_path, ("CTX306",))] == ["CTX306"]
    fix(tmp_path, ("CTX306",), unsafe=False)
    after = _spans(app)
    assert after["after"] != "a" and after["handle"] != "a"
    assert findings(tmp_path, ("CTX306",)) == []


HAND_ROLLED = '''
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanContext, TraceFlags, set_span_in_context

provider = TracerProvider()
tracer = provider.get_tracer("t")
parent = SpanContext(trace_id=0xA, span_id=0xB, is_remote=True, trace_flags=TraceFlags.SAMPLED)
try:
    span = tracer.start_span("child", context=set_span_in_context(parent))
    print(format(span.get_span_context().trace_id, "x"))
except AttributeError as exc:
    print("AttributeError", exc)
'''


def test_hand_rolled_context_fixed_joins_the_trace(tmp_path):
    """As written, the child is a root of a new trace; fixing only the wrapper makes the sampler
    raise on the int flags (why the wrapper fix is unsafe); fixing both joins trace a."""
    app = tmp_path / "app.py"
    app.write_text(HAND_ROLLED, encoding="utf-8")
    run_it = lambda: subprocess.run([sys.executable, str(app)], capture_output=True, text=True, timeout=60).stdout.strip()
    assert run_it() not in ("a", "") and not run_it().startswith("AttributeError")
    codes = sorted(f["code"] for f in findings(tmp_path, ("CTX307",)))
    assert codes == ["CTX307", "CTX307"]
    app.write_text(HAND_ROLLED.replace("set_span_in_context(parent)", "set_span_in_context(trace.NonRecordingSpan(parent))"),
                   encoding="utf-8")
    assert run_it().startswith("AttributeError")
    app.write_text(HAND_ROLLED, encoding="utf-8")
    fix(tmp_path, ("CTX307",))
    assert run_it() == "a"
    assert findings(tmp_path, ("CTX307",)) == []
