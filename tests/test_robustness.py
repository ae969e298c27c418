"""Pathological inputs: every file gets a clear, specific answer in bounded time.

Each case runs the real command line in a child process (``lint_subprocess.run_cli``), so a
native crash of the parser or a hang fails the test instead of taking pytest down with it.
The guards are documented in docs/robustness.md.
"""
from __future__ import annotations

import codecs
import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from lint_subprocess import ROOT, NOBODY, can_drop_privileges, public_tmpdir, run_cli

KAFKA_FIXTURE = ROOT / "tests" / "rule_fixtures" / "publishing" / "kafka_python_basic.py"
# Makes a file relevant to the thread rules, so libcst parses it (the prefilter would skip it).
HEADER = "from threading import Thread\n"
LINT = ["check", "--no-cache", "-j", "1", "--select", "ALL"]


def lint(path: Path, *extra: str, timeout: float = 120):
    run = run_cli([*LINT, *extra, path.name], cwd=path.parent, timeout=timeout)
    run.assert_sane()
    return run


def only_finding(run, code: str):
    found = run.findings()
    assert [f["code"] for f in found] == [code], run.output
    return found[0]


# --- size and nesting guards -----------------------------------------------------------------


@pytest.mark.slow
def test_fifty_thousand_line_file_is_linted(tmp_path):
    # 500,000 tokens: over the default memory guard (docs/robustness.md), raised here
    (tmp_path / "pyproject.toml").write_text("[tool.propagation-lint]\nmax-file-tokens = 600000\n")
    path = tmp_path / "big.py"
    body = "".join(f"value_{i} = compute({i}, key='k{i}')\n" for i in range(50_000))
    path.write_text(HEADER + body)
    started = time.monotonic()
    run = lint(path, timeout=300)
    assert run.returncode == 0 and run.checked() == 1, run.output
    assert time.monotonic() - started < 300


