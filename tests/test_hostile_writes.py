"""Issue 15: what a hostile repository (or bad timing) must not make ``--fix``, ``--diff``, the
cache or the baseline do. Every test runs the real command line in a child process; the ones
that need an event a test cannot arrange from outside (an editor saving mid-write, a signal, a
kill, another interpreter) run a few lines of Python in the child first (``prelude``)."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import signal
import stat
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lint_subprocess import NOBODY, ROOT, Run, can_drop_privileges, public_tmpdir, run_cli

KAFKA = (ROOT / "tests" / "rule_fixtures" / "publishing" / "kafka_python_basic.py").read_text()
FIX = ["check", "--no-cache", "-j", "1", "--fix", "--unsafe-fixes"]
CACHE_DIR = ".propagation_lint_cache"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def home(tmp_path: Path, name: str = "home") -> Dict[str, str]:
    """An empty user home (and cache home) of its own: a fresh machine."""
    base = tmp_path / name
    (base / "cache").mkdir(parents=True, exist_ok=True)
    return {"HOME": str(base), "XDG_CACHE_HOME": str(base / "cache")}


def sane(run: Run, codes=(0, 1, 2)) -> None:
    assert run.returncode in codes, f"exit {run.returncode}:\n{run.output[-3000:]}"
    assert "Traceback" not in run.output, run.output[-3000:]


def temporaries(tree: Path) -> List[str]:
    return sorted(p.name for p in tree.rglob("*.tmp"))


# ----------------------------------------------------------------------------- 1: links out
@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_fix_never_writes_through_a_link_to_outside_the_checked_paths(tmp_path):
    outside = tmp_path / "outside"
    victim = write(outside / "victim.py", KAFKA)
    write(outside / "lib" / "vendored.py", KAFKA)
    tree = tmp_path / "tree"
    write(tree / "own.py", KAFKA)
    os.symlink("../outside/victim.py", tree / "evil.py")
    os.symlink(outside / "lib", tree / "lib")
    before = {p: p.read_bytes() for p in outside.rglob("*.py")}
    for args in ([".", ], ["evil.py", "own.py"]):  # a directory, or files named one by one
        run = run_cli([*FIX, *args], cwd=tree)
        sane(run, (1,))
        assert {p: p.read_bytes() for p in outside.rglob("*.py")} == before, run.output
        assert "error: evil.py: resolves through a symbolic link to" in run.stderr and "outside the checked paths; not fixed" in run.stderr
        write(tree / "own.py", KAFKA)
    assert "error: lib/vendored.py: resolves through a symbolic link to" in run_cli([*FIX, "."], cwd=tree).stderr
    assert victim.read_text() == KAFKA
    # a link that stays inside the tree is written through, as before
    os.symlink("own.py", tree / "alias.py")
    run = run_cli([*FIX, "alias.py"], cwd=tree)
    assert (tree / "alias.py").is_symlink() and (tree / "own.py").read_text() != KAFKA, run.output
    # and --diff shows only what --fix would write
    (tree / "alias.py").unlink()
    write(tree / "own.py", KAFKA)
    run = run_cli(["check", "--no-cache", "-j", "1", "--diff", "--unsafe-fixes", "."], cwd=tree)
    assert "a/own.py" in run.stdout and "evil.py" not in run.stdout and "vendored" not in run.stdout


# ----------------------------------------------------------------------------- 2: cache-dir
@pytest.mark.parametrize("value", [".", "..", "{outside}", "src", "link", "{home}", "{home}/propagation-lint"])
def test_cache_dir_must_be_a_dedicated_directory_in_the_project_or_the_cache_home(tmp_path, value):
    tree = tmp_path / "tree"
    write(tree / "src" / "app.py", KAFKA)
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", tree / "link")
    env = home(tmp_path)
    value = value.format(outside=tmp_path / "outside", home=env["XDG_CACHE_HOME"])
    write(tree / "pyproject.toml", f"[tool.propagation-lint]\ncache-dir = {json.dumps(value)}\n")
    run = run_cli(["check", "-j", "1", "."], cwd=tree, env=env)
    sane(run, (2,))
    assert run.stderr.startswith("error: pyproject.toml: [tool.propagation-lint] cache-dir: "), run.stderr
    assert run.stdout == ""
    for name in ("CACHEDIR.TAG", ".gitignore"):  # nothing was tagged or hidden from git
        assert not list(tmp_path.rglob(name)), name


def test_cache_dir_inside_the_project_or_the_cache_home_is_created_tagged(tmp_path):
    tree = tmp_path / "tree"
    write(tree / "app.py", KAFKA)
    env = home(tmp_path)
    for value, where in (("build/lint-cache", tree / "build" / "lint-cache"),
                         (f"{env['XDG_CACHE_HOME']}/tree", Path(env["XDG_CACHE_HOME"]) / "tree")):
        write(tree / "pyproject.toml", f"[tool.propagation-lint]\ncache-dir = {json.dumps(value)}\n")
        for _ in range(2):  # created, then accepted because it holds its tag
            run = run_cli(["check", "-j", "1", "."], cwd=tree, env=env)
            sane(run, (1,))
        assert (where / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
        assert list(where.rglob("*.json"))
        (where / "CACHEDIR.TAG").unlink()  # no longer recognisably the linter's: refused
        run = run_cli(["check", "-j", "1", "."], cwd=tree, env=env)
        sane(run, (2,))
        assert "is not a propagation-lint cache directory" in run.stderr
    assert not (tree / ".gitignore").exists()


# ----------------------------------------------------------------------------- 4, 5, 14: entries
def project(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    write(tree / "pyproject.toml", "[tool.propagation-lint]\n")
    write(tree / "app" / "__init__.py", "")
    write(tree / "app" / "pub.py", KAFKA)
    write(tree / "app" / "worker.py", "from concurrent.futures import ThreadPoolExecutor\n"
          "from opentelemetry import trace\n\npool = ThreadPoolExecutor()\n\n\ndef go(job):\n"
          "    with trace.get_tracer('t').start_as_current_span('go'):\n        pool.submit(print, job)\n")
    return tree


def entries(tree: Path) -> List[Path]:
    """The per-file entries (not the project pass's stored reports)."""
    return sorted(p for p in (tree / CACHE_DIR).rglob("*.json") if p.parent.name != "reports")


def split_entry(raw: bytes):
    """(framing line or None, JSON) of an entry, whatever the framing."""
    if raw.startswith(b"{"):
        return None, raw
    head, _, body = raw.partition(b"\n")
    return head, body


def reframe(path: Path, body: bytes, key: bytes) -> None:
    """Write ``body`` as the entry at ``path``, framed (and signed with ``key``) as the entry was."""
    head, _ = split_entry(path.read_bytes())
    if head is None:
        path.write_bytes(body)
        return
    mac = hmac.new(key, path.stem.encode() + b"\x00" + body, hashlib.sha256).hexdigest().encode()
    path.write_bytes(head.rsplit(b" ", 1)[0] + b" " + mac + b"\n" + body)


def user_key(env: Dict[str, str]) -> bytes:
    path = Path(env["XDG_CACHE_HOME"]) / "propagation-lint" / "key"
    return path.read_bytes() if path.exists() else b""


def test_forged_cache_entries_are_rejected_on_a_machine_that_did_not_write_them(tmp_path):
    tree = project(tmp_path)
    attacker = home(tmp_path, "attacker")
    cold = run_cli(["check", "-j", "1", "."], cwd=tree, env=attacker)
    assert cold.returncode == 1 and cold.findings()
    # The repository commits entries that claim no finding, signed as well as its author can.
    for path in entries(tree):
        _, body = split_entry(path.read_bytes())
        data = json.loads(body)
        data["candidates"] = []
        reframe(path, json.dumps(data, separators=(",", ":")).encode(), user_key(attacker))
    for index in tree.rglob("files.index"):  # the stat-validated index of the cold run's entries
        index.unlink()
    for report in tree.rglob("reports/*.json"):  # and its project pass's report, as stat-validated
        report.unlink()
    assert run_cli(["check", "-j", "1", "."], cwd=tree, env=attacker).returncode == 0  # its own machine
    victim = home(tmp_path, "ci")
    run = run_cli(["check", "-j", "1", "."], cwd=tree, env=victim)
    assert (run.returncode, run.stdout) == (cold.returncode, cold.stdout), run.output
    key = Path(victim["XDG_CACHE_HOME"]) / "propagation-lint" / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize("prelude", [
    "sys.version = sys.version + ' (another build)'",
    "sys.implementation.name = 'pypy'",
    "import libcst._version as v; v.__version__ = '0.4.0'",
], ids=["python-version", "implementation", "libcst-version"])
def test_cache_key_holds_the_interpreter_and_libcst_versions(tmp_path, prelude):
    tree = project(tmp_path)
    env = home(tmp_path)
    cold = run_cli(["check", "-j", "1", "."], cwd=tree, env=env)
    first = {p: p.stat().st_mtime_ns for p in entries(tree)}
    other = run_cli(["check", "-j", "1", "."], cwd=tree, env=env, prelude=prelude)
    sane(other, (1,))
    assert other.stdout == cold.stdout
    assert len(entries(tree)) == 2 * len(first), "another interpreter or libcst reused the entries"
    assert all(p.stat().st_mtime_ns == t for p, t in first.items())


WRONG_SHAPES = [
    ("facts", []), ("facts", {"injects": 3}), ("facts", {"instrumentors": [1]}), ("facts", {"exports": "x"}),
    ("imports", {"a": 1}), ("imports", [[1]]), ("candidates", {"x": 1}), ("candidates", [7]),
    ("candidates", [{"finding": {}}]), ("path", 5), ("status", None), ("format", "3"),
    ("candidates.0.finding.line", "7"), ("candidates.0.finding.fix.edits", [[1, 2]]),
    ("candidates.0.noqa_lines", ["a"]), ("candidates.0.requires", [[]]), ("candidates.0.notes", "n"),
    ("candidates.0.finding.related", [{"path": 1}]), ("candidates.0.finding", None),
]


def _set(data, dotted: str, value) -> bool:
    parts = dotted.split(".")
    for part in parts[:-1]:
        try:
            data = data[int(part)] if isinstance(data, list) else data[part]
        except (KeyError, IndexError, TypeError):
            return False
        if data is None:
            return False
    data[parts[-1]] = value
    return True


def test_cache_entries_of_the_wrong_shape_are_ignored(tmp_path):
    tree = project(tmp_path)
    env = home(tmp_path)
    cold = run_cli(["check", "-j", "1", "."], cwd=tree, env=env)
    originals = {p: p.read_bytes() for p in entries(tree)}
    for where, value in WRONG_SHAPES:
        changed = 0
        for path, raw in originals.items():
            data = json.loads(split_entry(raw)[1])
            if _set(data, where, value):
                path.write_bytes(raw)
                reframe(path, json.dumps(data).encode(), user_key(env))
                changed += 1
        assert changed, where
        run = run_cli(["check", "-j", "1", "."], cwd=tree, env=env)
        assert (run.returncode, run.stdout, run.stderr) == (cold.returncode, cold.stdout, cold.stderr), (where, run.output)
        for path, raw in originals.items():
            path.write_bytes(raw)


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 10**12) | st.floats(allow_nan=False) | st.text(max_size=4),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                     max_leaves=6)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _mutate(data, path, action, value):
    if not path:
        return value if action == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


