"""The automatic fix of CTX301 (consumer-starts-unlinked-trace): exact output per message type,
both forms (``context=`` and, with consumer-link-mode "link", ``links=``), idempotence, validity,
CRLF files, and the trace the fixed consumer's span joins at run time."""
from __future__ import annotations

import shutil

import pytest

from fix_harness import FIXES, assert_valid_python, copy_inputs, expected_unfixed, findings, fix, run, run_kafka_app
from markers import assert_fixture

SELECT = ("CTX301",)


@pytest.mark.parametrize("fixture", ["consume", "consume_link"])
def test_fixture_markers(fixture):
    assert_fixture(FIXES / fixture, list(SELECT))


@pytest.mark.parametrize("fixture", ["consume", "consume_link"])
def test_exact_output_idempotent_and_valid(tmp_path, fixture):
    src = FIXES / fixture
    names = copy_inputs(src, tmp_path)
    fix(tmp_path, SELECT)
    for name in names:
        assert (tmp_path / name).read_text(encoding="utf-8") == (src / f"{name}.fixed").read_text(encoding="utf-8"), name
        assert_valid_python(tmp_path / name)
    first = {name: (tmp_path / name).read_bytes() for name in names}
    fix(tmp_path, SELECT)
    assert {name: (tmp_path / name).read_bytes() for name in names} == first
    remaining = findings(tmp_path, SELECT)
    assert sorted((f["path"], f["line"], f["code"]) for f in remaining) == expected_unfixed(src, names, "CTX301")
    assert all(f["fix"] is None for f in remaining)


def test_link_mode_writes_links_and_parent_mode_context():
    assert "context=extract(" in (FIXES / "consume" / "kafka.py.fixed").read_text(encoding="utf-8")
    linked = (FIXES / "consume_link" / "service.py.fixed").read_text(encoding="utf-8")
    flat = "".join(linked.split())  # the fix wraps the argument to fit the file's lines
    assert "links=[trace.Link(trace.get_current_span(extract(" in flat and "context=" not in linked


def test_unsafe_fixes_only(tmp_path):
    names = copy_inputs(FIXES / "consume", tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in names}
    fix(tmp_path, SELECT, unsafe=False)
    assert {name: (tmp_path / name).read_bytes() for name in names} == before


def test_diff_shows_the_change_without_writing(tmp_path):
    shutil.copy(FIXES / "consume_link" / "service.py", tmp_path / "service.py")
    (tmp_path / "pyproject.toml").write_text('[tool.propagation-lint]\nconsumer-link-mode = "link"\n', encoding="utf-8")
    before = (tmp_path / "service.py").read_bytes()
    code, out = run(tmp_path, SELECT, diff=True, unsafe_fixes=True, output_format="text")
    assert code == 1 and (tmp_path / "service.py").read_bytes() == before
    assert "+from opentelemetry.propagate import extract\n" in out
    assert "+        with tracer.start_as_current_span(\"process\",\n+            links=[\n+                trace.Link(" in out


def test_crlf_file_keeps_crlf(tmp_path):
    text = (FIXES / "consume" / "kafka.py").read_text(encoding="utf-8")
    (tmp_path / "kafka.py").write_bytes(text.replace("\n", "\r\n").encode())
    fix(tmp_path, SELECT)
    expected = (FIXES / "consume" / "kafka.py.fixed").read_text(encoding="utf-8").replace("\n", "\r\n").encode()
    assert (tmp_path / "kafka.py").read_bytes() == expected


@pytest.mark.parametrize("mode", ["either", "link"])
def test_fixed_consumer_joins_the_producers_trace(tmp_path, mode):
    """kafka-python producer and consumer at run time (stand-in broker), both fixed: the consumer's
    span is a child of the producer's span (or, in link mode, links to it from its own trace)."""
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    app = app_dir / "kafka_app.py"
    shutil.copy(FIXES / "roundtrip" / "kafka_app.py", app)
    (app_dir / "pyproject.toml").write_text(f'[tool.propagation-lint]\nconsumer-link-mode = "{mode}"\n', encoding="utf-8")
    before = run_kafka_app(app, tmp_path)
    assert before["consumer"]["trace"] != before["producer"]["trace"], "the gap is real before the fix"

    fix(app_dir, ("CTX101", "CTX301"))
    if mode == "either":
        assert app.read_text(encoding="utf-8") == (FIXES / "roundtrip" / "kafka_app.py.fixed").read_text(encoding="utf-8")
    assert findings(app_dir, ("CTX101", "CTX301")) == []
    after = run_kafka_app(app, tmp_path)
    producer, consumer = after["producer"], after["consumer"]
    if mode == "either":
        assert (consumer["trace"], consumer["parent"]) == (producer["trace"], producer["span"])
    else:
        assert consumer["trace"] != producer["trace"] and consumer["parent"] is None
        assert consumer["links"] == [[producer["trace"], producer["span"]]]