def test_file_over_ten_megabytes_is_refused_by_the_size_guard(tmp_path):
    path = tmp_path / "generated.py"
    line = b"x = 1  # threading\n"
    path.write_bytes(line * (10 * 1024 * 1024 // len(line) + 1))
    started = time.monotonic()
    run = lint(path)
    found = only_finding(run, "CTX004")
    assert "over the 10 MB limit (max-file-size)" in found["msg"]
    assert time.monotonic() - started < 60


def test_size_guard_follows_max_file_size(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.propagation-lint]\nmax-file-size = 100\n")
    path = tmp_path / "small.py"
    path.write_text(HEADER + "x = 1\n" * 40)
    found = only_finding(lint(path), "CTX004")
    assert "over the 100 bytes limit" in found["msg"]


NESTED = {
    # CPython itself refuses these ("too many nested parentheses", recursion during compilation);
    # libcst's native parser overflowed its stack (a segfault) on the first two.
    "parentheses": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    # (under the memory guard's 150,000 tokens, so the nesting guard is what refuses them)
    "lists": "x = " + "[" * 70_000 + "]" * 70_000 + "\n",
    "binary-operators": "x = " + " + ".join(["1"] * 70_000) + "\n",
    # CPython accepts these; libcst's parse time grows much faster than linearly with the depth.
    "unary-operators": "x = " + "-" * 1500 + "1\n",
    "attribute-chain": "x = a" + ".b" * 1500 + "\n",
    "call-chain": "x = f" + "()" * 1500 + "\n",
    "lambdas": "x = " + "lambda: " * 1500 + "1\n",
}


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_deep_nesting_is_ctx005_not_a_crash(tmp_path, kind):
    path = tmp_path / "deep.py"
    path.write_text(HEADER + NESTED[kind])
    started = time.monotonic()
    found = only_finding(lint(path, timeout=120), "CTX005")
    assert "nested too deeply" in found["msg"]
    assert time.monotonic() - started < 60


def test_deep_nesting_in_a_file_the_prefilter_skips_is_never_parsed(tmp_path):
    path = tmp_path / "deep.py"
    path.write_text(NESTED["parentheses"])
    run = lint(path)
    assert run.returncode == 0 and run.findings() == [], run.output


def test_nesting_just_under_the_guard_is_linted(tmp_path):
    path = tmp_path / "deep_ok.py"
    path.write_text(HEADER + "x = " + " + ".join(["1"] * 400) + "\ny = " + "(" * 150 + "1" + ")" * 150 + "\n")
    run = lint(path)
    assert run.returncode == 0 and run.findings() == [], run.output


def test_deeply_nested_blocks_are_a_syntax_error(tmp_path):
    path = tmp_path / "blocks.py"
    path.write_text(HEADER + "".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "pass\n")
    found = only_finding(lint(path), "CTX001")
    assert "too many levels of indentation" in found["msg"]


def test_very_long_lines(tmp_path):
    path = tmp_path / "long.py"
    path.write_text(
        HEADER
        + "DATA = [" + ", ".join(str(i) for i in range(20_000)) + "]\n"
        + "TEXT = '" + "a" * 1_000_000 + "'\n"
    )
    run = lint(path)
    assert run.returncode == 0 and run.checked() == 1, run.output


def test_valid_python_libcst_cannot_parse_says_so(tmp_path):
    # CPython accepts a parenthesized annotated target; libcst 1.x does not.
    import libcst

    path = tmp_path / "annotated.py"
    path.write_text(HEADER + "\ndef f():\n    (name): int\n")
    try:
        libcst.parse_module(path.read_text())
        pytest.skip("this libcst parses a parenthesized annotated target")
    except libcst.ParserSyntaxError:
        pass
    found = only_finding(lint(path), "CTX001")
    assert "valid Python that the linter's parser (libcst) cannot parse" in found["msg"], found
    assert found["line"] == "4"


# --- bytes and encodings ---------------------------------------------------------------------


def test_null_bytes(tmp_path):
    path = tmp_path / "nul.py"
    path.write_bytes(b"from threading import Thread\nx = 1\0\n")
    found = only_finding(lint(path), "CTX002")
    assert "null bytes" in found["msg"]


def test_utf16_with_bom(tmp_path):
    path = tmp_path / "wide.py"
    path.write_bytes(codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"))
    found = only_finding(lint(path), "CTX002")
    assert "UTF-16 byte-order mark" in found["msg"]


def test_undeclared_latin1(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes(b"from threading import Thread\nname = '\xe9'\n")
    found = only_finding(lint(path), "CTX002")
    assert "cannot decode as utf-8" in found["msg"] and "line 2" in found["msg"]


def test_declared_latin1_is_linted(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nfrom threading import Thread\nname = '\xe9'\n")
    run = lint(path)
    assert run.returncode == 0 and run.findings() == [], run.output


def test_inconsistent_tabs_and_spaces(tmp_path):
    path = tmp_path / "tabs.py"
    path.write_text(HEADER + "if x:\n\tif y:\n        pass\n")
    found = only_finding(lint(path), "CTX001")
    assert "inconsistent use of tabs and spaces" in found["msg"]
    assert found["line"] == "4"


def test_consistent_tabs_in_one_block_spaces_in_another(tmp_path):
    path = tmp_path / "tabs_ok.py"
    path.write_text(HEADER + "\ndef f():\n\treturn 1\n\ndef g():\n    return 2\n")
    run = lint(path)
    assert run.returncode == 0 and run.findings() == [], run.output


def test_form_feeds(tmp_path):
    path = tmp_path / "ff.py"
    path.write_text(HEADER + "\x0c\ndef f():\n    return 1\n\x0c\n\nclass A:\n    pass\n")
    run = lint(path)
    assert run.returncode == 0 and run.findings() == [], run.output


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_other_line_endings_report_the_same_lines(tmp_path, newline):
    source = KAFKA_FIXTURE.read_text()
    (tmp_path / "lf.py").write_text(source)
    (tmp_path / "other.py").write_bytes(source.replace("\n", newline).encode())
    expected = [(f["line"], f["col"], f["code"]) for f in lint(tmp_path / "lf.py").findings()]
    got = [(f["line"], f["col"], f["code"]) for f in lint(tmp_path / "other.py").findings()]
    assert expected and got == expected


# --- things that are not regular files -------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_named_pipe_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "ok.py").write_text("x = 1\n")
    for target in ("pipe.py", "."):  # named, and found by the walk
        run = run_cli([*LINT, target], cwd=tmp_path, timeout=60)
        run.assert_sane()
        found = [f for f in run.findings() if f["path"].endswith("pipe.py")]
        assert [f["code"] for f in found] == ["CTX003"], run.output
        assert "named pipe" in found[0]["msg"]


def test_directory_named_like_a_module_is_walked(tmp_path):
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_text("x = 1\n")
    for target in ("x.py", "."):
        run = run_cli([*LINT, target], cwd=tmp_path, timeout=60)
        run.assert_sane()
        assert run.returncode == 0 and run.checked() == 1 and run.findings() == [], run.output


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symlink_loops(tmp_path):
    os.symlink("self.py", tmp_path / "self.py")  # a file link to itself
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    os.symlink("..", tmp_path / "pkg" / "up")  # a directory link back up the tree
    os.symlink("missing.py", tmp_path / "dangling.py")
    run = run_cli([*LINT, "."], cwd=tmp_path, timeout=60)
    run.assert_sane()
    by_path = {f["path"]: f for f in run.findings()}
    assert set(by_path) == {"self.py", "dangling.py"}, run.output
    assert by_path["self.py"]["code"] == "CTX003" and "symbolic link loop" in by_path["self.py"]["msg"]
    assert by_path["dangling.py"]["code"] == "CTX003" and "broken symbolic link" in by_path["dangling.py"]["msg"]
    assert "pkg/up: symlink loop, not followed" in run.stderr
    assert run.checked() == 3  # pkg/mod.py once, not again through pkg/up


@pytest.mark.skipif(not can_drop_privileges(), reason="needs root to run the linter as another user")
def test_permission_denied_file_and_directory():
    base = public_tmpdir()
    try:
        (base / "secret.py").write_text(HEADER)
        (base / "secret.py").chmod(0)
        (base / "locked").mkdir()
        (base / "locked" / "inner.py").write_text("x = 1\n")
        (base / "locked").chmod(0)
        (base / "fine.py").write_text("x = 1\n")
        run = run_cli([*LINT, "."], cwd=base, as_user=NOBODY, timeout=120)
        run.assert_sane()
        # the unreadable directory is a finding as the unreadable file is (issue 15, item 16)
        assert [(f["path"], f["code"]) for f in run.findings()] == [("locked", "CTX003"), ("secret.py", "CTX003")], run.output
        assert all("permission denied" in f["msg"] for f in run.findings())
        assert "directory not walked" in run.findings()[0]["msg"] and "warning" not in run.stderr
        assert run.checked() == 3  # (the directory counts as one)
    finally:
        for p in (base / "locked", base / "secret.py"):
            p.chmod(stat.S_IRWXU)
        shutil.rmtree(base)


def test_every_pathological_file_in_one_parallel_run(tmp_path):
    """All at once with two workers: a crash in a worker must not hang or lose other files."""
    (tmp_path / "deep.py").write_text(HEADER + NESTED["lists"])
    (tmp_path / "deep2.py").write_text(HEADER + NESTED["parentheses"])
    (tmp_path / "nul.py").write_bytes(b"x = 1\0\n")
    (tmp_path / "tabs.py").write_text(HEADER + "if x:\n\tif y:\n        pass\n")
    for i in range(10):
        (tmp_path / f"ok{i}.py").write_text(HEADER + "x = 1\n")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.py")
    run = run_cli(["check", "--no-cache", "-j", "2", "."], cwd=tmp_path, timeout=120)
    run.assert_sane()
    codes = {f["path"]: f["code"] for f in run.findings()}
    expected = {"deep.py": "CTX005", "deep2.py": "CTX005", "nul.py": "CTX002", "tabs.py": "CTX001"}
    if hasattr(os, "mkfifo"):
        expected["pipe.py"] = "CTX003"
    assert codes == expected, run.output
    assert run.checked() == len(expected) + 10


def _crash_on_marked_file(job):
    from propagation_lint.engine import FileResult

    if job.path == "crash.py":
        import signal

        os.kill(os.getpid(), signal.SIGSEGV)
    return FileResult(path=job.display)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the test function reaches workers by fork")
def test_a_worker_that_dies_neither_hangs_the_run_nor_loses_files():
    import faulthandler
    import multiprocessing

    from propagation_lint.runner import FileJob, Selection, _run_pool

    jobs = [FileJob(name, name, name[:-3], False, "k") for name in
            ["a.py", "b.py", "crash.py", "c.py", "d.py", "e.py", "f.py", "g.py", "h.py"]]
    faulthandler.dump_traceback_later(120, exit=True)  # a hang fails instead of stalling the suite
    try:
        results = _run_pool(jobs, _crash_on_marked_file, 2, multiprocessing.get_context("fork"),
                            ({}, Selection(), None, False), 2)
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert [r.path for r in results] == [j.display for j in jobs]
    crashed = [r for r in results if r.internal_errors]
    assert [r.path for r in crashed] == ["crash.py"]
    assert "worker process died" in crashed[0].internal_errors[0].message


def test_warnings_about_the_checked_code_are_not_printed(tmp_path):
    # CPython warns while compiling some valid code ("\d" is an invalid escape sequence); the
    # linter's syntax check must not print those (3.12+ shows them by default).
    path = tmp_path / "escapes.py"
    path.write_text(HEADER + 'PATTERN = "\\d+"\nsame = PATTERN is "x"\n')
    run = run_cli([*LINT, path.name], cwd=tmp_path, env={"PYTHONWARNINGS": "always"})
    run.assert_sane()
    assert "Warning" not in run.stderr, run.stderr


def test_analysis_runs_in_place_when_no_deep_stack_thread_can_start(monkeypatch):
    import threading

    from propagation_lint import engine

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    result = engine.analyze_source(KAFKA_FIXTURE.read_text(), "k.py", "k", False,
                                   engine_rules(), None, engine.CATALOG, None)
    assert [c.finding.code for c in result.candidates].count("CTX101") >= 1
    assert not result.internal_errors


def engine_rules():
    from propagation_lint.registry import all_rules, instantiate

    return instantiate(r.code for r in all_rules() if not r.code.startswith("CTX0"))