@pytest.fixture(scope="module")
def fuzz_tree(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    tree = project(tmp_path)
    env = home(tmp_path)
    cold = run_cli(["check", "-j", "1", "."], cwd=tree, env=env)
    return tree, env, cold, {p: p.read_bytes() for p in entries(tree)}


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_cache_entries_never_crash_the_run(fuzz_tree, data):
    """Random mutations of real entries, signed with the user's own key or not: the run never shows
    a traceback and exits 0, 1 or 2 (with a message); an unsigned one is never believed."""
    tree, env, cold, originals = fuzz_tree
    signed = data.draw(st.booleans(), label="signed")
    for path, raw in originals.items():
        entry = json.loads(split_entry(raw)[1])
        for _ in range(data.draw(st.integers(1, 3))):
            paths = list(_paths(entry))
            where = paths[data.draw(st.integers(0, len(paths) - 1))]
            entry = _mutate(entry, where, data.draw(st.sampled_from(["replace", "delete"])), data.draw(_JSON))
        body = json.dumps(entry).encode()
        path.write_bytes(raw)
        if signed:
            reframe(path, body, user_key(env))
        else:
            path.write_bytes(raw.replace(split_entry(raw)[1], body))
    try:
        run = run_cli(["check", "-j", "1", "."], cwd=tree, env=env)
    finally:
        for path, raw in originals.items():
            path.write_bytes(raw)
    sane(run)
    if run.returncode == 2:
        assert "error" in run.stderr
    if not signed:
        assert (run.returncode, run.stdout) == (cold.returncode, cold.stdout), run.output


# ----------------------------------------------------------------------------- 8: no convergence
def test_fixes_that_do_not_converge_are_never_written(tmp_path):
    source = ("from kafka import KafkaConsumer, KafkaProducer\nfrom opentelemetry import trace\n\n"
              "tracer = trace.get_tracer(__name__)\nproducer = KafkaProducer()\nconsumer = KafkaConsumer('orders')\n\n\n"
              "def go(order):\n    with tracer.start_as_current_span('go'):\n"
              "        producer.send('orders', value=order)\n\n\n"
              "def reserve():\n    for record in consumer:\n        with tracer.start_as_current_span('reserve'):\n"
              "            print(record.value)\n")
    # two fixes insert imports at one point (after the last opentelemetry import): two passes
    path = write(tmp_path / "a.py", source)
    run = run_cli([*FIX, "a.py"], cwd=tmp_path, prelude="import propagation_lint.fixing as f; f.MAX_PASSES = 1")
    sane(run, (1,))
    assert path.read_text() == source
    assert "error: a.py: fixes (CTX301) did not converge after 1 passes; the file is left as it is" in run.stderr
    assert "Fixed" not in run.stdout and "CTX101" in run.stdout
    run = run_cli([*FIX, "a.py"], cwd=tmp_path)  # with its passes, the same file converges
    sane(run, (0, 1))
    assert path.read_text() != source and "error" not in run.stderr


# ----------------------------------------------------------------------------- 9: edit races
_EDITOR = """
import os
_target, _done = os.path.realpath("a.py"), []
def _edit():
    _done.append(1)
    with open(_target, "a") as handle:
        handle.write("# saved by the editor\\n")
"""
RACES = {
    # the editor saves while the new content is being synced
    "during-fsync": _EDITOR + """
_fsync = os.fsync
def fsync(fd):
    _fsync(fd)
    if not _done:
        _edit()
os.fsync = fsync
""",
    # the editor writes into the file just before the rename (after any check)
    "before-rename": _EDITOR + """
_replace = os.replace
def replace(src, dst, *args, **kwargs):
    if not _done and os.path.realpath(dst) == _target:
        _edit()
    return _replace(src, dst, *args, **kwargs)
os.replace = replace
""",
}


@pytest.mark.parametrize("race", sorted(RACES))
def test_an_edit_racing_the_write_is_never_lost(tmp_path, race):
    path = write(tmp_path / "a.py", KAFKA)
    write(tmp_path / "b.py", KAFKA)
    run = run_cli([*FIX, "a.py", "b.py"], cwd=tmp_path, prelude=RACES[race])
    sane(run, (1,))
    assert path.read_text() == KAFKA + "# saved by the editor\n", run.output
    assert "error: a.py: changed on disk" in run.stderr and "not written" in run.stderr
    assert (tmp_path / "b.py").read_text() != KAFKA  # the other file was fixed
    assert temporaries(tmp_path) == []


# ----------------------------------------------------------------------------- 10: signals
def _killer(signame: str) -> str:
    """Send ``signame`` to the run while it syncs b.py's new content."""
    return f"""
import os, signal
_fsync = os.fsync
def fsync(fd):
    _fsync(fd)
    if os.path.basename(os.readlink(f"/proc/self/fd/{{fd}}")).startswith(".b.py."):
        os.kill(os.getpid(), signal.{signame})
os.fsync = fsync
"""


def three_files(tmp_path: Path) -> List[Path]:
    return [write(tmp_path / f"{name}.py", KAFKA) for name in "abc"]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="finds the file being written through /proc")
