"""Node positions (positions.py) are libcst's own, computed faster: same range for every node."""
from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest

import ast
import random
import sys

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


def _parses_here(text: str) -> None:
    try:
        ast.parse(text)
    except SyntaxError:
        pytest.skip("syntax newer than this Python (CPython's tree is the reference)")


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
    _parses_here(text)
    _same(text)


def test_positions_match_libcst_on_fixtures_and_stdlib_sample():
    files = sorted((HERE / "rule_fixtures").rglob("*.py"))
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files += sorted(stdlib.glob("*.py"))[::25]
    assert len(files) > 20
    for path in files:
        _same(path.read_text(encoding="utf-8"))


SYMBOLS = TRICKY + [
    "class A:\n    x = [i for i in y]\n    f = lambda self: 1\n\n    @dec\n    def m(self):\n        def inner():\n"
    "          return g(1)\n        return inner\n\n    def m(self): a; b = (\n        2)\n\nif True:\n    def f():\n        pass\n",
    "def genexpr():\n    return (x for x in y)\n\n\ndef listcomp(a=[b for b in c]):\n    return [d for d in a]\n",
    "@outer(lambda: 1)\nasync def f(x=lambda: 2):\n    class K:\n        def run(self):\n            start(target=self.w)\n    return K\n",
]


def _enclosing_chains(tree):
    """{node: [def/class nodes around it, outermost first]} for every node of ``tree``."""
    chains = {}

    def walk(node, chain):
        chains[node] = chain
        inner = chain + [node] if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else chain
        for child in node.children:
            walk(child, inner)

    walk(tree, [])
    return chains


def _from_symbol_table(text: str, lines: int):
    """(tree, libcst's ranges, LazyPositions placing defs by the symbol table, a list that gets an
    entry when CPython's tree is built)."""
    import _symtable

    from propagation_lint.model import build_model
    from propagation_lint.positions import def_lines

    tree = cst.parse_module(text)
    model = build_model(tree, "t.py", "t", False)
    symbols = _symtable.symtable(text, "t.py", "exec")
    built = []

    def python_tree():
        built.append(True)
        return ast.parse(text)

    lazy = LazyPositions(tree, python_tree, lambda: def_lines(model.root, symbols), lines=lines)
    return tree, libcst_positions(tree), lazy, built


@pytest.mark.parametrize("text", SYMBOLS)
def test_positions_from_symbol_table_lines_match_libcst(text):
    """Inside a def or class, the symbol table's line of each definition replaces CPython's tree
    (built only when a unit cannot be placed that way); at the top, the first statements' code."""
    _parses_here(text)
    # (a budget larger than any file: when generating code stops paying is tested below)
    tree, expected, lazy, built = _from_symbol_table(text, lines=10**9)
    chains = _enclosing_chains(tree)
    # what findings point at (whitespace objects may be shared between places, and found later)
    kinds = (cst.BaseExpression, cst.BaseSmallStatement, cst.BaseCompoundStatement, cst.Arg, cst.Param)
    inside = [n for n in expected if isinstance(n, kinds) and chains.get(n) and chains[n][0] in tree.body]
    for node in inside:
        assert lazy.get(node, chains[node]) == expected[node], (type(node).__name__, text[:80])
    # every node asked for lay in a def or class the symbol table placed, except where a def is
    # named like the tables of comprehensions (before 3.12 inlined them): those do not pair, and
    # CPython's tree is built
    assert bool(built) == ("def listcomp" in text and sys.version_info < (3, 12))
    for node in expected:
        assert lazy.get(node, chains.get(node, [])) == expected[node]


def test_symbol_table_lines_refuse_a_table_that_does_not_pair():
    import _symtable

    from propagation_lint.model import build_model
    from propagation_lint.positions import def_lines

    text = "def f():\n    pass\n"
    model = build_model(cst.parse_module(text), "t.py", "t", False)
    assert list(def_lines(model.root, _symtable.symtable(text, "t.py", "exec")).values()) == [1]
    other = _symtable.symtable("def g():\n    pass\n", "t.py", "exec")
    assert def_lines(model.root, other) is None


def test_positions_build_cpythons_tree_once_generated_code_would_cost_more():
    text = "def big():\n" + "".join(f"    x{i} = {i}\n" for i in range(40)) + "\n\ndef small():\n    return 1\n"
    tree, expected, lazy, built = _from_symbol_table(text, lines=text.count("\n") + 1)
    big, small = tree.body
    first = big.body.body[0].body[0]
    assert lazy.get(first, [big]) == expected[first] and not built  # the symbol table placed `big`
    value = small.body.body[0].body[0].value
    assert lazy.get(value, [small]) == expected[value] and built  # `big` alone cost more than the tree
