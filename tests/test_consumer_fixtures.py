"""Consumer rules (CTX301-CTX305) and CTX103 against fixtures with `# error:` markers.

A fixture is a file or a directory (a small project, with its own pyproject.toml when it needs
settings: consumer-link-mode, handlers, consumers, auto-instrumented). CTX304 is opt-in: fixtures
whose name contains "unchecked" select it too.
"""
from pathlib import Path

import pytest

from markers import assert_fixture

HERE = Path(__file__).parent / "rule_fixtures" / "consumers"
CODES = ["CTX301", "CTX302", "CTX303", "CTX305", "CTX103"]


@pytest.mark.parametrize("fixture", sorted(p.name for p in HERE.iterdir() if not p.name.startswith(("_", "."))))
def test_consumer_fixture(fixture):
    codes = CODES + (["CTX304"] if "unchecked" in fixture else [])
    assert_fixture(HERE / fixture, codes)