@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGINT", 130), ("SIGHUP", 129)])
def test_a_signal_during_writes_stops_cleanly_and_says_what_was_fixed(tmp_path, signame, code):
    a, b, c = three_files(tmp_path)
    run = run_cli([*FIX, "."], cwd=tmp_path, prelude=_killer(signame))
    sane(run, (code,))
    assert temporaries(tmp_path) == []
    assert a.read_text() != KAFKA and b.read_text() != KAFKA and c.read_text() == KAFKA
    assert f"error: interrupted ({signame}) while writing fixes; already fixed: a.py, b.py; not fixed: c.py" in run.stderr


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="finds the file being written through /proc")
def test_temporaries_of_a_killed_run_are_swept_by_the_next(tmp_path):
    a, b, c = three_files(tmp_path)
    write(tmp_path / ".notes.py.propagation-lint.1.x.tmp.keep", "not ours")
    run = run_cli([*FIX, "."], cwd=tmp_path, prelude=_killer("SIGKILL"))
    assert run.returncode == -signal.SIGKILL
    assert temporaries(tmp_path), "the kill left nothing behind to sweep"
    run = run_cli([*FIX, "."], cwd=tmp_path)
    sane(run, (1,))
    assert temporaries(tmp_path) == []
    assert (tmp_path / ".notes.py.propagation-lint.1.x.tmp.keep").exists()
    assert all(p.read_text() != KAFKA for p in (a, b, c))


