"""The cache's file index (``files.index``): a file whose stat is unchanged is taken from it without
being read; an edited file is read again; a tampered index is ignored, the run still correct."""
from __future__ import annotations

import os
import time
from pathlib import Path

from test_cache import GAP, HELPER, HELPER_BROKEN, lint, project, write


def settle() -> None:
    """Files are recorded in the index only once their times are in the past (a later edit in the
    same clock tick could otherwise keep them)."""
    time.sleep(0.15)


def reads(monkeypatch) -> list:
    """The names of the files the run reads: the per-file pass (``runner.read_source``) and the
    project pass (the calls of files read on demand, ``program.model._Known.read``)."""
    from propagation_lint import runner
    from propagation_lint.program import model

    seen: list = []
    real = runner.read_source
    monkeypatch.setattr(runner, "read_source", lambda path, *a, **k: seen.append(Path(path).name) or real(path, *a, **k))
    real_read = model._Known.read
    monkeypatch.setattr(model._Known, "read", lambda self, path: seen.append("demand:" + Path(path).name)
                        or real_read(self, path))
    return seen


def files(seen: list) -> set:
    return {name.rpartition(":")[2] for name in seen}


def index_file(root: Path) -> Path:
    (found,) = (root / ".propagation_lint_cache").rglob("files.index")
    return found


def forget_reports(root: Path) -> None:
    """Remove the project pass's stored reports (``projectmemo``): a run then takes every file from
    the index, or reads it, as these tests expect."""
    import shutil

    for reports in (root / ".propagation_lint_cache").rglob("reports"):
        shutil.rmtree(reports)


def indexed_project(tmp_path: Path) -> Path:
    project(tmp_path)
    write(tmp_path / "app" / "gap.py", GAP)
    settle()
    assert lint(tmp_path)[0] == [("app/gap.py", 7, "CTX101")]  # cold: every file read and recorded
    return tmp_path


def test_one_file_warm_run_reads_no_file(tmp_path, monkeypatch):
    indexed_project(tmp_path)
    seen = reads(monkeypatch)
    assert lint(tmp_path, "app/gap.py") == ([("app/gap.py", 7, "CTX101")], 1)
    assert lint(tmp_path, "app/send.py") == ([], 0)
    assert lint(tmp_path) == ([("app/gap.py", 7, "CTX101")], 1)
    assert seen == []  # the named file and the project's others: all from the index
    assert lint(tmp_path, "--no-cache", "app/gap.py") == ([("app/gap.py", 7, "CTX101")], 1)
    assert files(seen) == {"__init__.py", "gap.py", "helpers.py", "send.py"}


def test_files_the_project_pass_reads_on_demand_come_from_the_index(tmp_path, monkeypatch):
    """A view that calls the publishing helper: the project pass reads its calls (cold), and the
    next runs take them from the index."""
    project(tmp_path)
    write(tmp_path / "app" / "gap.py", GAP)
    views = write(tmp_path / "app" / "views.py", "from app.gap import order_placed\n\n\ndef checkout(order):\n    order_placed(order)\n")
    settle()
    seen = reads(monkeypatch)
    cold = lint(tmp_path)
    assert cold[0] == [("app/gap.py", 7, "CTX101")]
    assert "demand:views.py" in seen
    seen.clear()
    assert lint(tmp_path, "app/gap.py") == cold
    assert seen == []
    views.write_text(views.read_text() + "\n\ndef again(order):\n    order_placed(order)\n")
    assert lint(tmp_path, "app/gap.py") == cold
    assert files(seen) == {"views.py"}  # the edited file only, by both passes


BROKEN_SAME_SIZE = 'from opentelemetry import trace\n\n\ndef add_trace(headers):\n    headers["x-app"] = "shops"\n'


def test_edited_file_is_read_again_same_size_or_same_mtime(tmp_path, monkeypatch):
    """A stale entry would keep the helper injecting (no finding): each edit must show the gap."""
    indexed_project(tmp_path)
    helpers = tmp_path / "app" / "helpers.py"
    recorded = helpers.stat()
    assert len(BROKEN_SAME_SIZE) == len(HELPER) == recorded.st_size
    seen = reads(monkeypatch)
    helpers.write_text(BROKEN_SAME_SIZE)  # the same size, another mtime
    assert helpers.stat().st_size == recorded.st_size and helpers.stat().st_mtime_ns != recorded.st_mtime_ns
    assert lint(tmp_path, "app/send.py") == ([("app/send.py", 11, "CTX101")], 1)
    assert files(seen) == {"helpers.py"}
    seen.clear()
    helpers.write_text(HELPER_BROKEN)  # another size, the recorded mtime
    os.utime(helpers, ns=(recorded.st_atime_ns, recorded.st_mtime_ns))
    assert helpers.stat().st_mtime_ns == recorded.st_mtime_ns and helpers.stat().st_size != recorded.st_size
    assert lint(tmp_path, "app/send.py") == ([("app/send.py", 11, "CTX101")], 1)
    assert files(seen) == {"helpers.py"}
    seen.clear()
    helpers.write_text(HELPER)  # back: the finding goes
    assert lint(tmp_path, "app/send.py") == ([], 0)
    assert files(seen) == {"helpers.py"}


