"""The habits a ruff user brings, through the command line: honest defaults, noqa, settings."""
from __future__ import annotations

import json
import os
from pathlib import Path

from test_cli import CLEAN, GAP, run, write


def test_a_folder_without_python_files_warns_and_nothing_linted_is_exit_2(tmp_path):
    write(tmp_path / "docs" / "index.md", "# docs\n")
    result = run(["check", "--no-cache", "docs"], tmp_path)
    assert result.exit_code == 2
    assert "warning: no Python files found under docs\n" in result.stderr
    assert "error: nothing to lint" in result.stderr


def test_one_empty_folder_among_others_warns_and_the_rest_is_linted(tmp_path):
    write(tmp_path / "svc" / "app.py", CLEAN)
    (tmp_path / "empty").mkdir()
    result = run(["check", "--no-cache", "svc", "empty"], tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr == "warning: no Python files found under empty\n"
    assert "All checks passed! (1 file checked)" in result.stdout


def test_force_exclude_leaving_nothing_is_not_an_error(tmp_path):
    """pre-commit passes the changed files; when every one is excluded there is nothing to do."""
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint]\nextend-exclude = ["gen"]\n')
    write(tmp_path / "gen" / "out.py", GAP)
    result = run(["check", "--no-cache", "--force-exclude", "gen/out.py"], tmp_path)
    assert result.exit_code == 0, result.output


def test_summary_separates_checked_from_read_with_nothing_relevant(tmp_path):
    write(tmp_path / "app.py", GAP)
    write(tmp_path / "util.py", "def add(a, b):\n    return a + b\n")
    write(tmp_path / "more.py", "X = 1\n")
    result = run(["check", "--no-cache"], tmp_path)
    assert result.stdout.splitlines()[-2] == (
        "Found 1 finding in 1 file (1 file checked; 2 read, nothing relevant).")