def test_ctrl_c_while_linting_exits_130(tmp_path):
    three_files(tmp_path)
    prelude = ("import os, signal, time, propagation_lint.check as check\n"
               "def finish(*args, **kwargs):\n    os.kill(os.getpid(), signal.SIGINT)\n    time.sleep(5)\n"
               "check.finish = finish\n")
    run = run_cli(["check", "--no-cache", "-j", "1", "."], cwd=tmp_path, prelude=prelude)
    sane(run, (130,))
    assert run.stderr.strip() == "error: interrupted"


# ----------------------------------------------------------------------------- 11: read-only
@pytest.mark.skipif(not can_drop_privileges(), reason="needs root to make files of two users")
def test_files_the_user_cannot_write_are_refused_and_owners_kept():
    base = public_tmpdir()
    try:
        tree = base / "tree"
        tree.mkdir()
        tree.chmod(0o777)  # the user may rename in the folder, not write these files
        read_only = write(tree / "read_only.py", KAFKA)
        read_only.chmod(0o444)
        theirs = write(tree / "theirs.py", KAFKA)
        theirs.chmod(0o644)
        run = run_cli(["check", "--no-cache", "-j", "1", "--fix", "--unsafe-fixes", "."], cwd=tree,
                      as_user=NOBODY)
        sane(run, (1,))
        for path, mode in ((read_only, 0o444), (theirs, 0o644)):
            st_ = path.stat()
            assert (path.read_text(), st_.st_uid, stat.S_IMODE(st_.st_mode)) == (KAFKA, 0, mode), run.output
            assert f"error: {path.name}: read-only for this user; not fixed" in run.stderr
        # root fixing another user's file keeps its owner and mode
        os.chown(theirs, NOBODY, NOBODY)
        theirs.chmod(0o640)
        run = run_cli(["check", "--no-cache", "-j", "1", "--fix", "--unsafe-fixes", "theirs.py"], cwd=tree)
        st_ = theirs.stat()
        assert theirs.read_text() != KAFKA and (st_.st_uid, st_.st_gid, stat.S_IMODE(st_.st_mode)) == (
            NOBODY, NOBODY, 0o640), run.output
    finally:
        shutil.rmtree(base)


