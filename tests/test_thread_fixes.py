"""Automatic fixes of CTX201-CTX203: exact output, idempotence, and what the fixed code does at run time.

The run-time tests execute the fixture apps (never linted user code) in a subprocess with the real
OpenTelemetry SDK and an in-memory exporter: before the fix the worker's span starts a new trace;
after it, the span is a child of the caller's span.
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from markers import assert_fixture
from propagation_lint.check import CheckOptions, run_check

FIX = Path(__file__).parent / "rule_fixtures" / "threads" / "fix"
FIXED = sorted(p.name[: -len(".fixed")] for p in FIX.glob("*.py.fixed"))


def _fix(tmp_path: Path, unsafe: bool = True) -> int:
    out = io.StringIO()
    # absolute paths: discovery resolves relative ones against the process's directory, not `cwd`
    options = CheckOptions(paths=(str(tmp_path),), select=("CTX2",), use_cache=False, jobs=1, fix=True,
                           unsafe_fixes=unsafe, output_format="json")
    return run_check(options, stdout=out, cwd=tmp_path)


@pytest.fixture
def project(tmp_path):
    for p in FIX.glob("*.py"):
        shutil.copy(p, tmp_path / p.name)
    return tmp_path


def test_fix_fixture_markers():
    assert_fixture(FIX, ["CTX2"])


def test_fixes_exact_output_and_idempotent(project):
    _fix(project)
    for name in FIXED:
        expected = (FIX / f"{name}.fixed").read_text(encoding="utf-8")
        assert (project / name).read_text(encoding="utf-8") == expected, name
    # a second --fix changes nothing
    _fix(project)
    for name in FIXED:
        assert (project / name).read_text(encoding="utf-8") == (FIX / f"{name}.fixed").read_text(encoding="utf-8")


def test_fixes_are_unsafe_only(project):
    """The fixes change which context the worker sees: not applied without --unsafe-fixes."""
    _fix(project, unsafe=False)
    for name in FIXED:
        assert (project / name).read_text(encoding="utf-8") == (FIX / name).read_text(encoding="utf-8")


def test_fixed_code_has_no_remaining_fixable_gap(project):
    _fix(project)
    out = io.StringIO()
    run_check(CheckOptions(paths=(str(project),), select=("CTX2",), use_cache=False, output_format="json"),
              stdout=out, cwd=project)
    remaining = json.loads(out.getvalue())
    # only the reported-but-not-fixable cases of shapes.py stay: map() and an `Executor`-typed pool
    fixed = (FIX / "shapes.py.fixed").read_text(encoding="utf-8").splitlines()
    expected = [i for i, line in enumerate(fixed, 1) if "POOL.map(" in line or "executor.submit(" in line]
    assert len(expected) == 2
    assert sorted((f["path"], f["line"], f["code"]) for f in remaining) == [("shapes.py", i, "CTX201") for i in expected]
    assert all(f["fix"] is None for f in remaining)


HARNESS = r"""
import asyncio, json, runpy, sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
ns = runpy.run_path(sys.argv[1], run_name="fixture_app")
with trace.get_tracer("harness").start_as_current_span("caller") as caller:
    result = ns["main"]()
    if asyncio.iscoroutine(result):
        asyncio.run(result)
workers = [s for s in exporter.get_finished_spans() if s.name == "worker"]
print(json.dumps({
    "caller": [caller.get_span_context().trace_id, caller.get_span_context().span_id],
    "workers": [[s.context.trace_id, s.parent.span_id if s.parent else None] for s in workers],
}))
"""


def _spans(app: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", HARNESS, str(app)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("app,workers", [("submit_app.py", 1), ("thread_app.py", 2), ("loop_app.py", 1)])
def test_fixed_worker_span_joins_callers_trace(project, app, workers):
    before = _spans(project / app)
    assert len(before["workers"]) == workers
    trace_id, span_id = before["caller"]
    assert all(w[0] != trace_id and w[1] is None for w in before["workers"]), "the gap is real before the fix"

    _fix(project)
    after = _spans(project / app)
    trace_id, span_id = after["caller"]
    assert len(after["workers"]) == workers
    assert all(w == [trace_id, span_id] for w in after["workers"]), after
