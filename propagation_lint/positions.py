"""Line and column of libcst nodes, computed only for files that need one (a finding, a fact
with a location).

libcst's ``PositionProvider`` computes positions by generating the file's code again while it
counts lines and columns: it splits every token with a regular expression and builds two frozen
dataclasses (``CodePosition``, ``CodeRange``) for every node, which made it cost as much as the
parse itself. :class:`_PositionState` is the same code generation with the bookkeeping made
cheap: a token without a line break only moves the column, and every node gets a plain
``(line, column, end_line, end_column)`` tuple (1-based lines, 0-based columns, as libcst's).
The ranges are libcst's own (same start and end rules, including the "syntactic" ranges of
statements that leave out leading whitespace); ``tests/test_positions.py`` compares them.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import MetadataWrapper, PositionProvider

from .fastvisit import contains

Range = Tuple[int, int, int, int]


class _Syntactic:
    """``record_syntactic_position`` as a plain context manager (libcst's is a generator)."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state, node, start_node, end_node):
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node

    def __enter__(self):
        self.start = (self.state.line, self.state.column)

    def __exit__(self, *exc):
        state = self.state
        computed = state.computed
        start = computed[self.start_node][:2] if self.start_node is not None else self.start
        end = computed[self.end_node][2:] if self.end_node is not None else (state.line, state.column)
        computed[self.node] = start + end
        return False


class _PositionState(CodegenState):
    """libcst's ``PositionProvidingCodegenState``, with cheap bookkeeping."""

    # CodegenState is a slotted dataclass; these are ours (no __dict__ per token)
    __slots__ = ("line", "column", "computed", "stack")

    def __init__(self, module: cst.Module):
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.column = 0
        self.computed: Dict[cst.CSTNode, Range] = {}
        self.stack: list = []

    def _advance(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            self.line += value.count("\n")
            self.column = len(value) - value.rfind("\n") - 1
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self._advance(value)

    def before_codegen(self, node) -> None:
        self.stack.append((self.line, self.column))

    def after_codegen(self, node) -> None:
        start = self.stack.pop()
        if node not in self.computed:
            self.computed[node] = start + (self.line, self.column)

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        return _Syntactic(self, node, start_node, end_node)


def positions_of(tree: cst.Module) -> Dict[cst.CSTNode, Range]:
    """Every node's range in ``tree``. Falls back to libcst's provider if its internals change."""
    try:
        state = _PositionState(tree)
        tree._codegen(state)
        if state.computed:
            return state.computed
    except Exception:
        pass
    computed = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
    return {node: (r.start.line, r.start.column, r.end.line, r.end.column) for node, r in computed.items()}


class LazyPositions:
    """Ranges computed one statement at a time, when a node in it is asked for.

    Files with findings usually have them in a few functions of many; generating the code of
    those alone is a fraction of the file's. The unit is the innermost ``def`` or ``class``
    statement (top-level or nested in the bodies of others) that holds the node, else the
    top-level statement. Its first line comes from CPython's syntax tree of the same text
    (``python_tree``: libcst's statements pair with CPython's, a line of ``a; b`` being one libcst
    statement and two CPython ones), so its ranges need no code before it; its columns need only
    the indentation of the blocks around it. ``chain`` (the ``def``/``class`` nodes from the
    outermost to the innermost scope holding the node, when the caller knows them) saves the
    search. When the statements do not pair up, or the node lies outside every statement (the
    module itself, its header or footer), the whole file is computed at once.
    """

    def __init__(self, tree: cst.Module, python_tree=None, def_lines: Optional[Callable[[], Optional[dict]]] = None,
                 lines: int = 0):
        self.tree = tree
        self.computed: Dict[cst.CSTNode, Range] = {}
        # CPython's tree, or a callable that builds it (on first use: only files with findings)
        self._python_tree = python_tree
        self._top: Optional[list] = None
        self._top_index: Dict[int, int] = {}
        self._full = False
        # {id(def or class node): line of its keyword}, from CPython's symbol table (no tree)
        self._def_lines = def_lines
        # lines generated without CPython's tree; past a share of the file's, building the tree
        # (about a fifth of the cost of generating the same code) and smaller units is cheaper
        self._generated = 0
        self._budget = lines * _TREE_FREE_SHARE

    def get(self, node: cst.CSTNode, chain: Sequence[cst.CSTNode] = ()) -> Optional[Range]:
        found = self.computed.get(node)
        if found is not None or self._full:
            return found
        if self._top is None and self._generated <= self._budget:
            # without CPython's tree while the symbol table's lines or the file's first
            # statements place the unit: most findings sit in a function or a class
            if chain and self._def_lines is not None:
                unit = self._def_unit(chain)
                if unit is not None:
                    self._compute(*unit)
                    found = self.computed.get(node)
                    if found is not None:
                        return found
            elif not chain and self._in_prefix(node):
                return self.computed.get(node)
        for hints in ((chain, ()) if chain else ((),)):
            unit = self._unit(node, hints)
            if unit is not None:
                self._compute(*unit)
                found = self.computed.get(node)
                if found is not None:
                    return found
        self.computed = positions_of(self.tree)
        self._full = True
        return self.computed.get(node)

    def _unit(self, node, chain):
        """(statement, its first line, indentation tokens) of the innermost unit holding ``node``."""
        pairs = self._top_pairs()
        if pairs is None:
            return None
        hints = list(chain)
        indent: list = []
        unit = None
        top_level = True
        while pairs:
            hint = hints.pop(0) if hints else None
            pick = None
            if hint is not None:
                if top_level:
                    pick = self._top_index.get(id(hint))
                else:
                    pick = next((i for i, (lc, _) in enumerate(pairs) if lc is hint), None)
            if pick is None:
                hints = []
                pick = next((i for i, (lc, _) in enumerate(pairs) if lc not in self.computed and contains(lc, node)), None)
                if pick is None:
                    break
            statement, python_statement = pairs[pick]
            unit = (statement, python_statement.lineno, tuple(indent))
            top_level = False
            body = getattr(statement, "body", None)
            if not (isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and isinstance(body, cst.IndentedBlock)):
                break
            pairs = _pair(body.body, getattr(python_statement, "body", None))
            indent.append(body.indent if body.indent is not None else self.tree.default_indent)
        return unit

    def _def_unit(self, chain):
        """(statement, its first line, indentation) of the innermost ``def``/``class`` of ``chain``
        reached through the blocks of the ones around it, with its line from the symbol table."""
        lines = self._def_lines
        if callable(lines):
            lines = self._def_lines = lines()
        if not lines:
            self._def_lines = None
            return None
        body, indent, unit = self.tree.body, [], None
        for hint in chain:
            line = lines.get(id(hint))
            if line is None or not any(statement is hint for statement in body):
                break
            unit = (hint, line, tuple(indent))
            block = hint.body
            if not isinstance(block, cst.IndentedBlock):
                break
            body = block.body
            indent.append(block.indent if block.indent is not None else self.tree.default_indent)
        return unit

    def _in_prefix(self, node) -> bool:
        """Computes ``node``'s range when it is one of the file's first top-level statements
        (imports, a docstring: where a fix adds an import), generating the code before it."""
        body = self.tree.body
        for index, statement in enumerate(body[:_PREFIX_STATEMENTS]):
            if statement is node:
                break
            if not isinstance(statement, cst.SimpleStatementLine):
                return False
        else:
            return False
        state = _PositionState(self.tree)
        for line in self.tree.header:
            line._codegen(state)
        for statement in body[:index + 1]:
            statement._codegen(state)
        self._generated += state.line
        for key, value in state.computed.items():
            self.computed.setdefault(key, value)
        return True

    def _top_pairs(self) -> Optional[list]:
        if self._top is None:
            python_tree = self._python_tree
            if callable(python_tree):
                python_tree = python_tree()
            self._top = _pair(self.tree.body, list(python_tree.body) if python_tree is not None else None) or []
            self._top_index = {id(lc): i for i, (lc, _) in enumerate(self._top)}
        return self._top or None

    def _compute(self, statement: cst.CSTNode, first_line: int, indent: tuple) -> None:
        state = _PositionState(self.tree)
        state.indent_tokens = list(indent)
        statement._codegen(state)
        self._generated += state.line
        offset = first_line - state.computed[statement][0]
        computed = self.computed
        for node, (line, column, end_line, end_column) in state.computed.items():
            computed[node] = (line + offset, column, end_line + offset, end_column)


# how many of a file's first statements ``_in_prefix`` will generate the code of
_PREFIX_STATEMENTS = 200
# the share of a file's lines generated without CPython's tree before building it pays
_TREE_FREE_SHARE = 0.25


def def_lines(root, symbols) -> Optional[dict]:
    """``{id(def or class node): line of its keyword}`` for every scope of a file's model, from
    CPython's symbol table of the same text: a scope's tables pair with its model children by name
    and kind, in order (lambdas and comprehensions have tables of their own, under names no
    ``def`` can pair with). None when they do not pair up."""
    lines: dict = {}

    def pair(scope, table) -> bool:
        tables: Dict[tuple, list] = {}
        for child in table.children:
            tables.setdefault((child.name, child.type), []).append(child)
        taken: Dict[tuple, int] = {}
        for child in scope.children:
            key = (child.name, _CLASS if child.kind == "class" else _FUNCTION)
            index = taken.get(key, 0)
            taken[key] = index + 1
            found = tables.get(key, ())
            if index >= len(found) or not pair(child, found[index]):
                return False
            lines[id(child.node)] = found[index].lineno
        return all(len(tables[key]) == n for key, n in taken.items())

    try:
        return lines if pair(root, symbols) else None
    except (AttributeError, TypeError):  # a symbol table of another shape
        return None


try:
    from _symtable import TYPE_CLASS as _CLASS, TYPE_FUNCTION as _FUNCTION
except ImportError:  # pragma: no cover - not CPython
    _CLASS, _FUNCTION = 1, 0


def _pair(statements, python_statements) -> Optional[list]:
    """libcst's statements of one block, each with CPython's first statement of it, or None when
    the two do not pair up."""
    if not isinstance(python_statements, list):
        return None
    pairs = []
    taken = 0
    for stmt in statements:
        if taken >= len(python_statements):
            return None
        pairs.append((stmt, python_statements[taken]))
        taken += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
    return pairs if taken == len(python_statements) else None


def libcst_positions(tree: cst.Module) -> Dict[cst.CSTNode, Range]:
    """libcst's own ranges for ``tree`` (what :func:`positions_of` must agree with)."""
    provider = PositionProvider()
    provider._gen_impl(tree)
    return {node: (r.start.line, r.start.column, r.end.line, r.end.column) for node, r in provider._computed.items()}

