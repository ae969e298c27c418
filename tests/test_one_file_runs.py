"""A file named alone (what pre-commit runs: `check FILE` in a project with a
`[tool.propagation-lint]` table) is reported exactly as the whole project's run reports it: the
project's other files count for their facts, whichever files happen to be named."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from test_cli import run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _project(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    pyproject = root / "pyproject.toml"
    if "[tool.propagation-lint]" not in (pyproject.read_text() if pyproject.exists() else ""):
        pyproject.write_text((pyproject.read_text() if pyproject.exists() else "") + "\n[tool.propagation-lint]\n")
    return root


def _findings(root: Path, *args: str) -> list:
    result = run(["check", "--no-cache", "--exit-zero", "--output-format", "json", *args], root)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# django_celery: tasks, their producers in views and signals, an instrumentor enabled only in the
# worker process; shop: helpers that inject, a consumer, a thread pool
@pytest.mark.parametrize("name", ["django_celery", "shop"])
def test_each_file_alone_is_reported_as_the_whole_run_reports_it(tmp_path, name):
    root = _project(tmp_path, name)
    whole = _findings(root, ".")
    assert whole, "the fixture has findings"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
    reported = {f["path"] for f in whole}
    assert reported < set(files)  # files with findings, and files without
    for path in files:
        alone = _findings(root, path)
        assert alone == [f for f in whole if f["path"] == path], path


@pytest.mark.parametrize("name", ["django_celery", "shop"])
def test_a_file_nothing_else_can_change_reads_as_the_whole_project_would(tmp_path, monkeypatch, name):
    """A named file that no other file can give a finding (none of its own, not promoted, or
    promoted without one) is linted without the rest of the project (`runner.named_alone`): its
    report, counts of checked and skipped files included, is the one the project's run gives."""
    from propagation_lint import check

    root = _project(tmp_path, name)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
    decided = []

    def spy(*args, **kwargs):
        known, alone = named_alone(*args, **kwargs)
        decided.append(alone is not None)
        return known, alone

    named_alone = check.named_alone
    fast = {}
    monkeypatch.setattr(check, "named_alone", spy)
    for path in files:
        fast[path] = run(["check", "--no-cache", path], root).output
    monkeypatch.setattr(check, "named_alone", lambda *args, **kwargs: ({}, None))
    for path in files:
        assert run(["check", "--no-cache", path], root).output == fast[path], path
    assert any(decided) and not all(decided)  # both ways were taken
