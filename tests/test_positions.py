"""Node positions (positions.py) are libcst's own, computed faster: same range for every node."""
from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest

import ast
import random

from propagation_lint.positions import LazyPositions, libcst_positions, positions_of

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
    "import a; import b\n\n\n# lead\n@d1\n# between\n@d2(\n  x)\n\nasync def f():\n    pass\n# tail comment\n\nclass K: pass\n",
    "if x:\n    def f():\n        pass\n    # dedented comment\n# module comment\ny = [\n  1,\n]\n",
    "#!/usr/bin/env python\n\n\"\"\"doc\"\"\"\nfrom __future__ import annotations\nx = 1;\n",
]


def _same(text: str) -> None:
    tree = cst.parse_module(text)
    expected = libcst_positions(tree)
    assert positions_of(tree) == expected
    # one statement at a time, nodes asked in any order, with and without (right or wrong) hints
    lazy = LazyPositions(tree, ast.parse(text))
    defs = [n for n in expected if isinstance(n, (cst.FunctionDef, cst.ClassDef))]
    nodes = list(expected)
    random.Random(len(text)).shuffle(nodes)
    for i, node in enumerate(nodes[:400]):
        chain = [defs[i % len(defs)]] if defs and i % 3 == 0 else []
        assert lazy.get(node, chain) == expected[node], (type(node).__name__, text[:80])


def test_positions_of_nested_definitions_with_chains():
    text = (
        "class A:\n    x = 1\n\n    @dec\n    def m(self):\n        def inner():\n          return g(1)\n        return inner\n"
        "\n    async def n(self): a; b = (\n        2)\n\nif True:\n    def f():\n        pass\n")
    tree = cst.parse_module(text)
    expected = libcst_positions(tree)
    cls = tree.body[0]
    method = cls.body.body[1]
    inner = method.body.body[0]
    call = inner.body.body[0].body[0].value
    lazy = LazyPositions(tree, ast.parse(text))
    assert lazy.get(call, [cls, method, inner]) == expected[call] == (7, 17, 7, 21)
    # only the innermost definition was generated
    assert cls not in lazy.computed and method not in lazy.computed
    for node in expected:
        assert lazy.get(node) == expected[node]


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