# ----------------------------------------------------------------------------- 12, 16: --diff
def diff_cases(tree: Path) -> None:
    body = KAFKA.replace("def bad(order):\n", "def bad(order):\n    # d\u00e9j\u00e0 vu\n")
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "a_cr.py").write_bytes(body.replace("\n", "\r").encode())
    (tree / "pkg" / "b_crlf.py").write_bytes(body.replace("\n", "\r\n").encode())
    (tree / "pkg" / "c_latin.py").write_bytes(("# -*- coding: latin-1 -*-\n" + body).encode("latin-1"))
    (tree / "pkg" / "d_bom.py").write_bytes(b"\xef\xbb\xbf" + body.encode())
    (tree / "pkg" / "e_plain.py").write_bytes(body.encode())


@pytest.mark.skipif(shutil.which("git") is None, reason="git applies the diff")
def test_diff_applies_to_exactly_what_fix_writes(tmp_path):
    import subprocess

    original, fixed = tmp_path / "diff", tmp_path / "fix"
    diff_cases(original)
    shutil.copytree(original, fixed)
    before = {p.name: p.read_bytes() for p in original.rglob("*.py")}
    run = run_cli(["check", "--no-cache", "-j", "1", "--diff", "--unsafe-fixes", "."], cwd=original, binary=True)
    sane(run, (1,))
    assert {p.name: p.read_bytes() for p in original.rglob("*.py")} == before  # --diff writes nothing
    sane(run_cli([*FIX, "."], cwd=fixed), (0, 1))
    proc = subprocess.run(["git", "apply", "-p1", "-"], cwd=original, input=run.raw, capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace") + run.raw.decode(errors="replace")
    for path in fixed.rglob("*.py"):
        assert path.read_bytes() != before[path.name], path.name
        assert (original / path.relative_to(fixed)).read_bytes() == path.read_bytes(), path.name


def test_diff_exits_2_when_an_internal_error_was_reported(tmp_path):
    write(tmp_path / "a.py", "from kafka import KafkaProducer\n\nproducer = KafkaProducer()\n")
    prelude = ("from propagation_lint.registry import rule_by_code\n"
               "def check(self, model, ctx):\n    raise RuntimeError('boom')\n"
               "rule_by_code('CTX101').check = check\n")
    run = run_cli(["check", "--no-cache", "-j", "1", "--diff", "."], cwd=tmp_path, prelude=prelude)
    sane(run, (2,))
    assert "internal error in rule CTX101 on a.py" in run.stderr


# ----------------------------------------------------------------------------- 14: baseline
@pytest.mark.parametrize("target", ["missing/baseline.json", "a.py/baseline.json"])
def test_write_baseline_where_it_cannot_be_written_is_exit_2_in_one_line(tmp_path, target):
    write(tmp_path / "a.py", KAFKA)
    run = run_cli(["check", "--no-cache", "-j", "1", "--write-baseline", target, "."], cwd=tmp_path)
    sane(run, (2,))
    assert run.stderr.startswith(f"error: cannot write baseline {target}: ") and run.stderr.count("\n") == 1
    assert not list(tmp_path.rglob("*.tmp"))