def test_tampered_index_is_ignored_and_the_run_stays_correct(tmp_path, monkeypatch):
    from propagation_lint.cache import _MAGIC, INDEX_NAME, Cache, secret

    indexed_project(tmp_path)
    index = index_file(tmp_path)
    raw = index.read_bytes()
    assert b'"code":"CTX101"' in raw
    seen = reads(monkeypatch)
    # the gap's finding removed from its entry, the signature left as it was: a forgery
    index.write_bytes(raw.replace(b'"code":"CTX101"', b'"code":"CTX999"'))
    assert lint(tmp_path, "app/gap.py") == ([("app/gap.py", 7, "CTX101")], 1)
    assert "gap.py" in seen and "helpers.py" in seen  # the index was not used
    # signed with the user's key but wrongly shaped: that entry is a miss, the others still hit
    head, _, body = index.read_bytes().partition(b"\n")
    lines = body.split(b"\n")
    gap = next(i for i, line in enumerate(lines) if b"gap.py" in line.partition(b"\t")[2][:300])
    lines[gap] = lines[gap].partition(b"\t")[0] + b'\t["x"]\t{"candidates": 7}'
    body = b"\n".join(lines)
    index.write_bytes(_MAGIC + Cache._mac(secret(), INDEX_NAME, body) + b"\n" + body)
    forget_reports(tmp_path)
    seen.clear()
    assert lint(tmp_path, "app/gap.py") == ([("app/gap.py", 7, "CTX101")], 1)
    assert seen == ["gap.py"]
    for junk in (b"", b"\x00\xff garbage", raw[: len(raw) // 2]):
        index.write_bytes(junk)
        forget_reports(tmp_path)
        assert lint(tmp_path, "app/gap.py") == ([("app/gap.py", 7, "CTX101")], 1)


def test_concurrent_writers_merge_their_entries(tmp_path):
    """pre-commit's parallel batches each record their own files: neither loses the other's, and the
    index stays valid (written aside and renamed, under a lock)."""
    import threading

    from propagation_lint.cache import Cache, FileIndex, file_stat
    from propagation_lint.engine import FileResult

    cache = Cache(tmp_path / ".propagation_lint_cache", "test")
    files = [write(tmp_path / f"m{i}.py", f"x = {i}\n") for i in range(40)]

    def batch(part):
        for f in part:
            index = FileIndex(cache)
            key = "k" + f.name
            index.record(f.name, str(f), file_stat(str(f)), key, cache.put(key, FileResult(path=f.name)))
            index.save()

    threads = [threading.Thread(target=batch, args=(files[k::2],)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    index = FileIndex(cache)
    assert all(index.get(f.name, file_stat(str(f))).path == f.name for f in files)


def test_a_writer_that_read_the_index_keeps_what_another_wrote_since(tmp_path):
    """A run reuses the index it read when saving, unless another process replaced it meanwhile:
    then the other's entries are merged, not overwritten."""
    from propagation_lint.cache import Cache, FileIndex, file_stat
    from propagation_lint.engine import FileResult

    cache = Cache(tmp_path / ".propagation_lint_cache", "test")
    first, second, third = (write(tmp_path / f"{name}.py", f"{name} = 1\n") for name in ("first", "second", "third"))

    def record(index, f):
        key = "k" + f.name
        index.record(f.name, str(f), file_stat(str(f)), key, cache.put(key, FileResult(path=f.name)))
        index.save()

    record(FileIndex(cache), first)
    reader = FileIndex(cache)
    assert reader.get(first.name, file_stat(str(first))).path == first.name  # it has read the index
    record(FileIndex(cache), second)  # another process, meanwhile
    record(reader, third)
    record(reader, first)  # an entry already there: the reader's own save is reused, unchanged
    index = FileIndex(cache)
    assert [index.get(f.name, file_stat(str(f))).path for f in (first, second, third)] == \
        ["first.py", "second.py", "third.py"]
