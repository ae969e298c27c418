"""CTX201-CTX205 fixtures: every `# error:` marker is reported and nothing else is.

``single/`` holds one-file fixtures; ``projects/`` small projects (cross-module subclasses and
workers, instrumentors, launch files, the `thread-scope` policy). They live apart because a
project's launch files (a Dockerfile with ``ddtrace-run``) are found from any file below it.
"""
from pathlib import Path

import pytest

from markers import assert_fixture

HERE = Path(__file__).parent / "rule_fixtures" / "threads"
FIXTURES = sorted(
    f"{group}/{p.name}" for group in ("single", "projects")
    for p in (HERE / group).iterdir() if not p.name.startswith(("_", "."))
)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_thread_fixture(fixture):
    assert_fixture(HERE / fixture, ["CTX2"])
