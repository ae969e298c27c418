"""The project pass's report kept in the cache (``projectmemo``): a run whose files' results and
whose project pass's reads are unchanged reuses it; any edit that changes what another file is
told (a renamed task, an instrument() call removed or added, a manifest that installs an
instrumentation) gives, on the next cached run, exactly the findings of a run without the cache;
a damaged or forged stored report is ignored."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from test_cli import run
from test_one_file_runs import _project


def settle() -> None:
    """A file's stat is trusted only once its times are in the past (``cache.settled``)."""
    time.sleep(0.15)


def findings(root: Path, *args: str) -> list:
    result = run(["check", "--exit-zero", "--jobs", "1", "--output-format", "json", *args, "."], root)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def passes(monkeypatch) -> list:
    """One entry per project pass a run makes (``runner.finish``)."""
    from propagation_lint import runner

    made: list = []
    real = runner.finish
    monkeypatch.setattr(runner, "finish", lambda *a, **k: made.append(1) or real(*a, **k))
    return made


def edit(root: Path, path: str, old: str, new: str) -> None:
    target = root / path
    text = target.read_text()
    assert old in text, (path, old)
    target.write_text(text.replace(old, new, 1))
    settle()


def test_unchanged_results_reuse_the_report_without_a_project_pass(tmp_path, passes):
    root = _project(tmp_path, "django_celery")
    expected = findings(root, "--no-cache")
    assert expected
    settle()
    assert findings(root) == expected  # cold: the pass runs, its report is stored
    passes.clear()
    assert findings(root) == expected
    assert passes == []
    # a comment added: the file's text changed, not its result
    views = root / "orders" / "views.py"
    views.write_text(views.read_text() + "\n# reviewed\n")
    settle()
    assert findings(root) == expected
    assert passes == []


def test_a_file_that_cannot_be_decoded_does_not_keep_the_report_from_being_reused(tmp_path, passes):
    root = _project(tmp_path, "django_celery")
    (root / "orders" / "latin1.py").write_bytes(b"NAME = '\xe9t\xe9'\n")  # no coding line: CTX002
    settle()
    expected = findings(root, "--no-cache")
    assert any(f["code"] == "CTX002" for f in expected)
    assert findings(root) == expected
    passes.clear()
    assert findings(root) == expected and passes == []
    (root / "orders" / "latin1.py").write_bytes(b"NAME = 'ete'\n")  # now it decodes: run again
    settle()
    assert findings(root) == findings(root, "--no-cache") != expected and passes


def test_edits_that_change_other_files_findings_match_a_run_without_cache(tmp_path, passes):
    root = _project(tmp_path, "django_celery")
    settle()
    before = findings(root)
    assert before == findings(root, "--no-cache")
    assert any(f["path"] == "orders/helpers.py" for f in before)  # it sends tasks.send_receipt
    steps = [
        # a renamed task: helpers.py's `tasks.send_receipt.delay()` no longer names a task
        ("orders/tasks.py", "def send_receipt(", "def send_receipt_v2("),
        ("orders/tasks.py", "def send_receipt_v2(", "def send_receipt("),
        # the worker's instrument() call removed, then added again: the tasks' spans go and come back
        ("shopsite/celery.py", "CeleryInstrumentor().instrument()", "pass"),
        ("shopsite/celery.py", "    pass\n", "    CeleryInstrumentor().instrument()\n"),
    ]
    seen = []
    for path, old, new in steps:
        edit(root, path, old, new)
        passes.clear()
        cached = findings(root)
        assert passes, "an edit that changes a file's result runs the project pass"
        assert cached == findings(root) == findings(root, "--no-cache"), (path, new)
        seen.append({(f["path"], f["line"], f["code"]) for f in cached})
    renamed, back, uninstrumented, again = seen
    assert not any(p == "orders/helpers.py" for p, _, _ in renamed)
    assert back == again == {(f["path"], f["line"], f["code"]) for f in before}
    assert uninstrumented != back


def test_a_manifest_the_project_pass_reads_is_noticed(tmp_path, passes):
    """requirements.txt decides which instrumentations `opentelemetry-instrument` loads in a
    service: installing the Kafka one takes the service's finding away on the next cached run."""
    root = _project(tmp_path, "monorepo_launchers")
    settle()
    before = findings(root)
    target = "services/uninstalled/billing/events.py"
    assert any(f["path"] == target for f in before)
    passes.clear()
    assert findings(root) == before and passes == []
    with open(root / "services/uninstalled/requirements.txt", "a") as fh:
        fh.write("opentelemetry-instrumentation-kafka-python==0.48b0\n")
    settle()
    after = findings(root)
    assert passes, "a read of the project pass changed: it runs again"
    assert after == findings(root, "--no-cache")
    assert not any(f["path"] == target for f in after)
    assert [f for f in before if f["path"] != target] == after


