"""Fixture tests for the convention rules (CTX4xx): each fixture is named for the rule it checks
(``ctx404_...``) and states its expected findings with ``# error:`` markers."""
from pathlib import Path

import pytest

from markers import assert_fixture

HERE = Path(__file__).parent / "rule_fixtures" / "conventions"


def _fixtures():
    return sorted(p.name for p in HERE.iterdir() if p.name.startswith("ctx4"))


@pytest.mark.parametrize("fixture", _fixtures())
def test_conventions_fixture(fixture):
    code = fixture.split("_")[0].upper()
    assert_fixture(HERE / fixture, [code])
