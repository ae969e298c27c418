from pathlib import Path

import pytest

from markers import assert_fixture

HERE = Path(__file__).parent / "rule_fixtures" / "publishing"


@pytest.mark.parametrize("fixture", sorted(p.name for p in HERE.iterdir() if not p.name.startswith("_")))
def test_publishing_fixture(fixture):
    assert_fixture(HERE / fixture, ["CTX1"])
