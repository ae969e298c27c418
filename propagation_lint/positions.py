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

from typing import Dict, Optional, Tuple

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
    """Ranges computed one top-level statement at a time, when a node in it is asked for.

    Files with findings usually have them in a few top-level functions of many; generating the
    code of those alone is a fraction of the file's. Each top-level statement's first line comes
    from CPython's syntax tree of the same text (``statement_lines``: the first line of every
    top-level statement, as ``stmt.lineno`` gives it), so its ranges need no code before it. When
    those lines are missing or do not pair up with libcst's statements, the whole file is
    computed at once (:func:`positions_of`).
    """

    def __init__(self, tree: cst.Module, statement_lines: Optional[list] = None):
        self.tree = tree
        self.computed: Dict[cst.CSTNode, Range] = {}
        self._lines = statement_lines
        self._starts: Optional[list] = None
        self._index: Dict[int, int] = {}
        self._done: set = set()
        self._full = False

    def get(self, node: cst.CSTNode, hint: Optional[cst.CSTNode] = None) -> Optional[Range]:
        found = self.computed.get(node)
        if found is not None or self._full:
            return found
        starts = self._statement_starts()
        if starts is not None:
            body = self.tree.body
            first = self._index.get(id(hint)) if hint is not None else None
            order = ([first] if first is not None else []) + list(range(len(body)))
            for i in order:
                if i in self._done:
                    continue
                if contains(body[i], node):
                    self._compute(i, starts[i])
                    found = self.computed.get(node)
                    if found is not None:
                        return found
                    break
        self.computed = positions_of(self.tree)  # the module itself, its header or footer
        self._full = True
        return self.computed.get(node)

    def _statement_starts(self) -> Optional[list]:
        if self._starts is None:
            self._starts = []
            lines = self._lines
            if not lines:
                return None
            taken = 0
            for i, stmt in enumerate(self.tree.body):
                if taken >= len(lines):
                    self._lines = None
                    return None
                self._starts.append(lines[taken])
                self._index[id(stmt)] = i
                taken += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
            if taken != len(lines):
                self._lines = None
                return None
        return self._starts if self._lines else None

    def _compute(self, index: int, first_line: int) -> None:
        statement = self.tree.body[index]
        state = _PositionState(self.tree)
        statement._codegen(state)
        offset = first_line - state.computed[statement][0]
        computed = self.computed
        for node, (line, column, end_line, end_column) in state.computed.items():
            computed[node] = (line + offset, column, end_line + offset, end_column)
        self._done.add(index)


def statement_lines(python_tree) -> list:
    """The first line of every top-level statement of a CPython syntax tree (see LazyPositions)."""
    return [stmt.lineno for stmt in python_tree.body]


def libcst_positions(tree: cst.Module) -> Dict[cst.CSTNode, Range]:
    """libcst's own ranges for ``tree`` (what :func:`positions_of` must agree with)."""
    provider = PositionProvider()
    provider._gen_impl(tree)
    return {node: (r.start.line, r.start.column, r.end.line, r.end.column) for node, r in provider._computed.items()}

