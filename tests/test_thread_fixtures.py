"""CTX201-CTX205 fixtures: every `# error:` marker is reported and nothing else is."""
from pathlib import Path

import pytest

from markers import assert_fixture

HERE = Path(__file__).parent / "rule_fixtures" / "threads"


@pytest.mark.parametrize("fixture", sorted(p.name for p in HERE.iterdir() if not p.name.startswith(("_", "."))))
def test_thread_fixture(fixture):
    assert_fixture(HERE / fixture, ["CTX2"])
