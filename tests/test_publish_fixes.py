"""The automatic fix of CTX101 (publish-without-context): exact output per library idiom,
idempotence, validity, ``--diff``, CRLF files, and what the fixed producer sends at run time."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from fix_harness import (FIXES, assert_valid_python, copy_inputs, expected_unfixed, findings, fix, run,
                         run_kafka_app)
from markers import assert_fixture

SRC = FIXES / "publish"
SELECT = ("CTX101",)


@pytest.fixture
def project(tmp_path):
    names = copy_inputs(SRC, tmp_path)
    return tmp_path, names


def test_fixture_markers():
    assert_fixture(SRC, list(SELECT))


def test_exact_output_per_library_idiom(project):
    root, names = project
    assert {"kafka_python.py", "confluent.py", "aws.py", "amqp_tasks.py", "others.py"} <= set(names)
    fix(root, SELECT)
    for name in names:
        assert (root / name).read_text(encoding="utf-8") == (SRC / f"{name}.fixed").read_text(encoding="utf-8"), name


def test_second_fix_changes_nothing_and_only_unfixable_findings_remain(project):
    root, names = project
    fix(root, SELECT)
    after_first = {name: (root / name).read_bytes() for name in names}
    assert fix(root, SELECT) == 1  # the unfixable ones are still reported
    assert {name: (root / name).read_bytes() for name in names} == after_first
    remaining = findings(root, SELECT)
    assert sorted((f["path"], f["line"], f["code"]) for f in remaining) == expected_unfixed(SRC, names, "CTX101")
    assert remaining and all(f["fix"] is None for f in remaining)
    for name in names:
        assert_valid_python(root / name)


def test_plain_fix_applies_the_safe_fixes_only(project):
    """Safe: the call passed no carrier (nothing of the user's is rewritten), the new statements go
    before a simple statement, and no package the file does not already import is imported.
    Merging into a literal, a Celery signature's headers, a `with` header or a new dependency
    stay unsafe: plain --fix leaves them."""
    root, names = project
    before = findings(root, SELECT)
    safe = [f for f in before if f["fix"] and f["fix"]["applicability"] == "safe"]
    unsafe = [f for f in before if f["fix"] and f["fix"]["applicability"] == "unsafe"]
    assert safe and unsafe
    for f in safe:
        line = (root / f["path"]).read_text(encoding="utf-8").splitlines()[f["line"] - 1]
        assert "headers=" not in line and "MessageAttributes=" not in line and not line.lstrip().startswith("with ")
    fix(root, SELECT, unsafe=False)
    after = findings(root, SELECT)
    assert not [f for f in after if f["fix"] and f["fix"]["applicability"] == "safe"]
    assert len(after) == len(before) - len(safe)
    assert sorted((f["path"], f["message"]) for f in after if f["fix"]) == sorted((f["path"], f["message"]) for f in unsafe)
    for name in names:
        assert_valid_python(root / name)


def test_a_fix_that_adds_a_new_dependency_is_unsafe(tmp_path):
    (tmp_path / "app.py").write_text(
        "from kafka import KafkaProducer\nfrom ddtrace import tracer\n\nproducer = KafkaProducer()\n\n\n"
        "@tracer.wrap()\ndef send(order):\n    producer.send(\"orders\", value=order)\n", encoding="utf-8")
    (reported,) = findings(tmp_path, SELECT)
    assert reported["fix"]["applicability"] == "unsafe"  # it would import opentelemetry-api


def test_diff_writes_nothing_and_git_apply_gives_the_fixed_file(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    shutil.copy(SRC / "confluent.py", tmp_path / "confluent.py")
    before = (tmp_path / "confluent.py").read_bytes()
    code, out = run(tmp_path, SELECT, diff=True, unsafe_fixes=True, output_format="text")
    assert code == 1
    assert (tmp_path / "confluent.py").read_bytes() == before
    assert out.startswith("--- a/confluent.py\n+++ b/confluent.py\n")
    (tmp_path / "fix.patch").write_text(out, encoding="utf-8")
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / "confluent.py").read_text(encoding="utf-8") == (SRC / "confluent.py.fixed").read_text(encoding="utf-8")


def test_crlf_file_keeps_crlf(tmp_path):
    text = (SRC / "kafka_python.py").read_text(encoding="utf-8")
    (tmp_path / "kafka_python.py").write_bytes(text.replace("\n", "\r\n").encode())
    fix(tmp_path, SELECT)
    data = (tmp_path / "kafka_python.py").read_bytes()
    expected = (SRC / "kafka_python.py.fixed").read_text(encoding="utf-8").replace("\n", "\r\n").encode()
    assert data == expected
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_fixed_producer_sends_the_trace_context(tmp_path):
    """kafka-python at run time (stand-in broker): before the fix the record has no headers; after
    it, its `traceparent` names the producer's span, in kafka-python's (str, bytes) shape."""
    (tmp_path / "app").mkdir()
    app = tmp_path / "app" / "kafka_app.py"
    shutil.copy(FIXES / "roundtrip" / "kafka_app.py", app)
    before = run_kafka_app(app, tmp_path)
    assert before["headers"] == []

    fix(app.parent, SELECT)
    after = run_kafka_app(app, tmp_path)
    headers = dict(after["headers"])
    _version, trace_id, span_id, _flags = headers["traceparent"].split("-")
    producer = after["producer"]
    assert (int(trace_id, 16), int(span_id, 16)) == (producer["trace"], producer["span"])
