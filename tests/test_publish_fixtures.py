"""CTX1xx fixtures: single files under publishing/, small projects (with launch files and
pyproject.toml) under publishing_projects/ so their Dockerfiles and Procfiles do not apply to the
single-file fixtures."""
from pathlib import Path

import pytest

from markers import assert_fixture

HERE = Path(__file__).parent / "rule_fixtures" / "publishing"
PROJECTS = Path(__file__).parent / "rule_fixtures" / "publishing_projects"


@pytest.mark.parametrize("fixture", sorted(p.name for p in HERE.iterdir() if not p.name.startswith("_")))
def test_publishing_fixture(fixture):
    assert_fixture(HERE / fixture, ["CTX1"])


@pytest.mark.parametrize("project", sorted(p.name for p in PROJECTS.iterdir() if p.is_dir() and not p.name.startswith("_")))
def test_publishing_project(project):
    assert_fixture(PROJECTS / project, ["CTX101", "CTX102"])
