"""The running interpreter's standard library as a corpus: every file gets an answer, the same
one every time, whatever ``--jobs`` and the cache.

By default a deterministic subset (every 4th file in path order, plus the directories of
deliberately broken files CPython's own tests keep), so CI stays within its time;
``PROPAGATION_LINT_CORPUS_STRIDE=1`` runs the whole library. The bench corpora (``bench/``) cover
large third-party packages.
"""
from __future__ import annotations

import collections
import os
import shutil
import sysconfig
from pathlib import Path

import pytest

from lint_subprocess import run_cli

STRIDE = int(os.environ.get("PROPAGATION_LINT_CORPUS_STRIDE", "4"))
# Files CPython keeps broken on purpose (bad encodings, Python 2 syntax): always in the subset.
ODD_DIRS = ("test/tokenizedata", "test/badsyntax", "lib2to3/tests/data")
ODD_FILES = ("test/test_grammar.py", "test/test_unicode_identifiers.py")
BROKEN_RELEVANT = "zz_broken_worker.py"


def stdlib_files():
    base = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "dist-packages", "__pycache__"))
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = Path(dirpath) / name
                if path.is_file() and not path.is_symlink():
                    found.append(path.relative_to(base).as_posix())
    return base, found


def subset(files):
    chosen = set(files[::STRIDE])
    chosen.update(f for f in files if f.startswith(ODD_DIRS) or f in ODD_FILES)
    return sorted(chosen)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    base, files = stdlib_files()
    if not files:
        pytest.skip("the standard library's sources are not installed")
    root = tmp_path_factory.mktemp("stdlib")
    lines = 0
    for rel in subset(files):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(base / rel, target)
        lines += (base / rel).read_bytes().count(b"\n")
    # Every copied file is to be linted: no default excludes (the stdlib has a venv package).
    (root / ".propagation-lint.toml").write_text("exclude = []\nrespect-gitignore = false\n")
    # A broken file that names a thread API: the linter must parse it, so it must say it is broken.
    (root / BROKEN_RELEVANT).write_text("import threading\n\n\ndef start(:\n    threading.Thread(target=run).start()\n")
    return root, subset(files) + [BROKEN_RELEVANT], lines


@pytest.mark.slow
def test_stdlib_every_file_answered_identically_for_any_jobs_and_cache(corpus):
    root, files, lines = corpus
    runs = {
        "jobs2": ["--no-cache", "--jobs", "2"],
        "jobs1": ["--no-cache", "--jobs", "1"],
        "cold-cache": ["--jobs", "2"],
        "warm-cache": ["--jobs", "2"],
    }
    outputs, reference = {}, None
    for name, flags in runs.items():
        run = run_cli(["check", "--select", "ALL", *flags, "."], cwd=root, timeout=900)
        assert run.returncode in (0, 1), f"{name}: exit {run.returncode}\n{run.output[-3000:]}"
        assert "Traceback" not in run.output and "internal error" not in run.output, run.output[-3000:]
        assert run.checked() == len(files), f"{name}: {run.checked()} files checked of {len(files)}"
        outputs[name] = (run.stdout, run.stderr)
        reference = reference or run
    first = outputs["jobs2"]
    for name, output in outputs.items():
        assert output == first, f"{name} differs from jobs2"

    counts = collections.Counter(reference.codes())
    print(f"\nstdlib corpus: {len(files)} files, {lines} lines; outcomes {sorted(counts.items())}")
    # CPython keeps undecodable and Python-2 files in its tests: every file is read and decoded,
    # so a bad encoding is reported wherever it is; a syntax error is reported in the files the
    # linter parses (those naming an API its rules look at), never a crash.
    if any(f.startswith("test/tokenizedata/bad_coding") for f in files):
        assert counts["CTX002"] >= 1
    assert any(line.startswith(f"{BROKEN_RELEVANT}:4:") and " CTX001 " in line for line in reference.stdout.splitlines()), \
        reference.stdout[-3000:]
