"""The pre-commit hook, installed the way users install it: `pre-commit try-repo` on this repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_cli import CLEAN, GAP

ROOT = Path(__file__).resolve().parents[1]


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.mark.slow
def test_hook_fails_on_gap_and_passes_on_clean_code(tmp_path):
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(pre_commit).exists() and shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (it is in the test extra)")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.invalid")
    _git(repo, "config", "user.name", "t")
    (repo / "app.py").write_text(GAP)
    _git(repo, "add", "app.py")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"))
    cmd = [pre_commit, "try-repo", str(ROOT), "propagation-lint", "--all-files"]
    failing = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "CTX101" in failing.stdout

    (repo / "app.py").write_text(CLEAN)
    _git(repo, "add", "app.py")
    passing = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert passing.returncode == 0, passing.stdout + passing.stderr
