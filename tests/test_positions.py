"""Node positions (positions.py) are libcst's own, computed faster: same range for every node."""
from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from propagation_lint.positions import libcst_positions, positions_of

HERE = Path(__file__).parent

TRICKY = [
    "x = 1\n",
    "",
    "\n\n# only a comment",
    "def f(a,\n      b):\n    '''doc\n    string'''\n    return a + b  # trailing\n",
    "@decorator(\n    1)\nclass C(Base, metaclass=M):\n    x: int = 1\n\n    async def m(self):\n        await g()\n",
    "if a:\r\n    b = f'{x!r:>{w}}'\r\nelse:\r\n    pass\r\n",
    "a = 1\rb = 2\r",
    "x = (1 +\n     2)  \\\n\n",
    "with open(p) as f, lock:\n    data = [y for y in f if y]\n",
    "try:\n    pass\nexcept* ValueError as e:\n    raise\nfinally:\n    x = lambda: (yield)\n",
    "match p:\n    case {'a': [1, *rest]} if rest:\n        pass\n    case _:\n        pass\n",
    "s = '''\nmulti\r\nline\n'''\n",
    "x = 1",  # no trailing newline
]


def _same(text: str) -> None:
    tree = cst.parse_module(text)
    assert positions_of(tree) == libcst_positions(tree)


@pytest.mark.parametrize("text", TRICKY)
def test_positions_match_libcst_on_tricky_code(text):
    _same(text)


def test_positions_match_libcst_on_fixtures_and_stdlib_sample():
    files = sorted((HERE / "rule_fixtures").rglob("*.py"))
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files += sorted(stdlib.glob("*.py"))[::25]
    assert len(files) > 20
    for path in files:
        _same(path.read_text(encoding="utf-8"))
