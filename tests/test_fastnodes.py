"""The lean node constructors used while libcst parses must build the very same trees."""
from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from propagation_lint import fastnodes
from propagation_lint.engine import parse_module

HERE = Path(__file__).parent


def _samples():
    files = sorted((HERE / "rule_fixtures").rglob("*.py"))[::3]
    files += sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))[::40]
    return files


def test_trees_built_with_lean_constructors_equal_libcsts_own():
    files = _samples()
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        ours = parse_module(text)
        theirs = cst.parse_module(text)  # libcst's own constructors, validating every node
        assert ours.deep_equals(theirs), path
        assert ours.code == theirs.code  # (libcst itself does not round-trip every file exactly)


def test_every_node_class_gets_a_lean_constructor_and_its_own_back():
    classes = fastnodes._node_classes()
    assert len(classes) > 150 and len(fastnodes._swaps()) == len(classes)
    parse_module("x = f(a, *b, key=[1, 2])\n")
    assert all(cls.__dict__["__init__"] is original for cls, original, _ in fastnodes._swaps())
    with pytest.raises(cst.CSTValidationError):
        cst.Name(value="not a name")  # validation is back outside the parse


def test_lean_constructor_keeps_defaults_and_factories():
    fastnodes.install()
    try:
        name = cst.Name("x")
        comma = cst.Comma()
    finally:
        fastnodes.remove()
    assert name.deep_equals(cst.Name("x")) and name.lpar == () and comma.deep_equals(cst.Comma())
