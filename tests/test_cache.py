"""The per-file cache in .propagation_lint_cache/: what invalidates an entry, and what does not."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from click.testing import CliRunner

from propagation_lint.cli import main

HELPER = textwrap.dedent(
    """\
    from opentelemetry.propagate import inject


    def add_trace(headers):
        inject(headers)
    """
)
HELPER_BROKEN = textwrap.dedent(
    """\
    from opentelemetry import trace  # the service still traces; the helper no longer injects


    def add_trace(headers):
        headers["x-app"] = "shop"
    """
)
SENDER = textwrap.dedent(
    """\
    from kafka import KafkaProducer

    from app.helpers import add_trace

    producer = KafkaProducer(bootstrap_servers="kafka:9092")


    def order_placed(order):
        carrier = {}
        add_trace(carrier)
        producer.send("orders", value=order, headers=[(k, v.encode()) for k, v in carrier.items()])
    """
)
GAP = textwrap.dedent(
    """\
    from kafka import KafkaProducer
    from opentelemetry import trace  # the service traces: a context can exist, and be lost
    producer = KafkaProducer(bootstrap_servers="kafka:9092")


    def order_placed(order):
        producer.send("orders", value=order)
    """
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def lint(cwd: Path, *args: str):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["check", "--output-format", "json", "--jobs", "1", *args],
                                    catch_exceptions=False)
    finally:
        os.chdir(old)
    return [(f["path"], f["line"], f["code"]) for f in json.loads(result.output)], result.exit_code


def entries(root: Path) -> dict:
    """cache entry file -> modification time."""
    return {p: p.stat().st_mtime_ns for p in (root / ".propagation_lint_cache").rglob("*.json")}


def project(tmp_path: Path) -> Path:
    write(tmp_path / "pyproject.toml", "[tool.propagation-lint]\n")
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "helpers.py", HELPER)
    write(tmp_path / "app" / "send.py", SENDER)
    return tmp_path


def test_cache_dir_is_tagged_and_ignores_itself(tmp_path):
    project(tmp_path)
    lint(tmp_path)
    cache = tmp_path / ".propagation_lint_cache"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    assert entries(tmp_path)


def test_warm_run_reuses_every_entry_and_gives_the_same_findings(tmp_path):
    project(tmp_path)
    write(tmp_path / "app" / "gap.py", GAP)
    cold, code = lint(tmp_path)
    before = entries(tmp_path)
    warm, code2 = lint(tmp_path)
    assert warm == cold == [("app/gap.py", 7, "CTX101")]
    assert code == code2 == 1
    assert entries(tmp_path) == before  # nothing rewritten


def test_content_change_relints_that_file_only(tmp_path):
    project(tmp_path)
    gap = write(tmp_path / "app" / "gap.py", GAP)
    lint(tmp_path)
    before = entries(tmp_path)
    gap.write_text(GAP.replace('"orders"', '"orders-v2"'))
    findings, _ = lint(tmp_path)
    after = entries(tmp_path)
    assert findings == [("app/gap.py", 7, "CTX101")]
    assert len(after) == len(before) + 1  # one new entry: the changed file
    assert all(after[p] == t for p, t in before.items())


def test_config_change_invalidates(tmp_path):
    project(tmp_path)
    write(tmp_path / "app" / "gap.py", GAP)
    assert lint(tmp_path)[0] == [("app/gap.py", 7, "CTX101")]
    write(tmp_path / "pyproject.toml", "[tool.propagation-lint]\nignore = [\"CTX101\"]\n")
    assert lint(tmp_path)[0] == []
    write(tmp_path / "pyproject.toml", "[tool.propagation-lint]\n")
    assert lint(tmp_path)[0] == [("app/gap.py", 7, "CTX101")]


def test_dependent_helper_change_reveals_finding_without_relinting_the_caller(tmp_path):
    project(tmp_path)
    assert lint(tmp_path)[0] == []  # the helper injects: the send carries the context
    before = entries(tmp_path)
    write(tmp_path / "app" / "helpers.py", HELPER_BROKEN)
    findings, code = lint(tmp_path)
    assert findings == [("app/send.py", 11, "CTX101")]
    assert code == 1
    after = entries(tmp_path)
    # the caller's entry was reused as it was; only the helper got a new one (and the summary of
    # its calls the project pass read on demand: a function of its text, as the entry)
    new = [json.loads(p.read_bytes().partition(b"\n")[2]) for p in set(after) - set(before)]
    assert sorted(e.get("path", "summary") for e in new) in (["app/helpers.py"], ["app/helpers.py", "summary"])
    assert all(after[p] == t for p, t in before.items())
    # and back: the finding disappears again, still from cached entries
    write(tmp_path / "app" / "helpers.py", HELPER)
    assert lint(tmp_path)[0] == []


def test_corrupt_and_foreign_entries_are_ignored(tmp_path):
    project(tmp_path)
    write(tmp_path / "app" / "gap.py", GAP)
    cold, _ = lint(tmp_path)
    paths = sorted(entries(tmp_path))
    paths[0].write_text("{not json")
    paths[1].write_text(json.dumps({"format": 2, "key": "someone-else", "path": "x.py", "status": "linted",
                                    "facts": {}, "imports": [], "candidates": []}))
    for p in paths[2:]:
        p.write_bytes(b"\x00\xff garbage")
    assert lint(tmp_path)[0] == cold
    assert lint(tmp_path)[0] == cold


def test_no_cache_writes_nothing(tmp_path):
    project(tmp_path)
    lint(tmp_path, "--no-cache")
    assert not (tmp_path / ".propagation_lint_cache").exists()


def test_summaries_read_on_demand_are_cached(tmp_path, monkeypatch):
    """The project pass reads the calls of a file the prefilter skipped (a view calling the helper
    that publishes) only once: the next run takes them from the cache, with the same findings."""
    from propagation_lint.program import model

    project(tmp_path)
    write(tmp_path / "app" / "gap.py", GAP)
    write(tmp_path / "app" / "views.py", "from app.gap import order_placed\n\n\ndef checkout(order):\n    order_placed(order)\n")
    asked = []
    summarize = model.summarize
    monkeypatch.setattr(model, "summarize", lambda text, *a, **k: asked.append(text) or summarize(text, *a, **k))
    cold, _ = lint(tmp_path)
    assert any("def checkout" in text for text in asked)  # the view's calls were read
    before = entries(tmp_path)
    asked.clear()
    warm, _ = lint(tmp_path)
    assert warm == cold and cold
    assert asked == []  # ... and not read again
    assert entries(tmp_path) == before
    uncached, _ = lint(tmp_path, "--no-cache")
    assert uncached == cold