def _reports(root: Path) -> list:
    return sorted((root / ".propagation_lint_cache").rglob("reports/*.json"))


def test_damaged_or_forged_reports_are_ignored(tmp_path, passes):
    from propagation_lint.cache import _MAGIC, Cache, secret

    root = _project(tmp_path, "django_celery")
    settle()
    expected = findings(root)
    (stored,) = _reports(root)
    raw = stored.read_bytes()
    assert b'"code":"CTX101"' in raw
    # a finding removed without the user's key: a forgery
    stored.write_bytes(raw.replace(b'"code":"CTX101"', b'"code":"CTX999"'))
    passes.clear()
    assert findings(root) == expected and passes
    # signed, but not shaped as a report; then truncated; then not JSON
    body = json.dumps({"files": 7, "reads": [], "report": {}, "format": 4, "key": stored.stem}).encode()
    for junk in (_MAGIC + Cache._mac(secret(), stored.stem, body) + b"\n" + body, raw[: len(raw) // 2], b"\x00\xff"):
        stored.write_bytes(junk)
        passes.clear()
        assert findings(root) == expected and passes
    passes.clear()
    assert findings(root) == expected and passes == []  # rewritten whole by the run before


def test_reads_answer_the_same_while_recorded(tmp_path):
    """What the project pass asks the file system gets the same answers while it is recorded (a
    walk, listings, globs, links resolved, files opened), and each read is noted."""
    import os

    from propagation_lint.projectmemo import recording, still_valid

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "Procfile").write_text("web: opentelemetry-instrument gunicorn app\n")
    (tmp_path / "a" / "x.py").write_text("")
    os.symlink(tmp_path / "a", tmp_path / "link")

    def ask():
        return (sorted((d, sorted(ds), sorted(fs)) for d, ds, fs in os.walk(tmp_path)),
                sorted(os.listdir(tmp_path / "a")), sorted(p.name for p in (tmp_path / "a").iterdir()),
                sorted(str(p) for p in tmp_path.rglob("Procfile")), os.path.realpath(tmp_path / "link" / "x.py"),
                str((tmp_path / "link").resolve()), os.path.isfile(tmp_path / "a" / "x.py"),
                os.path.isdir(tmp_path / "nothing"), os.path.exists(tmp_path / "link"),
                os.path.islink(tmp_path / "link"), (tmp_path / "a" / "b" / "Procfile").read_text())

    plain = ask()
    settle()
    with recording() as reads:
        recorded = ask()
    assert recorded == plain
    assert reads.stable
    rows = reads.rows()
    # what the walk's listings answer (x.py is a file, link is a link...) is kept as those listings
    assert {kind for kind, _, _ in rows} == {"scandir", "listdir", "realpath", "exists", "stat"}
    assert still_valid(rows)
    (tmp_path / "a" / "b" / "Procfile").write_text("web: gunicorn app\n")
    assert not still_valid(rows)  # a file opened: its stat
    settle()
    with recording() as reads:
        assert ask()[6] is True
    rows = reads.rows()
    assert still_valid(rows)
    (tmp_path / "a" / "x.py").unlink()
    (tmp_path / "a" / "x.py").mkdir()
    assert not still_valid(rows)  # isfile(x.py), answered by its directory's listing


def test_a_reused_report_imports_no_libcst(tmp_path):
    """The stored report is the whole answer: the run imports neither libcst nor the analysis (what
    keeps pre-commit's `check FILE` near the cost of starting Python)."""
    import subprocess
    import sys

    root = _project(tmp_path, "django_celery")
    settle()
    cmd = [sys.executable, "-X", "importtime", "-m", "propagation_lint", "check", "--exit-zero", "orders/views.py"]
    first = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300)
    again = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300)
    assert "CTX101" in first.stdout and again.stdout == first.stdout
    assert "| libcst\n" in first.stderr  # the first run linted
    assert "libcst" not in again.stderr and "propagation_lint.engine" not in again.stderr


def test_a_file_linted_again_for_one_report_is_known_to_the_others(tmp_path, monkeypatch, passes):
    """A comment added to a file: the next run lints it again to find its result unchanged; a
    pre-commit run after it (another report: other files named) takes that from it, by the file's
    stat, without reading the file."""
    from propagation_lint import runner

    root = _project(tmp_path, "django_celery")
    settle()
    named = ["check", "--exit-zero", "--jobs", "1", "--output-format", "json", "orders/views.py"]
    alone = run(named, root).output
    whole = findings(root)
    models = root / "orders" / "models.py"
    models.write_text(models.read_text() + "\n# reviewed\n")
    settle()
    read: list = []
    real = runner.read_source
    monkeypatch.setattr(runner, "read_source", lambda path, *a, **k: read.append(Path(path).name) or real(path, *a, **k))
    passes.clear()
    assert findings(root) == whole and passes == [] and read == ["models.py"]
    read.clear()
    assert run(named, root).output == alone and passes == [] and read == []
